package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.ProtocolViolation;

class FrameDecoderTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static RecordingSink decodeAll(byte[] wire) {
        RecordingSink sink = new RecordingSink(true);
        FrameDecoder d = new FrameDecoder(sink);
        ByteBuffer in = ByteBuffer.wrap(wire.clone());
        d.decode(in);
        assertEquals(0, in.remaining(), "decode must consume all input");
        assertTrue(sink.idle());
        return sink;
    }

    private static void assertFrame(RecordingSink sink, int index, boolean fin, int opcode, boolean masked,
                                    int key, byte[] payload) {
        FrameHeader h = sink.frames.get(index).header();
        assertEquals(new FrameHeader(fin, 0, opcode, masked, key, payload.length), h);
        assertArrayEquals(payload, sink.payloads.get(index));
    }

    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);

    @Test
    @DisplayName("RFC 6455 section 5.7: single-frame unmasked text")
    void rfc57UnmaskedText() {
        RecordingSink s = decodeAll(bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f));
        assertEquals(1, s.frames.size());
        assertFrame(s, 0, true, Opcode.TEXT, false, 0, HELLO);
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: single-frame masked text")
    void rfc57MaskedText() {
        RecordingSink s = decodeAll(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58));
        assertFrame(s, 0, true, Opcode.TEXT, true, 0x37fa213d, HELLO);
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: fragmented unmasked text")
    void rfc57Fragmented() {
        RecordingSink s = decodeAll(bytes(0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f));
        assertEquals(2, s.frames.size());
        assertFrame(s, 0, false, Opcode.TEXT, false, 0, "Hel".getBytes(StandardCharsets.US_ASCII));
        assertFrame(s, 1, true, Opcode.CONTINUATION, false, 0, "lo".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: unmasked ping and masked pong")
    void rfc57PingPong() {
        RecordingSink s = decodeAll(bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
                0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58));
        assertFrame(s, 0, true, Opcode.PING, false, 0, HELLO);
        assertFrame(s, 1, true, Opcode.PONG, true, 0x37fa213d, HELLO);
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: 256-byte binary, 16-bit length")
    void rfc57Binary256() {
        byte[] payload = new byte[256];
        new Random(1).nextBytes(payload);
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(bytes(0x82, 0x7E, 0x01, 0x00));
        w.writeBytes(payload);
        RecordingSink s = decodeAll(w.toByteArray());
        assertFrame(s, 0, true, Opcode.BINARY, false, 0, payload);
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: 64 KiB binary, 64-bit length")
    void rfc57Binary64k() {
        byte[] payload = new byte[65536];
        new Random(2).nextBytes(payload);
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00));
        w.writeBytes(payload);
        RecordingSink s = decodeAll(w.toByteArray());
        assertFrame(s, 0, true, Opcode.BINARY, false, 0, payload);
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 1, 125, 126, 127, 65535, 65536, 70000})
    @DisplayName("RFC 6455 section 5.2: length encoding boundaries round-trip, masked and unmasked")
    void lengthBoundaries(int len) {
        byte[] payload = new byte[len];
        new Random(len).nextBytes(payload);
        for (boolean masked : new boolean[] {false, true}) {
            ByteBuffer wire = FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, masked, 0xA1B2C3D4, ByteBuffer.wrap(payload));
            int expectedHeader = (len <= 125 ? 2 : len <= 65535 ? 4 : 10) + (masked ? 4 : 0);
            assertEquals(expectedHeader + len, wire.remaining());
            byte[] w = new byte[wire.remaining()];
            wire.get(w);
            RecordingSink s = decodeAll(w);
            assertEquals(1, s.frames.size());
            assertFrame(s, 0, true, Opcode.BINARY, masked, masked ? 0xA1B2C3D4 : 0, payload);
        }
    }

    private static void assertViolation1002(byte[] wire) {
        FrameDecoder d = new FrameDecoder(new RecordingSink(true));
        ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> d.decode(ByteBuffer.wrap(wire)));
        assertEquals(1002, e.closeCode());
        assertEquals("RFC 6455 section 5.2", e.section());
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: 16-bit length under 126 is rejected with 1002")
    void nonMinimal16() {
        assertViolation1002(bytes(0x82, 0x7E, 0x00, 0x00));
        assertViolation1002(bytes(0x82, 0x7E, 0x00, 0x7D));
        assertViolation1002(bytes(0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4, 0, 0, 0, 0, 0));
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: 64-bit length up to 65535 is rejected with 1002")
    void nonMinimal64() {
        assertViolation1002(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x00));
        assertViolation1002(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x7D));
        assertViolation1002(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x7E));
        assertViolation1002(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF));
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: 64-bit length with the most significant bit set (2^63) is rejected with 1002")
    void msbSet() {
        assertViolation1002(bytes(0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0));
        assertViolation1002(bytes(0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: the largest legal 64-bit length is accepted")
    void maxLength() {
        RecordingSink sink = new RecordingSink(false);
        FrameDecoder d = new FrameDecoder(sink);
        d.decode(ByteBuffer.wrap(bytes(0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3)));
        assertFalse(sink.idle());
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: a non-minimal length split byte by byte is rejected once the length is known, before the mask key")
    void nonMinimalSplit() {
        FrameDecoder d = new FrameDecoder(new RecordingSink(true));
        byte[] w = bytes(0x82, 0xFE, 0x00, 0x05);
        for (int i = 0; i < 3; i++) {
            d.decode(ByteBuffer.wrap(w, i, 1));
        }
        assertThrows(ProtocolViolation.class, () -> d.decode(ByteBuffer.wrap(w, 3, 1)));
        assertThrows(IllegalStateException.class, () -> d.decode(ByteBuffer.wrap(bytes(0x81, 0x00))));
    }

    @Test
    @DisplayName("An exception from onHeader propagates and kills the decoder")
    void sinkThrows() {
        RuntimeException boom = new RuntimeException("reserved opcode");
        List<FrameHeader> seen = new ArrayList<>();
        FrameSink sink = new FrameSink() {
            @Override
            public void onHeader(FrameHeader header) {
                seen.add(header);
                if (header.opcode() == 3) {
                    throw boom;
                }
            }

            @Override
            public void onPayload(ByteBuffer chunk) {}

            @Override
            public void onFrameEnd() {}
        };
        FrameDecoder d = new FrameDecoder(sink);
        ByteBuffer in = ByteBuffer.wrap(bytes(0x81, 0x01, 0x41, 0x83, 0x01, 0x42, 0x81, 0x00));
        assertSame(boom, assertThrows(RuntimeException.class, () -> d.decode(in)));
        assertEquals(2, seen.size());
        assertThrows(IllegalStateException.class, () -> d.decode(ByteBuffer.wrap(bytes(0x81, 0x00))));
        assertEquals(2, seen.size());
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: masked payload in a read-only buffer is unmasked into scratch, input untouched")
    void readOnlyInput() {
        byte[] payload = new byte[20000];
        new Random(3).nextBytes(payload);
        ByteBuffer wire = FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, true, 0x01020304, ByteBuffer.wrap(payload));
        byte[] original = new byte[wire.remaining()];
        wire.duplicate().get(original);
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer src = direct ? ByteBuffer.allocateDirect(original.length) : ByteBuffer.allocate(original.length);
            src.put(original).flip();
            ByteBuffer ro = src.asReadOnlyBuffer();
            RecordingSink sink = new RecordingSink(true);
            new FrameDecoder(sink).decode(ro);
            assertEquals(0, ro.remaining());
            assertArrayEquals(payload, sink.payloads.get(0));
            byte[] after = new byte[original.length];
            src.duplicate().get(after);
            assertArrayEquals(original, after, "read-only input must not change");
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: writable input is unmasked in place")
    void unmaskInPlace() {
        ByteBuffer wire = ByteBuffer.wrap(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58));
        new FrameDecoder(new RecordingSink(true)).decode(wire);
        assertArrayEquals(HELLO, Arrays.copyOfRange(wire.array(), 6, 11));
    }

    // ---- the split test ----------------------------------------------------------------------

    /** A stream of frames with every opcode, FIN on and off, all RSV values, masked and unmasked, sizes 0..70000. */
    private static byte[] mixedStream(Random rnd, List<FrameHeader> headers, List<byte[]> payloads) {
        int[] sizes = {0, 1, 2, 3, 7, 8, 9, 125, 126, 127, 200, 1000, 65535, 65536, 70000};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int frames = 0;
        for (int opcode = 0; opcode < 16; opcode++) {
            for (int variant = 0; variant < 4; variant++) {
                boolean control = Opcode.isControl(opcode);
                int len;
                if (control) {
                    len = new int[] {0, 1, 125, 17}[variant];
                } else if (frames < sizes.length) {
                    len = sizes[frames % sizes.length];
                } else {
                    len = rnd.nextInt(300);
                }
                frames++;
                boolean fin = ((variant + opcode) & 1) == 0;
                int rsv = (opcode + variant) & 7;
                boolean masked = (variant & 2) != 0 ^ (opcode & 1) != 0;
                int key = masked ? rnd.nextInt() : 0;
                byte[] p = new byte[len];
                rnd.nextBytes(p);
                ByteBuffer f = FrameEncoder.encodeFrame(fin, rsv, opcode, masked, key, ByteBuffer.wrap(p));
                out.write(f.array(), 0, f.limit());
                headers.add(new FrameHeader(fin, rsv, opcode, masked, key, len));
                payloads.add(p);
            }
        }
        return out.toByteArray();
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: splitting the stream in two at every offset gives the same frames")
    void everySplitOffset() {
        List<FrameHeader> headers = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        byte[] wire = mixedStream(new Random(42), headers, payloads);

        RecordingSink whole = decodeAll(wire);
        assertEquals(headers.size(), whole.frames.size());
        for (int i = 0; i < headers.size(); i++) {
            assertEquals(headers.get(i), whole.frames.get(i).header());
            assertArrayEquals(payloads.get(i), whole.payloads.get(i), "payload of frame " + i);
        }
        List<RecordingSink.Frame> expected = whole.frames;

        byte[] work = new byte[wire.length];
        for (int cut = 0; cut <= wire.length; cut++) {
            System.arraycopy(wire, 0, work, 0, wire.length);
            RecordingSink sink = new RecordingSink(false);
            FrameDecoder d = new FrameDecoder(sink);
            ByteBuffer first = ByteBuffer.wrap(work, 0, cut);
            ByteBuffer second = ByteBuffer.wrap(work, cut, wire.length - cut);
            // Alternate read-only and writable pieces so both unmasking paths see every boundary.
            if ((cut & 1) == 1) {
                first = first.asReadOnlyBuffer();
            }
            if ((cut & 2) == 2) {
                second = second.asReadOnlyBuffer();
            }
            d.decode(first);
            d.decode(second);
            assertEquals(0, first.remaining());
            assertEquals(0, second.remaining());
            if (!expected.equals(sink.frames)) {
                assertEquals(expected, sink.frames, "split at offset " + cut);
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: random multi-way splits over heap, direct and read-only pieces")
    void randomMultiSplit() {
        Random rnd = new Random(7);
        byte[] wire = mixedStream(rnd, new ArrayList<>(), new ArrayList<>());
        List<RecordingSink.Frame> expected = decodeAll(wire).frames;
        for (int run = 0; run < 120; run++) {
            RecordingSink sink = new RecordingSink(false);
            FrameDecoder d = new FrameDecoder(sink);
            int pos = 0;
            int maxPiece = 1 + rnd.nextInt(run < 60 ? 40 : 20000);
            while (pos < wire.length) {
                int n = Math.min(wire.length - pos, rnd.nextInt(maxPiece + 1));
                ByteBuffer piece = rnd.nextBoolean() ? ByteBuffer.allocateDirect(n + 5) : ByteBuffer.allocate(n + 5);
                piece.position(rnd.nextInt(6));
                piece.put(wire, pos, n).flip().position(piece.limit() - n);
                ByteBuffer input = rnd.nextInt(3) == 0 ? piece.asReadOnlyBuffer() : piece;
                d.decode(input);
                assertEquals(0, input.remaining());
                pos += n;
            }
            assertEquals(expected, sink.frames, "run " + run);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: one byte at a time")
    void oneByteAtATime() {
        byte[] wire = mixedStream(new Random(9), new ArrayList<>(), new ArrayList<>());
        List<RecordingSink.Frame> expected = decodeAll(wire).frames;
        for (boolean readOnly : new boolean[] {false, true}) {
            byte[] work = wire.clone();
            RecordingSink sink = new RecordingSink(false);
            FrameDecoder d = new FrameDecoder(sink);
            for (int i = 0; i < work.length; i++) {
                ByteBuffer b = ByteBuffer.wrap(work, i, 1);
                d.decode(readOnly ? b.asReadOnlyBuffer() : b);
            }
            d.decode(ByteBuffer.allocate(0));
            assertEquals(expected, sink.frames);
        }
    }
}
