package io.h2ws.cli.measure;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the measuring core drives: something that opens WebSockets to an echo endpoint. h2ws
 * over each transport implements it, and so do the competitors in the benchmarks module (Jetty,
 * Netty, the JDK client, raw TCP), so {@code compare} and the JMH suite measure the same way.
 */
public interface LoadClient extends AutoCloseable {

    /** A short name for tables, e.g. "h2ws-h2". */
    String name();

    /**
     * Opens one socket; {@code onMessage} receives each whole echoed message (its buffer is
     * the callee's to keep), on a transport thread.
     */
    CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage);

    /** Releases connections and threads. */
    @Override
    void close();

    /** One open socket. */
    interface LoadSocket {
        /** Sends one binary message; the future completes when the transport took it. */
        CompletableFuture<?> send(ByteBuffer message);

        /** Closes the socket (normal closure) without waiting. */
        void close();
    }
}
