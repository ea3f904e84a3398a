package io.h2ws.core.internal.extension;

import static io.h2ws.core.internal.extension.Bytes.hex;
import static io.h2ws.core.internal.extension.Bytes.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.Role;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import io.h2ws.socket.DeflateConfig;

class MessageCodecTest {

    private static final int CHUNK = 16 * 1024;

    /** Text-like (compressible, with repeats across messages) or random (incompressible) payloads. */
    private static byte[] randomMessage(Random r) {
        int size = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(16);
            case 1 -> r.nextInt(1024);
            case 2 -> r.nextInt(40_000);
            default -> 40_000 + r.nextInt(100_000);
        };
        byte[] b = new byte[size];
        if (r.nextBoolean()) {
            r.nextBytes(b);
        } else {
            String[] words = {"hello ", "world ", "{\"id\":", "\"price\":", "12.5,", "websocket ", "deflate\n"};
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            while (o.size() < size) {
                o.writeBytes(words[r.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII));
            }
            b = Arrays.copyOf(o.toByteArray(), size);
        }
        return b;
    }

    /** Compresses {@code msg} cut at random points, as a sender of a fragmented message would. */
    private static byte[] deflateInParts(MessageDeflater d, byte[] msg, Random r, int maxParts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int parts = 1 + r.nextInt(maxParts);
        int pos = 0;
        for (int i = 0; i < parts; i++) {
            boolean last = i == parts - 1;
            int end = last ? msg.length : pos + r.nextInt(msg.length - pos + 1);
            ByteBuffer part = ByteBuffer.wrap(msg, pos, end - pos);
            out.writeBytes(toArray(d.deflate(part, last)));
            assertFalse(part.hasRemaining(), "the part is consumed");
            pos = end;
        }
        return out.toByteArray();
    }

    /** Inflates {@code compressed} cut at random points, as frames would arrive. */
    private static byte[] inflateInParts(MessageInflater inf, byte[] compressed, Random r, int maxParts) {
        Bytes.Sink sink = new Bytes.Sink();
        int parts = 1 + r.nextInt(maxParts);
        int pos = 0;
        for (int i = 0; i < parts; i++) {
            boolean last = i == parts - 1;
            int end = last ? compressed.length : pos + r.nextInt(compressed.length - pos + 1);
            inf.inflate(ByteBuffer.wrap(compressed, pos, end - pos), last, sink);
            pos = end;
        }
        for (int s : sink.sizes) {
            assertTrue(s > 0 && s <= CHUNK, "chunk of " + s);
        }
        return sink.bytes();
    }

    @ParameterizedTest(name = "sender no_context_takeover={0}, receiver resets={1}")
    @CsvSource({"false,false", "true,true", "true,false"})
    @DisplayName("RFC 7692 section 7.1.1: 100 random messages round-trip with and without context takeover")
    void roundTrips(boolean senderNct, boolean receiverResets) {
        Random r = new Random(7692L + (senderNct ? 1 : 0) + (receiverResets ? 2 : 0));
        MessageDeflater d = new MessageDeflater(-1, senderNct, 15);
        MessageInflater inf = new MessageInflater(receiverResets, 1 << 20, CHUNK);
        try {
            for (int i = 0; i < 100; i++) {
                byte[] msg = randomMessage(r);
                byte[] compressed = deflateInParts(d, msg, r, 1);
                assertArrayEquals(msg, inflateInParts(inf, compressed, r, 1), "message " + i);
            }
        } finally {
            d.end();
            inf.end();
        }
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1: context takeover really shares the window (a resetting receiver cannot follow)")
    void takeoverIsReal() {
        byte[] msg = "the same JSON payload, repeated: {\"a\":1,\"b\":2}".getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(-1, false, 15);
        MessageDeflater reset = new MessageDeflater(-1, true, 15);
        try {
            byte[] first = toArray(d.deflate(ByteBuffer.wrap(msg), true));
            byte[] second = toArray(d.deflate(ByteBuffer.wrap(msg), true));
            assertTrue(second.length < first.length / 2, first.length + " then " + second.length);
            toArray(reset.deflate(ByteBuffer.wrap(msg), true));
            assertEquals(first.length, toArray(reset.deflate(ByteBuffer.wrap(msg), true)).length);
            // A receiver that wrongly resets sees a back-reference to a window it forgot.
            MessageInflater wrong = new MessageInflater(true, 1 << 20, CHUNK);
            try {
                wrong.inflate(ByteBuffer.wrap(first), true, b -> { });
                ProtocolViolation e = assertThrows(ProtocolViolation.class,
                        () -> wrong.inflate(ByteBuffer.wrap(second), true, b -> { }));
                assertEquals(CloseCodes.INVALID_PAYLOAD, e.closeCode());
            } finally {
                wrong.end();
            }
        } finally {
            d.end();
            reset.end();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @DisplayName("RFC 7692 section 7.2.1: fragmented messages round-trip, cut differently on each side")
    void fragmentedRoundTrips(boolean nct) {
        Random r = new Random(6455);
        MessageDeflater d = new MessageDeflater(-1, nct, 15);
        MessageInflater inf = new MessageInflater(nct, 1 << 20, CHUNK);
        try {
            for (int i = 0; i < 100; i++) {
                byte[] msg = randomMessage(r);
                byte[] compressed = deflateInParts(d, msg, r, 6);
                assertFalse(d.inMessage());
                assertArrayEquals(msg, inflateInParts(inf, compressed, r, 6), "message " + i);
                assertEquals(0, inf.messageSize(), "the count restarts per message");
            }
        } finally {
            d.end();
            inf.end();
        }
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2: below 15 window bits we send Huffman-only DEFLATE, which has no back-references")
    void smallWindowHuffmanOnly() {
        byte[] zeros = new byte[10_000];
        MessageDeflater lz = new MessageDeflater(-1, false, 15);
        MessageDeflater huff = new MessageDeflater(-1, false, 9);
        MessageInflater inf = new MessageInflater(false, 1 << 20, CHUNK);
        try {
            int lzSize = lz.deflate(ByteBuffer.wrap(zeros), true).remaining();
            byte[] h = toArray(huff.deflate(ByteBuffer.wrap(zeros), true));
            assertTrue(lzSize < 100, "LZ77 matches make zeros tiny: " + lzSize);
            // At least one bit per literal means no match was used.
            assertTrue(h.length >= zeros.length / 8, "Huffman-only: " + h.length);
            Bytes.Sink sink = new Bytes.Sink();
            inf.inflate(ByteBuffer.wrap(h), true, sink);
            assertArrayEquals(zeros, sink.bytes());
        } finally {
            lz.end();
            huff.end();
            inf.end();
        }
    }

    @Test
    @DisplayName("RFC 6455 section 10.4: 10 MiB of zeros (~10 KiB compressed) with a 1 MiB limit throws 1009 after ~1 MiB, a chunk at a time")
    void compressionBomb() {
        int limit = 1 << 20;
        MessageDeflater d = new MessageDeflater(9, false, 15);
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 160; i++) { // 10 MiB without holding it
            bomb.writeBytes(toArray(d.deflate(zeros.clear(), i == 159)));
        }
        d.end();
        byte[] compressed = bomb.toByteArray();
        assertTrue(compressed.length < 20_000, "bomb is " + compressed.length + " bytes");

        MessageInflater inf = new MessageInflater(false, limit, CHUNK);
        Bytes.Sink sink = new Bytes.Sink();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        long[] maxChunk = {0};
        long[] total = {0};
        ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> inf.inflate(ByteBuffer.wrap(compressed), true, b -> {
            maxChunk[0] = Math.max(maxChunk[0], b.remaining());
            total[0] += b.remaining();
        }));
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(CloseCodes.TOO_BIG, e.closeCode());
        assertTrue(e.getMessage().contains("1048576"), e.getMessage());
        assertTrue(total[0] <= limit && total[0] > limit - CHUNK, "delivered " + total[0]);
        assertTrue(maxChunk[0] <= CHUNK, "chunk " + maxChunk[0]);
        // Everything delivered is fresh chunks; nothing like 10 MiB was ever allocated.
        assertTrue(allocated < 3L * limit, "allocated " + allocated + " bytes");
        assertThrows(IllegalStateException.class, () -> inf.inflate(ByteBuffer.allocate(0), true, sink),
                "a failed inflater is finished");
        assertEquals(0, inf.memoryEstimate());
    }

    @Test
    @DisplayName("RFC 6455 section 10.4: the limit is per message, exactly the limit passes, one byte more does not")
    void limitIsExact() {
        int limit = 50_000;
        MessageDeflater d = new MessageDeflater(-1, false, 15);
        MessageInflater inf = new MessageInflater(false, limit, CHUNK);
        try {
            byte[] exact = new byte[limit];
            new Random(1).nextBytes(exact);
            for (int i = 0; i < 3; i++) { // several full-size messages: the count resets
                Bytes.Sink sink = new Bytes.Sink();
                inf.inflate(d.deflate(ByteBuffer.wrap(exact), true), true, sink);
                assertArrayEquals(exact, sink.bytes());
            }
            ByteBuffer over = d.deflate(ByteBuffer.wrap(new byte[limit + 1]), true);
            ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> inf.inflate(over, true, b -> { }));
            assertEquals(CloseCodes.TOO_BIG, e.closeCode());
        } finally {
            d.end();
            inf.end();
        }
    }

    @Test
    @DisplayName("RFC 6455 section 10.4: the limit counts across the frames of one fragmented message")
    void limitAcrossFragments() {
        MessageInflater inf = new MessageInflater(false, 1000, CHUNK);
        MessageDeflater d = new MessageDeflater(-1, false, 15);
        try {
            ByteBuffer a = d.deflate(ByteBuffer.wrap(new byte[600]), false);
            ByteBuffer b = d.deflate(ByteBuffer.wrap(new byte[600]), true);
            inf.inflate(a, false, x -> { });
            ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> inf.inflate(b, true, x -> { }));
            assertEquals(CloseCodes.TOO_BIG, e.closeCode());
        } finally {
            d.end();
            inf.end();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ff ff ff ff",                 // BTYPE 11 is reserved (RFC 1951 section 3.2.3)
            "00 05 00 00 00 48 65 6c 6c 6f", // stored block whose NLEN is not ~LEN
            "f2 48 cd c9 c9 07 00 ff ee dd cc bb aa", // valid start, then garbage
            "f2 00 11 00 00"})             // back-reference into a window that is empty
    @DisplayName("RFC 7692 section 7.2.2: data that does not inflate fails with 1007")
    void corruptData(String hex) {
        MessageInflater inf = new MessageInflater(false, 1 << 20, CHUNK);
        ProtocolViolation e = assertThrows(ProtocolViolation.class,
                () -> inf.inflate(ByteBuffer.wrap(hex(hex)), true, b -> { }));
        assertEquals(CloseCodes.INVALID_PAYLOAD, e.closeCode());
        assertTrue(e.section().contains("7692"), e.section());
        assertEquals(0, inf.memoryEstimate(), "native memory freed on failure");
    }

    @Test
    @DisplayName("RFC 7692 section 7.2: memory estimates follow zlib's documented formula, lazily")
    void memory() {
        MessageDeflater d = new MessageDeflater(-1, false, 15);
        MessageInflater inf = new MessageInflater(false, 100, CHUNK);
        assertEquals(0, d.memoryEstimate());
        assertEquals(0, inf.memoryEstimate());
        ByteBuffer c = d.deflate(ByteBuffer.wrap(new byte[10]), true);
        inf.inflate(c, true, b -> { });
        assertEquals(256 * 1024 + 6 * 1024, d.memoryEstimate());
        assertEquals(32 * 1024 + 7 * 1024, inf.memoryEstimate());
        d.end();
        inf.end();
        assertEquals(0, d.memoryEstimate());
        assertEquals(0, inf.memoryEstimate());
        assertThrows(IllegalStateException.class, () -> d.deflate(ByteBuffer.allocate(1), true));
    }

    @Test
    @DisplayName("RFC 7692 section 7.1: each role compresses and decompresses with the right side's parameters")
    void rolesPickTheirParameters() {
        DeflateParams p = new DeflateParams(true, false, 15, 10);
        assertTrue(p.noContextTakeoverSending(Role.SERVER));
        assertFalse(p.noContextTakeoverSending(Role.CLIENT));
        assertFalse(p.noContextTakeoverReceiving(Role.SERVER));
        assertTrue(p.noContextTakeoverReceiving(Role.CLIENT));
        assertEquals(10, p.windowBitsSending(Role.CLIENT));
        assertEquals(15, p.windowBitsSending(Role.SERVER));
        assertThrows(IllegalArgumentException.class, () -> new DeflateParams(false, false, 7, 15));
        assertThrows(IllegalArgumentException.class, () -> new DeflateParams(false, false, 15, 16));

        // A server and a client built from the same parameters talk to each other both ways.
        DeflateConfig cfg = DeflateConfig.defaults();
        MessageDeflater serverOut = MessageDeflater.forSending(Role.SERVER, p, cfg);
        MessageInflater clientIn = MessageInflater.forReceiving(Role.CLIENT, p, cfg, 1 << 20);
        MessageDeflater clientOut = MessageDeflater.forSending(Role.CLIENT, p, cfg);
        MessageInflater serverIn = MessageInflater.forReceiving(Role.SERVER, p, cfg, 1 << 20);
        try {
            byte[] msg = "ping pong ping pong ping pong".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 5; i++) {
                Bytes.Sink s1 = new Bytes.Sink();
                clientIn.inflate(serverOut.deflate(ByteBuffer.wrap(msg), true), true, s1);
                assertArrayEquals(msg, s1.bytes());
                Bytes.Sink s2 = new Bytes.Sink();
                serverIn.inflate(clientOut.deflate(ByteBuffer.wrap(msg), true), true, s2);
                assertArrayEquals(msg, s2.bytes());
            }
        } finally {
            serverOut.end();
            clientIn.end();
            clientOut.end();
            serverIn.end();
        }
    }

    @Test
    @DisplayName("RFC 7692 section 6.1: configuration validates and decides which messages are worth compressing")
    void config() {
        DeflateConfig cfg = DeflateConfig.builder().minCompressSize(64).build();
        assertFalse(cfg.shouldCompress(63));
        assertTrue(cfg.shouldCompress(64));
        assertFalse(DeflateConfig.disabled().shouldCompress(1000));
        assertEquals(cfg, cfg.toBuilder().build());
        assertThrows(IllegalArgumentException.class, () -> DeflateConfig.builder().compressionLevel(10).build());
        assertThrows(IllegalArgumentException.class, () -> DeflateConfig.builder().inflateChunkSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> DeflateConfig.builder().minCompressSize(-1).build());
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.6: empty messages amid others are 0x00 with or without context takeover, and an empty payload is read as empty")
    void emptyMessages() {
        byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        for (boolean nct : new boolean[] {false, true}) {
            MessageDeflater d = new MessageDeflater(-1, nct, 15);
            MessageInflater inf = new MessageInflater(nct, 100, CHUNK);
            try {
                for (int i = 0; i < 3; i++) {
                    Bytes.Sink s = new Bytes.Sink();
                    inf.inflate(d.deflate(ByteBuffer.wrap(hello), true), true, s);
                    assertArrayEquals(hello, s.bytes());
                    for (int k = 0; k < 2; k++) { // two empties in a row: zlib emits nothing for the second flush
                        ByteBuffer empty = d.deflate(ByteBuffer.allocate(0), true);
                        assertArrayEquals(hex("00"), toArray(empty));
                        s.clear();
                        inf.inflate(empty, true, s);
                        assertEquals(0, s.bytes().length);
                    }
                    s.clear();
                    inf.inflate(ByteBuffer.allocate(0), true, s); // a lenient reading of an empty payload
                    assertEquals(0, s.bytes().length);
                }
            } finally {
                d.end();
                inf.end();
            }
        }
    }
}
