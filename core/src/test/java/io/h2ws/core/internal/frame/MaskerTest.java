package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MaskerTest {
    private static final ByteOrder[] ORDERS = {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN};

    /** The section 5.3 definition, byte by byte: j = i MOD 4, transformed-octet-i = original-octet-i XOR masking-key-octet-j. */
    private static byte[] naive(byte[] in, int key, long offset) {
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            int j = (int) ((offset + i) % 4);
            out[i] = (byte) (in[i] ^ (key >>> (24 - 8 * j)));
        }
        return out;
    }

    private static ByteBuffer buffer(boolean direct, int capacity, ByteOrder order) {
        return (direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity)).order(order);
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: in-place masking equals the byte-by-byte definition")
    void inPlaceMatchesNaive() {
        Random rnd = new Random(1);
        int[] keys = {0, -1, 0x37fa213d, 0x01020304, rnd.nextInt(), rnd.nextInt()};
        for (int len = 0; len <= 64; len++) {
            for (int offset = 0; offset < 8; offset++) {
                for (int key : keys) {
                    for (boolean direct : new boolean[] {false, true}) {
                        for (ByteOrder order : ORDERS) {
                            for (int pos : new int[] {0, 1, 3, 5}) {
                                byte[] data = new byte[len];
                                rnd.nextBytes(data);
                                ByteBuffer b = buffer(direct, pos + len + 2, order);
                                b.position(pos);
                                b.put(data).position(pos).limit(pos + len);
                                // a slice has a non-zero arrayOffset on heap buffers
                                ByteBuffer target = pos == 5 ? b.slice().order(order) : b;
                                int before = target.position();
                                Masker.mask(target, key, offset);
                                assertEquals(before, target.position());
                                assertSame(order, target.order());
                                byte[] got = new byte[len];
                                target.duplicate().get(got);
                                assertArrayEquals(naive(data, key, offset), got,
                                        "len " + len + " offset " + offset + " direct " + direct + " " + order + " pos " + pos);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: copying masking equals the definition for all buffer kinds and orders")
    void copyMatchesNaive() {
        Random rnd = new Random(2);
        for (int len = 0; len <= 64; len++) {
            for (int offset = 0; offset < 8; offset++) {
                int key = rnd.nextInt();
                byte[] data = new byte[len];
                rnd.nextBytes(data);
                for (int combo = 0; combo < 16; combo++) {
                    ByteBuffer src = buffer((combo & 1) != 0, len + 3, ORDERS[(combo >> 1) & 1]);
                    ByteBuffer dst = buffer((combo & 4) != 0, len + 7, ORDERS[(combo >> 3) & 1]);
                    src.position(3);
                    src.put(data).position(3);
                    ByteBuffer srcArg = (combo % 5 == 0) ? src.asReadOnlyBuffer() : src;
                    dst.position(2);
                    Masker.mask(srcArg, dst, key, offset);
                    assertEquals(3 + len, srcArg.position());
                    assertEquals(2 + len, dst.position());
                    byte[] got = new byte[len];
                    dst.flip().position(2);
                    dst.get(got);
                    assertArrayEquals(naive(data, key, offset), got, "len " + len + " offset " + offset + " combo " + combo);
                    byte[] srcAfter = new byte[len];
                    src.position(3);
                    src.get(srcAfter);
                    assertArrayEquals(data, srcAfter, "source must not change");
                }
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: the key keeps rotating across chunks of any size")
    void chunksContinueRotation() {
        Random rnd = new Random(3);
        byte[] data = new byte[10_000];
        rnd.nextBytes(data);
        int key = rnd.nextInt();
        byte[] expected = naive(data, key, 0);
        for (int run = 0; run < 50; run++) {
            byte[] work = data.clone();
            int pos = 0;
            while (pos < work.length) {
                int n = Math.min(work.length - pos, rnd.nextInt(run < 25 ? 13 : 2000));
                Masker.mask(ByteBuffer.wrap(work, pos, n), key, pos);
                pos += n;
            }
            assertArrayEquals(expected, work);
        }
        // offsets beyond 2^32 still rotate by offset mod 4
        byte[] far = data.clone();
        Masker.mask(ByteBuffer.wrap(far, 0, 100), key, (1L << 40) + 2);
        assertArrayEquals(naive(java.util.Arrays.copyOf(data, 100), key, 2), java.util.Arrays.copyOf(far, 100));
    }

    @Test
    @DisplayName("Masking twice restores the data")
    void involution() {
        byte[] data = new byte[1000];
        new Random(4).nextBytes(data);
        ByteBuffer b = ByteBuffer.allocateDirect(1000);
        b.put(data).flip();
        Masker.mask(b, 0x5A5A1234, 3);
        Masker.mask(b, 0x5A5A1234, 3);
        byte[] got = new byte[1000];
        b.get(got);
        assertArrayEquals(data, got);
    }

    @Test
    @DisplayName("Read-only targets and short destinations are refused")
    void refusals() {
        ByteBuffer ro = ByteBuffer.allocate(8).asReadOnlyBuffer();
        assertThrows(ReadOnlyBufferException.class, () -> Masker.mask(ro, 1, 0));
        Masker.mask(ByteBuffer.allocate(0).asReadOnlyBuffer(), 1, 0);
        assertThrows(BufferOverflowException.class, () -> Masker.mask(ByteBuffer.allocate(9), ByteBuffer.allocate(8), 1, 0));
        assertThrows(ReadOnlyBufferException.class, () -> Masker.mask(ByteBuffer.allocate(1), ro, 1, 0));
    }

    @Test
    @DisplayName("RFC 6455 section 5.3: secure keys vary; fixed keys do not")
    void maskKeys() {
        MaskKeys secure = MaskKeys.secure();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(secure.nextKey());
        }
        // 1000 draws from 2^32 collide with probability about 1e-4; allow a couple anyway
        org.junit.jupiter.api.Assertions.assertTrue(seen.size() > 990, "keys repeat: " + seen.size());
        MaskKeys fixed = MaskKeys.fixed(0x37fa213d);
        assertEquals(0x37fa213d, fixed.nextKey());
        assertEquals(0x37fa213d, fixed.nextKey());
    }
}
