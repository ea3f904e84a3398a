package io.h2ws.h2.internal;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

import io.h2ws.core.internal.socket.DirectBufferPool;

/**
 * Lends the core's write queue direct buffers from a Jetty {@link ByteBufferPool}: the one
 * heap-to-direct copy of both transports ({@link io.h2ws.core.internal.socket.OutputGather}) fills them.
 */
public final class JettyDirectPool implements DirectBufferPool {

    private final ByteBufferPool pool;

    /** @param pool the connection's pool (Jetty's default keeps buffers up to 64 KiB) */
    public JettyDirectPool(ByteBufferPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    @Override
    public Lease acquire(int size) {
        RetainableByteBuffer rb = pool.acquire(size, true);
        ByteBuffer b = rb.getByteBuffer();
        b.clear();
        return new Lease() {
            @Override
            public ByteBuffer buffer() {
                return b;
            }

            @Override
            public void release() {
                rb.release();
            }
        };
    }
}
