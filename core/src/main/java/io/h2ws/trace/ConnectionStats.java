package io.h2ws.trace;

import java.util.Locale;

/**
 * One HTTP/2 connection's traffic, counted since it opened.
 *
 * @param id                 the connection's trace id ("c1"...), or null when it is not traced
 * @param remote             the peer's address as text
 * @param framesIn           HTTP/2 frames received (-1 when statistics were not requested)
 * @param framesOut          HTTP/2 frames sent, one per wire frame (-1 when not requested)
 * @param bytesIn            bytes received at the HTTP/2 layer (frames and the preface; below TLS is not counted)
 * @param bytesOut           bytes sent at the HTTP/2 layer
 * @param blockedNanos       time the connection send window was at 0 after a DATA frame emptied it (0 when not requested)
 * @param pings              HTTP/2 PINGs answered
 * @param pingRttMinNanos    smallest PING round trip (0 before any)
 * @param pingRttLastNanos   latest PING round trip (0 before any)
 */
public record ConnectionStats(String id, String remote, long framesIn, long framesOut, long bytesIn, long bytesOut,
                              long blockedNanos, long pings, long pingRttMinNanos, long pingRttLastNanos) {

    /** One line for people. */
    public String describe() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "HTTP/2 connection%s to %s: sent %d frames, %d bytes; received %d frames, %d bytes; flow-control blocked %.1f ms",
                id == null ? "" : " " + id, remote, framesOut, bytesOut, framesIn, bytesIn, blockedNanos / 1e6));
        if (pings > 0) {
            b.append(String.format(Locale.ROOT, "; PING rtt %d: min %.3f ms, last %.3f ms", pings, pingRttMinNanos / 1e6,
                    pingRttLastNanos / 1e6));
        }
        return b.toString();
    }
}
