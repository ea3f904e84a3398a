package io.h2ws.trace;

/**
 * Receives the events of a trace: WebSocket frames, HTTP/2 frames, HTTP/1.1 handshake lines and
 * socket open/close, as one endpoint sees them. Set one with {@code H2wsServer.Builder.trace} or
 * {@code H2wsClient.create(sslContext, trace)}; {@link JsonLinesTraceWriter} writes the schema of
 * {@code spec-notes/trace.md}.
 *
 * <p>Called on the I/O threads, concurrently for different connections and sometimes with
 * library locks held: implementations must be thread-safe, quick, and must not call back into
 * sockets or sessions. An exception thrown here is swallowed.
 */
@FunctionalInterface
public interface TraceListener {
    void onEvent(TraceEvent event);

    /** Calls {@code listener}, swallowing what it throws: a trace must never break a connection. */
    static void safely(TraceListener listener, TraceEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException ignored) {
            // the trace is an observer only
        }
    }
}
