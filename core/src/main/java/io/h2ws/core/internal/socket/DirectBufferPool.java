package io.h2ws.core.internal.socket;

import java.nio.ByteBuffer;

/**
 * Pooled direct buffers a transport lends the write queue, so heap bytes are copied once into
 * memory the socket can write without the JDK's own copy. Why it matters: the JDK copies a heap
 * buffer written to a socket into a temporary direct buffer that it caches per thread for good;
 * with hundreds of pool threads that cache filled the direct-memory limit in the 10-minute soak
 * (spec-notes/soak.md).
 */
public interface DirectBufferPool {

    /** A buffer on loan: fill {@link #buffer()} from position 0, then give it back once written. */
    interface Lease {
        /** A direct buffer cleared for filling (position 0, limit at least the size asked for). */
        ByteBuffer buffer();

        /** Returns the buffer to the pool; call once, after the write that used it completed. */
        void release();
    }

    /** A direct buffer of at least {@code size} bytes. */
    Lease acquire(int size);
}
