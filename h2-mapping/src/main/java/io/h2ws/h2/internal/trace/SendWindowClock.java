package io.h2ws.h2.internal.trace;

import org.eclipse.jetty.http2.api.Stream;

/**
 * Time a send window spent at 0: from the DATA frame that left it at 0 (or below, after a
 * SETTINGS shrink) to the WINDOW_UPDATE Jetty applied that made it positive again.
 */
final class SendWindowClock {

    /** The stream attribute that holds a stream's clock. */
    static final String ATTRIBUTE = "h2ws.flow";

    private long zeroSince; // nanoTime, 0 when open
    private long blocked;

    /** {@code stream}'s clock, made on first use: the flow-control hooks and the socket share it. */
    static SendWindowClock of(Stream stream) {
        Object o = stream.getAttribute(ATTRIBUTE);
        if (o instanceof SendWindowClock k) {
            return k;
        }
        synchronized (stream) {
            o = stream.getAttribute(ATTRIBUTE);
            if (o instanceof SendWindowClock k) {
                return k;
            }
            SendWindowClock k = new SendWindowClock();
            stream.setAttribute(ATTRIBUTE, k);
            return k;
        }
    }

    synchronized void after(int window, long now) {
        if (window <= 0) {
            if (zeroSince == 0) {
                zeroSince = now == 0 ? 1 : now;
            }
        } else if (zeroSince != 0) {
            blocked += now - zeroSince;
            zeroSince = 0;
        }
    }

    synchronized void end(long now) {
        if (zeroSince != 0) {
            blocked += now - zeroSince;
            zeroSince = 0;
        }
    }

    synchronized long nanos() {
        return zeroSince == 0 ? blocked : blocked + (System.nanoTime() - zeroSince);
    }
}
