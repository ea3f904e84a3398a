package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.ProtocolViolation;

class Utf8DecoderTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /**
     * The oracle: the JDK's String decoding. It substitutes U+FFFD for malformed input, and a
     * substitution never re-encodes to the bytes it replaced, so a byte-exact round trip means
     * valid (and avoids millions of CharacterCodingExceptions in the exhaustive tests).
     */
    private static String jdkStrict(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        return Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b) ? s : null;
    }

    /** Whether some continuation makes {@code p} valid; the sub-ranges 80, 90, A0 cover every second-byte rule. */
    private static boolean viable(byte[] p) {
        return viable(p, 3);
    }

    private static boolean viable(byte[] p, int extra) {
        if (jdkStrict(p) != null) {
            return true;
        }
        if (extra == 0) {
            return false;
        }
        for (int c : new int[] {0x80, 0x90, 0xA0}) {
            byte[] q = Arrays.copyOf(p, p.length + 1);
            q[p.length] = (byte) c;
            if (viable(q, extra - 1)) {
                return true;
            }
        }
        return false;
    }

    private static String decode(byte[] b) {
        return Utf8Decoder.decodeWhole(ByteBuffer.wrap(b));
    }

    private static void assertInvalid(byte[] b) {
        ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> decode(b), () -> hex(b));
        assertEquals(1007, e.closeCode());
        assertEquals("RFC 6455 section 8.1", e.section());
        assertThrows(ProtocolViolation.class, () -> Utf8Decoder.validate(ByteBuffer.wrap(b)));
    }

    /** Feeds {@code b} byte by byte and returns the index of the byte whose call threw, or -1. */
    private static int failingIndex(byte[] b) {
        Utf8Decoder d = new Utf8Decoder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            try {
                d.decode(ByteBuffer.wrap(b, i, 1), sb);
            } catch (ProtocolViolation e) {
                assertEquals(1007, e.closeCode());
                return i;
            }
        }
        return -1;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02X ", x));
        }
        return sb.toString().trim();
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: valid text with 1- to 4-byte sequences and U+10FFFF")
    void validText() {
        String s = "Hello, w\u00f6rld \u20ac \ud834\udd1e \u0000 \u007f \u0080 \u07ff \u0800 \uffff \ud800\udc00 \udbff\udfff";
        assertEquals(s, decode(s.getBytes(StandardCharsets.UTF_8)));
        assertEquals("\udbff\udfff", decode(bytes(0xF4, 0x8F, 0xBF, 0xBF)));
        assertEquals("\ud7ff", decode(bytes(0xED, 0x9F, 0xBF)));
        assertEquals("\ue000", decode(bytes(0xEE, 0x80, 0x80)));
        assertEquals("", decode(new byte[0]));
    }

    @Test
    @DisplayName("RFC 3629 section 3: overlong forms are invalid")
    void overlong() {
        assertInvalid(bytes(0xC0, 0x80));
        assertInvalid(bytes(0xC1, 0xBF));
        assertInvalid(bytes(0xE0, 0x80, 0x80));
        assertInvalid(bytes(0xE0, 0x9F, 0xBF));
        assertInvalid(bytes(0xF0, 0x80, 0x80, 0x80));
        assertInvalid(bytes(0xF0, 0x8F, 0xBF, 0xBF));
        assertEquals(0, failingIndex(bytes(0xC0, 0x80)));
        assertEquals(1, failingIndex(bytes(0xE0, 0x80, 0x80)));
        assertEquals(1, failingIndex(bytes(0xF0, 0x80, 0x80, 0x80)));
    }

    @Test
    @DisplayName("RFC 3629 section 3: UTF-16 surrogates are invalid, rejected at the second byte")
    void surrogates() {
        assertInvalid(bytes(0xED, 0xA0, 0x80));
        assertInvalid(bytes(0xED, 0xBF, 0xBF));
        assertInvalid(bytes(0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9)); // CESU-8 pair
        assertEquals(1, failingIndex(bytes(0xED, 0xA0, 0x80)));
    }

    @Test
    @DisplayName("RFC 3629 section 3: code points above U+10FFFF and bytes F5..FF are invalid")
    void aboveMax() {
        assertInvalid(bytes(0xF4, 0x90, 0x80, 0x80));
        assertEquals(1, failingIndex(bytes(0xF4, 0x90, 0x80, 0x80)));
        for (int b = 0xF5; b <= 0xFF; b++) {
            assertInvalid(bytes(b, 0x80, 0x80, 0x80));
            assertEquals(0, failingIndex(bytes(b, 0x80, 0x80, 0x80)));
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: lone and surplus continuation bytes are invalid")
    void loneContinuation() {
        for (int b = 0x80; b <= 0xBF; b++) {
            assertInvalid(bytes(b));
            assertInvalid(bytes(0x41, b));
        }
        assertInvalid(bytes(0xC3, 0xA9, 0xA9));
        assertInvalid(bytes(0xE2, 0x82, 0xAC, 0x80));
        assertInvalid(bytes(0xC3, 0x41)); // lead byte followed by ASCII
        assertEquals(1, failingIndex(bytes(0xC3, 0x41)));
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a message ending inside a sequence fails at finish(), which resets")
    void truncatedAtEnd() {
        for (byte[] b : new byte[][] {bytes(0xC3), bytes(0xE2, 0x82), bytes(0xF0, 0x9F, 0x98), bytes(0x41, 0xF4, 0x8F)}) {
            Utf8Decoder d = new Utf8Decoder();
            StringBuilder sb = new StringBuilder();
            d.decode(ByteBuffer.wrap(b), sb);
            assertFalse(d.isComplete());
            ProtocolViolation e = assertThrows(ProtocolViolation.class, d::finish);
            assertEquals(1007, e.closeCode());
            assertTrue(d.isComplete());
            d.decode(ByteBuffer.wrap(bytes(0x41)), sb.delete(0, sb.length()));
            d.finish();
            assertEquals("A", sb.toString());
            assertInvalid(b);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: fail fast - an invalid prefix split over chunks throws on the chunk holding the bad byte")
    void failFastAcrossChunks() {
        int[][][] cases = {
            {{0xF4}, {0x90}},
            {{0xE0}, {0x80}},
            {{0xED}, {0xA0}},
            {{0x41, 0x42, 0xF0, 0x90}, {0x80}, {0x41}},
            {{0xC1}},
            {{0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0xF5}},
        };
        for (int[][] chunks : cases) {
            Utf8Decoder d = new Utf8Decoder();
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < chunks.length - 1; c++) {
                d.decode(ByteBuffer.wrap(bytes(chunks[c])), sb);
            }
            ByteBuffer last = ByteBuffer.wrap(bytes(chunks[chunks.length - 1]));
            ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> d.decode(last, sb));
            assertEquals(1007, e.closeCode());
            assertEquals(last.limit() - 1, last.position(), "position at the offending byte");
            assertThrows(IllegalStateException.class, () -> d.decode(ByteBuffer.wrap(bytes(0x41)), sb));
            d.reset();
            d.decode(ByteBuffer.wrap(bytes(0x41)), sb);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: every 1- and 2-byte input, fed in two chunks, fails exactly where the JDK says no completion exists")
    void exhaustiveTwoBytes() {
        for (int b0 = 0; b0 < 256; b0++) {
            boolean v0 = viable(bytes(b0));
            for (int b1 = 0; b1 < 256; b1++) {
                byte[] in = bytes(b0, b1);
                boolean v01 = viable(in);
                Utf8Decoder d = new Utf8Decoder();
                StringBuilder sb = new StringBuilder();
                int failedAt = -1;
                try {
                    d.decode(ByteBuffer.wrap(in, 0, 1), sb);
                    failedAt = 1;
                    d.decode(ByteBuffer.wrap(in, 1, 1), sb);
                    failedAt = -1;
                } catch (ProtocolViolation e) {
                    failedAt = failedAt == 1 ? 1 : 0;
                }
                int expected = !v0 ? 0 : !v01 ? 1 : -1;
                assertEquals(expected, failedAt, hex(in));
                if (failedAt == -1) {
                    String jdk = jdkStrict(in);
                    if (jdk != null) {
                        d.finish();
                        assertEquals(jdk, sb.toString(), hex(in));
                    } else {
                        assertThrows(ProtocolViolation.class, d::finish, hex(in));
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: every 3-byte input starting with a 3- or 4-byte lead agrees with the JDK, fail-fast")
    void exhaustiveThreeBytes() {
        for (int b0 = 0xE0; b0 <= 0xF4; b0++) {
            for (int b1 = 0x80; b1 <= 0xBF; b1++) {
                if (!viable(bytes(b0, b1))) {
                    continue;
                }
                for (int b2 = 0; b2 < 256; b2++) {
                    byte[] in = bytes(b0, b1, b2);
                    int expected = viable(in) ? -1 : 2;
                    assertEquals(expected, failingIndex(in), hex(in));
                    String jdk = jdkStrict(in);
                    if (jdk != null) {
                        assertEquals(jdk, decode(in), hex(in));
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: every scalar value, split at every offset inside its sequence, decodes right")
    void everyCodePointEverySplit() {
        Utf8Decoder d = new Utf8Decoder();
        StringBuilder sb = new StringBuilder();
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            String s = new String(Character.toChars(cp));
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            for (int cut = 0; cut < b.length; cut++) {
                sb.setLength(0);
                d.decode(ByteBuffer.wrap(b, 0, cut), sb);
                d.decode(ByteBuffer.wrap(b, cut, b.length - cut), sb);
                d.finish();
                if (!s.contentEquals(sb)) {
                    fail("U+" + Integer.toHexString(cp) + " split at " + cut + ": " + sb);
                }
            }
        }
    }

    private static String randomText(Random rnd, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int cp;
            switch (rnd.nextInt(6)) {
                case 0, 1 -> cp = rnd.nextInt(0x80);
                case 2 -> cp = 0x80 + rnd.nextInt(0x780);
                case 3 -> cp = 0x800 + rnd.nextInt(0xF800);
                case 4 -> cp = 0x10000 + rnd.nextInt(0x100000);
                default -> {
                    // long ASCII runs exercise the 8-byte fast path
                    int n = rnd.nextInt(40);
                    for (int k = 0; k < n; k++) {
                        sb.append((char) (0x20 + rnd.nextInt(0x5F)));
                    }
                    continue;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: random valid text in random chunks (heap, direct, both byte orders) matches the JDK")
    void randomValidAgainstJdk() {
        Random rnd = new Random(21);
        Utf8Decoder d = new Utf8Decoder();
        for (int run = 0; run < 2000; run++) {
            String s = randomText(rnd, rnd.nextInt(200));
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(s, new String(b, StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            int pos = 0;
            while (pos < b.length) {
                int n = Math.min(b.length - pos, rnd.nextInt(30));
                ByteBuffer chunk = (rnd.nextBoolean() ? ByteBuffer.allocateDirect(n + 3) : ByteBuffer.allocate(n + 3))
                        .order(rnd.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                chunk.position(3);
                chunk.put(b, pos, n).flip().position(3);
                d.decode(chunk, sb);
                assertEquals(0, chunk.remaining());
                pos += n;
            }
            d.finish();
            assertEquals(s, sb.toString());
            ByteBuffer whole = ByteBuffer.wrap(b);
            Utf8Decoder.validate(whole);
            assertEquals(0, whole.position());
            assertEquals(s, Utf8Decoder.decodeWhole(whole));
            assertEquals(0, whole.position());
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: random byte strings get the JDK's verdict")
    void randomBytesAgainstJdk() {
        Random rnd = new Random(22);
        for (int run = 0; run < 20000; run++) {
            byte[] b;
            if (rnd.nextBoolean()) {
                b = new byte[rnd.nextInt(12)];
                rnd.nextBytes(b);
            } else {
                // valid text with one random byte changed: invalid bytes in otherwise plausible input
                b = ("a" + randomText(rnd, rnd.nextInt(10))).getBytes(StandardCharsets.UTF_8);
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            String jdk = jdkStrict(b);
            byte[] in = b;
            if (jdk == null) {
                assertThrows(ProtocolViolation.class, () -> decode(in), hex(b));
            } else {
                assertEquals(jdk, assertDoesNotThrow(() -> decode(in), hex(b)));
            }
        }
    }

    @Test
    @DisplayName("validate and decodeWhole leave the position alone and honour it")
    void staticHelpers() {
        ByteBuffer b = ByteBuffer.wrap(bytes(0xFF, 0x41, 0xC3, 0xA9, 0xFF));
        b.position(1).limit(4);
        Utf8Decoder.validate(b);
        assertEquals("A\u00e9", Utf8Decoder.decodeWhole(b));
        assertEquals(1, b.position());
        assertEquals(4, b.limit());
        ByteBuffer t = ByteBuffer.wrap(bytes(0x41, 0xC3));
        assertThrows(ProtocolViolation.class, () -> Utf8Decoder.validate(t));
        assertEquals(0, t.position());
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: check() in random chunks gives the JDK's verdict, fails in the chunk with the bad byte,"
            + " and reports ASCII chunks")
    void checkInChunksAgainstJdk() {
        Random rnd = new Random(23);
        Utf8Decoder d = new Utf8Decoder();
        for (int run = 0; run < 20000; run++) {
            byte[] b = ("a" + randomText(rnd, rnd.nextInt(40))).getBytes(StandardCharsets.UTF_8);
            int badAt = -1;
            if (rnd.nextBoolean()) {
                badAt = rnd.nextInt(b.length);
                b[badAt] = (byte) rnd.nextInt(256);
            }
            String jdk = jdkStrict(b);
            d.reset();
            int pos = 0;
            boolean threw = false;
            while (pos < b.length && !threw) {
                int n = Math.min(b.length - pos, 1 + rnd.nextInt(12));
                ByteBuffer chunk = rnd.nextBoolean() ? ByteBuffer.wrap(b, pos, n)
                        : ByteBuffer.allocateDirect(n).put(b, pos, n).flip();
                int before = chunk.position();
                try {
                    boolean ascii = d.check(chunk);
                    boolean expected = true;
                    for (int k = pos; k < pos + n; k++) {
                        expected &= b[k] >= 0;
                    }
                    assertEquals(expected, ascii, hex(b));
                    assertEquals(before, chunk.position(), "check() does not move the position");
                } catch (ProtocolViolation e) {
                    assertEquals(1007, e.closeCode());
                    threw = true;
                    // fail-fast: the prefix up to the end of this chunk has no valid completion,
                    // the prefix before it had one
                    assertFalse(viable(Arrays.copyOf(b, pos + n)), hex(b));
                    assertTrue(pos == 0 || viable(Arrays.copyOf(b, pos)), hex(b));
                }
                pos += n;
            }
            boolean ok = !threw && d.isComplete();
            assertEquals(jdk != null, ok, hex(b));
        }
    }

    @Test
    @DisplayName("decodeWhole decodes slices, read-only and direct buffers (ASCII and not) without moving them")
    void decodeWholeBufferKinds() {
        for (String s : new String[] {"plain ASCII text, longer than a word", "caf\u00e9 \u20ac \ud83d\ude00"}) {
            byte[] b = ("##" + s + "#").getBytes(StandardCharsets.UTF_8);
            ByteBuffer slice = ByteBuffer.wrap(b, 2, b.length - 3).slice();
            ByteBuffer direct = ByteBuffer.allocateDirect(b.length).put(b).flip().position(2).limit(b.length - 1);
            ByteBuffer readOnly = ByteBuffer.wrap(b).asReadOnlyBuffer().position(2).limit(b.length - 1);
            for (ByteBuffer in : new ByteBuffer[] {slice, direct, readOnly}) {
                int p = in.position();
                assertEquals(s, Utf8Decoder.decodeWhole(in));
                assertEquals(p, in.position());
            }
        }
    }
}
