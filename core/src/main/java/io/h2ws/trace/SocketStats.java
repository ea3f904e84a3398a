package io.h2ws.trace;

import java.util.Locale;

/**
 * One socket's traffic at the WebSocket layer, counted since it opened. "Wire" bytes are what
 * the frames take in their carrier (RFC 6455 header, mask key, payload; or the message mapping's
 * part header and payload); "payload" bytes are the frames' payloads as they travel (after
 * permessage-deflate, when negotiated). HTTP/2 and TLS framing below are not counted here; a
 * trace has those, and {@link ConnectionStats} counts the HTTP/2 connection.
 *
 * <p>Flow control (HTTP/2 only, and only when the connector or server was asked for statistics
 * or a trace; otherwise 0): {@code streamBlockedNanos} is the time this socket's stream send
 * window was at 0 after a DATA frame emptied it, until a WINDOW_UPDATE reopened it (or until now,
 * while still blocked); {@code connectionBlockedNanos} the same for the send window of the
 * connection that carries it, over the connection's life.
 *
 * <p>Ping round trips: from {@code sendPing} (or a keepalive ping) to the matching Pong being
 * delivered; {@code pingRoundTrips} is 0 before any, and the other ping fields are then 0.
 */
public record SocketStats(long framesIn, long framesOut, long wireBytesIn, long wireBytesOut,
                          long payloadBytesIn, long payloadBytesOut,
                          long streamBlockedNanos, long connectionBlockedNanos,
                          long pingRoundTrips, long pingRttMinNanos, long pingRttMaxNanos, long pingRttLastNanos,
                          long pingRttSumNanos) {

    /** Nothing counted. */
    public static final SocketStats EMPTY = new SocketStats(0, 0, 0, 0, 0, 0);

    /** Counters of the WebSocket layer only. */
    public SocketStats(long framesIn, long framesOut, long wireBytesIn, long wireBytesOut, long payloadBytesIn,
                       long payloadBytesOut) {
        this(framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut, 0, 0, 0, 0, 0, 0, 0);
    }

    static SocketStats of(long[] c) {
        return new SocketStats(c[0], c[1], c[2], c[3], c[4], c[5]);
    }

    /** Wire bytes per payload byte, both directions together; NaN before any payload. */
    public double overhead() {
        long payload = payloadBytesIn + payloadBytesOut;
        return payload == 0 ? Double.NaN : (double) (wireBytesIn + wireBytesOut) / payload;
    }

    /** Wire bytes per payload byte received; NaN before any payload. */
    public double overheadIn() {
        return payloadBytesIn == 0 ? Double.NaN : (double) wireBytesIn / payloadBytesIn;
    }

    /** Wire bytes per payload byte sent; NaN before any payload. */
    public double overheadOut() {
        return payloadBytesOut == 0 ? Double.NaN : (double) wireBytesOut / payloadBytesOut;
    }

    /** Mean ping round trip in nanoseconds; NaN before any. */
    public double pingRttMeanNanos() {
        return pingRoundTrips == 0 ? Double.NaN : (double) pingRttSumNanos / pingRoundTrips;
    }

    /** The same counters with flow-control blocked times. */
    public SocketStats withBlocked(long stream, long connection) {
        return new SocketStats(framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut, stream,
                connection, pingRoundTrips, pingRttMinNanos, pingRttMaxNanos, pingRttLastNanos, pingRttSumNanos);
    }

    /** The same counters with ping round trips. */
    public SocketStats withPings(long count, long min, long max, long last, long sum) {
        return new SocketStats(framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut,
                streamBlockedNanos, connectionBlockedNanos, count, min, max, last, sum);
    }

    /** One line for people: frames, bytes and overhead each way, then blocked time and ping round trips. */
    public String describe() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "sent %d frames, %d wire bytes for %d payload bytes (overhead %.3f); "
                        + "received %d frames, %d wire bytes for %d payload bytes (overhead %.3f)",
                framesOut, wireBytesOut, payloadBytesOut, overheadOut(), framesIn, wireBytesIn, payloadBytesIn, overheadIn()));
        b.append(String.format(Locale.ROOT, "; flow-control blocked: stream %.1f ms, connection %.1f ms",
                streamBlockedNanos / 1e6, connectionBlockedNanos / 1e6));
        if (pingRoundTrips > 0) {
            b.append(String.format(Locale.ROOT, "; ping rtt %d: min %.3f ms, mean %.3f ms, max %.3f ms",
                    pingRoundTrips, pingRttMinNanos / 1e6, pingRttMeanNanos() / 1e6, pingRttMaxNanos / 1e6));
        }
        return b.toString();
    }

    /** From a session's counters, in the order of {@code WebSocketSession.counters()}. */
    public static SocketStats fromCounters(long[] counters) {
        return of(counters);
    }
}
