package io.h2ws.core.internal.frame;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;

/**
 * RFC 6455 section 5.3 payload masking: {@code out[i] = in[i] ^ key[(offset + i) % 4]}. Masking and
 * unmasking are the same operation.
 *
 * <p>The key is the int as it appears on the wire (big-endian), so key byte 0 is its top byte.
 * Every payload byte a client sends and a server receives goes through here, so the work is done
 * eight bytes at a time with a 64-bit key; single bytes are handled only for the tail.
 */
public final class Masker {
    /** Native-order long view of byte[]: the JIT turns it into plain (unaligned) 64-bit loads and stores. */
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private Masker() {}

    /**
     * XORs the bytes of {@code buf} from position to limit in place; the position does not move.
     *
     * @param maskKey the masking key, big-endian as on the wire
     * @param offset  how many payload bytes of this frame came before {@code buf}'s position, so the
     *                key keeps rotating across chunks
     * @throws ReadOnlyBufferException if {@code buf} is read-only and not empty
     */
    public static void mask(ByteBuffer buf, int maskKey, long offset) {
        int pos = buf.position();
        int lim = buf.limit();
        if (pos == lim) {
            return;
        }
        if (buf.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int key = rotate(maskKey, offset);
        if (buf.hasArray()) {
            byte[] a = buf.array();
            int base = buf.arrayOffset();
            long k = wideKey(key, ByteOrder.nativeOrder());
            int from = base + pos;
            int end = base + lim;
            int j = from;
            for (int stop = end - 7; j < stop; j += 8) {
                LONGS.set(a, j, (long) LONGS.get(a, j) ^ k);
            }
            for (int t = 0; j < end; j++, t++) {
                a[j] ^= keyByte(key, t);
            }
            return;
        }
        // Absolute getLong/putLong honour the buffer's order, so adapt the key instead of the buffer:
        // the caller's order is never changed, not even temporarily.
        long k = wideKey(key, buf.order());
        int i = pos;
        for (int stop = lim - 7; i < stop; i += 8) {
            buf.putLong(i, buf.getLong(i) ^ k);
        }
        for (int t = 0; i < lim; i++, t++) {
            buf.put(i, (byte) (buf.get(i) ^ keyByte(key, t)));
        }
    }

    /**
     * Copies the remaining bytes of {@code src} into {@code dst}, masked; both positions advance by
     * {@code src.remaining()}. A client uses this to mask into its own output buffer, leaving the
     * application's buffer untouched. {@code src} and {@code dst} must not overlap (unless they are
     * the same bytes at the same position).
     *
     * @param maskKey the masking key, big-endian as on the wire
     * @param offset  how many payload bytes of this frame came before {@code src}'s position
     * @throws BufferOverflowException if {@code dst} has less room than {@code src} has bytes
     */
    public static void mask(ByteBuffer src, ByteBuffer dst, int maskKey, long offset) {
        int n = src.remaining();
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (dst.remaining() < n) {
            throw new BufferOverflowException();
        }
        int key = rotate(maskKey, offset);
        int sp = src.position();
        int dp = dst.position();
        int i = 0;
        if (src.hasArray() && dst.hasArray()) {
            byte[] s = src.array();
            byte[] d = dst.array();
            int so = src.arrayOffset() + sp;
            int dof = dst.arrayOffset() + dp;
            long k = wideKey(key, ByteOrder.nativeOrder());
            for (int stop = n - 7; i < stop; i += 8) {
                LONGS.set(d, dof + i, (long) LONGS.get(s, so + i) ^ k);
            }
            for (int t = 0; i < n; i++, t++) {
                d[dof + i] = (byte) (s[so + i] ^ keyByte(key, t));
            }
        } else {
            long k = wideKey(key, src.order());
            boolean swap = src.order() != dst.order();
            for (int stop = n - 7; i < stop; i += 8) {
                long v = src.getLong(sp + i) ^ k;
                dst.putLong(dp + i, swap ? Long.reverseBytes(v) : v);
            }
            for (int t = 0; i < n; i++, t++) {
                dst.put(dp + i, (byte) (src.get(sp + i) ^ keyByte(key, t)));
            }
        }
        src.position(sp + n);
        dst.position(dp + n);
    }

    /** The key as seen by the first byte of a chunk that starts {@code offset} bytes into the payload. */
    private static int rotate(int maskKey, long offset) {
        return Integer.rotateLeft(maskKey, ((int) offset & 3) << 3);
    }

    /** Two copies of the key, laid out so that a long load in {@code order} lines up with the bytes. */
    private static long wideKey(int key, ByteOrder order) {
        long be = ((long) key << 32) | (key & 0xFFFFFFFFL);
        return order == ByteOrder.BIG_ENDIAN ? be : Long.reverseBytes(be);
    }

    /** Key byte for the t-th byte after an 8-aligned run (runs are multiples of 4, so the phase is t). */
    private static byte keyByte(int key, int t) {
        return (byte) (key >>> (24 - ((t & 3) << 3)));
    }
}
