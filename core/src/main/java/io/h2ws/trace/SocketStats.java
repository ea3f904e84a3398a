package io.h2ws.trace;

/**
 * One socket's traffic at the WebSocket layer, counted since it opened. "Wire" bytes are what
 * the frames take in their carrier (RFC 6455 header, mask key, payload; or the message mapping's
 * part header and payload); "payload" bytes are the frames' payloads as they travel (after
 * permessage-deflate, when negotiated). HTTP/2 and TLS framing below are not counted here; a
 * trace has those.
 */
public record SocketStats(long framesIn, long framesOut, long wireBytesIn, long wireBytesOut,
                          long payloadBytesIn, long payloadBytesOut) {

    /** Nothing counted. */
    public static final SocketStats EMPTY = new SocketStats(0, 0, 0, 0, 0, 0);

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

    /** One line for people: frames, bytes and overhead each way. */
    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "sent %d frames, %d wire bytes for %d payload bytes (overhead %.3f); "
                        + "received %d frames, %d wire bytes for %d payload bytes (overhead %.3f)",
                framesOut, wireBytesOut, payloadBytesOut, overheadOut(), framesIn, wireBytesIn, payloadBytesIn, overheadIn());
    }

    /** From a session's counters, in the order of {@code WebSocketSession.counters()}. */
    public static SocketStats fromCounters(long[] counters) {
        return of(counters);
    }
}
