package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FrameEncoderTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] header(boolean fin, int rsv, int opcode, boolean masked, int key, long len, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(FrameEncoder.MAX_HEADER_LENGTH).order(order);
        FrameEncoder.writeHeader(b, fin, rsv, opcode, masked, key, len);
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        assertEquals(FrameEncoder.headerLength(len, masked), out.length);
        return out;
    }

    private static byte[] header(long len, boolean masked) {
        return header(true, 0, Opcode.BINARY, masked, 0x11223344, len, ByteOrder.BIG_ENDIAN);
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: minimal length encoding at the boundaries")
    void boundaryHeaders() {
        assertArrayEquals(bytes(0x82, 0x00), header(0, false));
        assertArrayEquals(bytes(0x82, 0x7D), header(125, false));
        assertArrayEquals(bytes(0x82, 0x7E, 0x00, 0x7E), header(126, false));
        assertArrayEquals(bytes(0x82, 0x7E, 0xFF, 0xFF), header(65535, false));
        assertArrayEquals(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00), header(65536, false));
        assertArrayEquals(bytes(0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), header(Long.MAX_VALUE, false));
        assertArrayEquals(bytes(0x82, 0x80, 0x11, 0x22, 0x33, 0x44), header(0, true));
        assertArrayEquals(bytes(0x82, 0xFD, 0x11, 0x22, 0x33, 0x44), header(125, true));
        assertArrayEquals(bytes(0x82, 0xFE, 0x00, 0x7E, 0x11, 0x22, 0x33, 0x44), header(126, true));
        assertArrayEquals(bytes(0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44), header(65536, true));
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: header lengths")
    void headerLengths() {
        assertEquals(2, FrameEncoder.headerLength(0, false));
        assertEquals(2, FrameEncoder.headerLength(125, false));
        assertEquals(4, FrameEncoder.headerLength(126, false));
        assertEquals(4, FrameEncoder.headerLength(65535, false));
        assertEquals(10, FrameEncoder.headerLength(65536, false));
        assertEquals(14, FrameEncoder.headerLength(Long.MAX_VALUE, true));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.headerLength(-1, false));
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: FIN, RSV and opcode bits; the buffer's byte order does not matter")
    void firstByte() {
        assertArrayEquals(bytes(0x01, 0x00), header(false, 0, Opcode.TEXT, false, 0, 0, ByteOrder.BIG_ENDIAN));
        assertArrayEquals(bytes(0xC1, 0x00), header(true, FrameHeader.RSV1, Opcode.TEXT, false, 0, 0, ByteOrder.BIG_ENDIAN));
        assertArrayEquals(bytes(0xFF, 0x00), header(true, 7, 15, false, 0, 0, ByteOrder.BIG_ENDIAN));
        assertArrayEquals(header(true, 5, 2, true, 0xCAFEBABE, 70000, ByteOrder.BIG_ENDIAN),
                header(true, 5, 2, true, 0xCAFEBABE, 70000, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    @DisplayName("RFC 6455 sections 5.2 and 5.5: argument checks")
    void argumentChecks() {
        ByteBuffer b = ByteBuffer.allocate(14);
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, 0, 16, false, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, 0, -1, false, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, 8, 1, false, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, -1, 1, false, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, 0, 1, false, 0, -1));
        for (int op = 8; op < 16; op++) {
            int opcode = op;
            assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeHeader(b, true, 0, opcode, false, 0, 126));
            FrameEncoder.writeHeader(b.clear(), true, 0, opcode, false, 0, 125);
        }
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.encodeFrame(true, 0, Opcode.PING, true, 1, ByteBuffer.allocate(126)));
    }

    @Test
    @DisplayName("A header that does not fit throws BufferOverflowException and writes nothing")
    void overflow() {
        ByteBuffer b = ByteBuffer.allocate(13);
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeHeader(b, true, 0, 2, true, 0, 70000));
        assertEquals(0, b.position());
    }

    @Test
    @DisplayName("RFC 6455 section 5.7: the masked \"Hello\" example")
    void rfcMaskedExample() {
        ByteBuffer f = FrameEncoder.encodeFrame(true, 0, Opcode.TEXT, true, 0x37fa213d,
                ByteBuffer.wrap("Hello".getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[f.remaining()];
        f.get(out);
        assertArrayEquals(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), out);
    }

    @Test
    @DisplayName("RFC 6455 section 5.2: encoder output round-trips through the decoder")
    void roundTrip() {
        Random rnd = new Random(11);
        int[] sizes = {0, 1, 5, 125, 126, 1000, 65535, 65536, 100_000};
        for (int opcode = 0; opcode < 16; opcode++) {
            for (int size : sizes) {
                if (Opcode.isControl(opcode) && size > 125) {
                    continue;
                }
                boolean fin = rnd.nextBoolean();
                boolean masked = rnd.nextBoolean();
                int rsv = rnd.nextInt(8);
                int key = rnd.nextInt();
                byte[] p = new byte[size];
                rnd.nextBytes(p);
                ByteBuffer payload = rnd.nextBoolean() ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
                payload.put(p).flip();
                ByteBuffer wire = FrameEncoder.encodeFrame(fin, rsv, opcode, masked, key, payload);
                RecordingSink sink = new RecordingSink(true);
                new FrameDecoder(sink).decode(wire);
                assertEquals(new FrameHeader(fin, rsv, opcode, masked, masked ? key : 0, size), sink.frames.get(0).header());
                assertArrayEquals(p, sink.payloads.get(0));
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: masking never modifies the caller's payload or its position")
    void callerPayloadUntouched() {
        byte[] p = new byte[1000];
        new Random(5).nextBytes(p);
        for (int kind = 0; kind < 3; kind++) {
            ByteBuffer payload = kind == 1 ? ByteBuffer.allocateDirect(p.length + 3) : ByteBuffer.allocate(p.length + 3);
            payload.position(3);
            payload.put(p).flip().position(3);
            ByteBuffer arg = kind == 2 ? payload.asReadOnlyBuffer() : payload;
            FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, true, 0xDEADBEEF, arg);
            assertEquals(3, arg.position());
            byte[] after = new byte[p.length];
            payload.duplicate().position(3).get(after);
            assertArrayEquals(p, after);
        }
    }
}
