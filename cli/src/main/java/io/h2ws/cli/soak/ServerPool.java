package io.h2ws.cli.soak;

import java.lang.reflect.Field;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Server;

import io.h2ws.H2wsServer;

/**
 * Reads the embedded server's Jetty {@link ArrayByteBufferPool}: memory it holds and buffers
 * taken out and not returned. {@link H2wsServer} does not expose its Jetty server, so this looks
 * at its private field; when that fails the figures are simply absent (-1).
 */
public final class ServerPool {

    /** Memory held by the pool, and buffers taken out of it (in use, or leaked once every socket is closed). */
    public record Snapshot(long heapBytes, long directBytes, long heapInUse, long directInUse) {
        static final Snapshot NONE = new Snapshot(-1, -1, -1, -1);

        public boolean known() {
            return heapBytes >= 0;
        }

        public long inUse() {
            return heapInUse + directInUse;
        }
    }

    private final ArrayByteBufferPool pool;

    private ServerPool(ArrayByteBufferPool pool) {
        this.pool = pool;
    }

    /** A probe of {@code server}'s pool, or one that knows nothing. */
    public static ServerPool of(H2wsServer server) {
        if (server == null) {
            return new ServerPool(null);
        }
        try {
            Field f = H2wsServer.class.getDeclaredField("server");
            f.setAccessible(true);
            ByteBufferPool p = ((Server) f.get(server)).getByteBufferPool();
            return new ServerPool(p instanceof ArrayByteBufferPool a ? a : null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new ServerPool(null);
        }
    }

    public Snapshot snapshot() {
        if (pool == null) {
            return Snapshot.NONE;
        }
        return new Snapshot(pool.getHeapMemory(), pool.getDirectMemory(),
                pool.getHeapByteBufferCount() - pool.getAvailableHeapByteBufferCount(),
                pool.getDirectByteBufferCount() - pool.getAvailableDirectByteBufferCount());
    }
}
