package io.h2ws.core.internal.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where outgoing bytes are gathered and copied, for every transport: the slices
 * of one carrier write (at most {@link #MAX_WRITE} bytes) become the buffers the carrier writes
 * as they are. With a {@link DirectBufferPool}, heap bytes are copied once into pooled direct
 * buffers, neighbours sharing one, so a frame header and its payload leave together and the JDK
 * makes no copy of its own. Without one, runs of small heap buffers are joined so a write of a
 * thousand 16-byte messages is one buffer rather than a thousand.
 *
 * <p>Every byte is accounted for: a gather that comes out with a different byte count than went
 * in fails with an {@link IOException} instead of letting a write report bytes it never carried.
 * That happened (spec-notes/soak.md, "The lost message"): C2 bug JDK-8376400 dropped a buffer
 * in the previous gatherer. Sizes here are read as {@code limit() - position()} for that reason.
 */
public final class OutputGather {

    /** Most bytes in one carrier write: a larger message goes out in several writes. */
    public static final int MAX_WRITE = 64 * 1024;
    /** Without a pool, heap buffers below this size are joined with their small neighbours. */
    static final int JOIN_BELOW = 1024;

    /**
     * The buffers to write and the pooled buffers to give back once written. One per write queue,
     * reused by each of its writes (a queue runs one write at a time): the common write, one pooled
     * copy, allocates nothing here.
     */
    public static final class Gathered {
        private final ByteBuffer[] one = new ByteBuffer[1];
        private ByteBuffer[] buffers;
        private DirectBufferPool.Lease lease; // the common case: one pooled copy
        private List<DirectBufferPool.Lease> leases; // otherwise, or null
        private long bytes;

        /** The buffers the carrier writes, in order. */
        public ByteBuffer[] buffers() {
            return buffers;
        }

        /** Bytes in {@link #buffers()}, as counted going in. */
        public long bytes() {
            return bytes;
        }

        /** Returns the pooled copies; call after the write completed, successfully or not. */
        public void release() {
            DirectBufferPool.Lease l = lease;
            List<DirectBufferPool.Lease> ls = leases;
            lease = null;
            leases = null;
            one[0] = null;
            buffers = null;
            if (l != null) {
                l.release();
            }
            if (ls != null) {
                for (DirectBufferPool.Lease x : ls) {
                    x.release();
                }
            }
        }

        private Gathered set(ByteBuffer[] buffers, DirectBufferPool.Lease lease, List<DirectBufferPool.Lease> leases,
                             long bytes) {
            this.buffers = buffers;
            this.lease = lease;
            this.leases = leases;
            this.bytes = bytes;
            return this;
        }
    }

    private OutputGather() {
    }

    /**
     * Gathers {@code slices} (consumed: their positions move to their limits).
     *
     * @param pool where heap bytes are copied to, or null to write heap buffers as they are
     * @throws IOException if the bytes out do not match the bytes in (a bug, never a peer's doing)
     */
    public static Gathered gather(List<ByteBuffer> slices, DirectBufferPool pool) throws IOException {
        return gather(slices, pool, new Gathered());
    }

    /** As {@link #gather(List, DirectBufferPool)}, into {@code into} (released or never used). */
    public static Gathered gather(List<ByteBuffer> slices, DirectBufferPool pool, Gathered into) throws IOException {
        long in = 0;
        boolean allHeap = true;
        for (int i = 0, n = slices.size(); i < n; i++) { // indexed: no iterator per write
            ByteBuffer b = slices.get(i);
            in += b.limit() - b.position();
            allHeap &= !b.isDirect();
        }
        Gathered g = pool == null ? joinSmall(slices, in, into)
                : allHeap && in > 0 && in <= MAX_WRITE ? copyAllHeap(slices, pool, in, into)
                : copyToDirect(slices, pool, in, into);
        long out = 0;
        for (ByteBuffer b : g.buffers()) {
            out += b.limit() - b.position();
        }
        if (out != in) {
            g.release();
            throw new IOException("internal error: gathered " + out + " of " + in
                    + " bytes (spec-notes/soak.md, \"The lost message\")");
        }
        return g;
    }

    /** The common case, heap buffers only: one pooled copy, no lists. */
    private static Gathered copyAllHeap(List<ByteBuffer> slices, DirectBufferPool pool, long total, Gathered into) {
        DirectBufferPool.Lease lease = pool.acquire((int) total);
        ByteBuffer target = lease.buffer();
        target.limit(target.position() + (int) total);
        for (int i = 0, n = slices.size(); i < n; i++) {
            target.put(slices.get(i));
        }
        into.one[0] = target.flip();
        return into.set(into.one, lease, null, total);
    }

    private static Gathered copyToDirect(List<ByteBuffer> slices, DirectBufferPool pool, long total, Gathered into) {
        List<ByteBuffer> out = new ArrayList<>(2);
        List<DirectBufferPool.Lease> leases = new ArrayList<>(1);
        ByteBuffer target = null;
        int i = 0;
        int n = slices.size();
        while (i < n) {
            ByteBuffer b = slices.get(i++);
            int len = b.limit() - b.position();
            if (len <= 0) {
                continue;
            }
            if (b.isDirect()) {
                if (target != null) {
                    out.add(target.flip());
                    target = null; // keep the order: heap bytes after it start a new copy
                }
                out.add(b);
                continue;
            }
            if (target == null) {
                int run = len;
                for (int j = i; j < n && !slices.get(j).isDirect(); j++) {
                    run += slices.get(j).limit() - slices.get(j).position();
                }
                DirectBufferPool.Lease lease = pool.acquire(run);
                leases.add(lease);
                target = lease.buffer();
                target.limit(target.position() + run);
            }
            target.put(b);
        }
        if (target != null) {
            out.add(target.flip());
        }
        return into.set(out.toArray(new ByteBuffer[0]), null, leases, total);
    }

    private static Gathered joinSmall(List<ByteBuffer> slices, long total, Gathered into) {
        int n = slices.size();
        if (n <= 2) {
            return into.set(slices.toArray(new ByteBuffer[0]), null, null, total);
        }
        List<ByteBuffer> out = new ArrayList<>();
        int i = 0;
        while (i < n) {
            ByteBuffer b = slices.get(i);
            if (b.limit() - b.position() >= JOIN_BELOW || b.isDirect()) {
                out.add(b);
                i++;
                continue;
            }
            int j = i;
            int bytes = 0;
            while (j < n && !slices.get(j).isDirect() && slices.get(j).limit() - slices.get(j).position() < JOIN_BELOW) {
                bytes += slices.get(j).limit() - slices.get(j).position();
                j++;
            }
            if (j - i == 1) {
                out.add(b);
            } else {
                ByteBuffer joined = ByteBuffer.allocate(bytes);
                for (int k = i; k < j; k++) {
                    joined.put(slices.get(k));
                }
                out.add(joined.flip());
            }
            i = j;
        }
        return into.set(out.toArray(new ByteBuffer[0]), null, null, total);
    }
}
