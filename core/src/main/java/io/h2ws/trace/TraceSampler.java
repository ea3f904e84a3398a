package io.h2ws.trace;

/**
 * Passes on the events of about one socket in {@code n}, whole: every event of a chosen socket
 * (its frames, its HTTP/1.1 lines or its HTTP/2 stream's frames, its open and close) and none of
 * the others'. The choice is a hash of the socket's connection id and HTTP/2 stream id, so it
 * needs no memory however many sockets come and go. HTTP/2 frames of the connection itself
 * (stream 0: SETTINGS, PING, GOAWAY, connection WINDOW_UPDATE) are always passed on.
 */
public final class TraceSampler implements TraceListener {

    private final int n;
    private final TraceListener next;

    private TraceSampler(int n, TraceListener next) {
        this.n = n;
        this.next = next;
    }

    /** {@code next} itself when {@code n} is 1; else a sampler of one socket in {@code n} in front of it. */
    public static TraceListener oneIn(int n, TraceListener next) {
        if (n < 1) {
            throw new IllegalArgumentException("sample 1 in n sockets, n >= 1: " + n);
        }
        return n == 1 ? next : new TraceSampler(n, next);
    }

    @Override
    public void onEvent(TraceEvent event) {
        if (chosen(event, n)) {
            next.onEvent(event);
        }
    }

    /** Whether {@code event} belongs to a socket chosen when sampling one in {@code n} (or to no socket). */
    public static boolean chosen(TraceEvent event, int n) {
        int stream;
        if (event instanceof TraceEvent.WsFrame f) {
            stream = f.stream();
        } else if (event instanceof TraceEvent.Socket s) {
            stream = s.stream();
        } else if (event instanceof TraceEvent.H2Frame f) {
            if (f.stream() == 0) {
                return true;
            }
            stream = f.stream();
        } else {
            stream = TraceEvent.ABSENT; // an HTTP/1.1 line: its connection is its socket
        }
        // an HTTP/1.1 socket is its connection; an HTTP/2 one is a stream of it
        int h = event.conn() == null ? 0 : event.conn().hashCode();
        if (stream > 0) {
            h = 31 * h + stream;
        }
        return Integer.remainderUnsigned(mix(h), n) == 0;
    }

    /** Spreads consecutive ids ("c1", "c2"; streams 1, 3, 5) over the whole int range (murmur3's finaliser). */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
