package io.h2ws.trace;

import java.util.Map;

/**
 * One line of a trace (schema version {@link #SCHEMA_VERSION}, {@code spec-notes/trace.md}).
 * Every event has a monotonic time ({@link System#nanoTime()}) and the id of the connection it
 * happened on. Absent numeric fields are {@link #ABSENT}.
 */
public sealed interface TraceEvent {

    /** Version of the JSON-lines schema written by {@link JsonLinesTraceWriter}. */
    int SCHEMA_VERSION = 1;
    /** Marks a numeric field that does not apply or that Jetty does not expose. */
    int ABSENT = Integer.MIN_VALUE;

    /** {@link System#nanoTime()} when the event happened. */
    long nanos();

    /** The connection id ("c1"...): one TCP connection (HTTP/1.1) or one HTTP/2 session. */
    String conn();

    /**
     * A WebSocket frame (RFC 6455 framing) or message part (the HTTP/2 message mapping),
     * decoded ({@code outbound == false}) or encoded.
     */
    record WsFrame(long nanos, String conn, String socket, int stream, boolean outbound, int opcode, boolean fin,
                   int rsv, boolean masked, long length, long wire, int closeCode) implements TraceEvent {}

    /**
     * An HTTP/2 frame. {@code length} is the frame payload length where known (for HEADERS the
     * HPACK size is not exposed by Jetty: {@link #ABSENT}); {@code connWindow} and
     * {@code streamWindow} are our send windows after the frame; {@code info} summarises a
     * HEADERS frame's pseudo-headers (null otherwise).
     */
    record H2Frame(long nanos, String conn, boolean outbound, String type, int stream, int flags, int length,
                   Map<String, Integer> settings, int increment, int errorCode, int connWindow, int streamWindow,
                   String info)
            implements TraceEvent {
        public boolean endStream() {
            return (type.equals("DATA") || type.equals("HEADERS")) && (flags & 1) != 0;
        }
    }

    /** An HTTP/1.1 handshake line: the request line or the status line, as sent or received. */
    record Http1(long nanos, String conn, String socket, boolean outbound, String line) implements TraceEvent {}

    /** A socket opened ({@code what = "open"}) or closed ("closed", with the code received or 1006). */
    record Socket(long nanos, String conn, String socket, int stream, String what, String transport,
                  String mapping, String role, String path, int closeCode) implements TraceEvent {}
}
