package io.h2ws.trace;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The round trips of one socket's Pings, matched to their Pongs by payload, for
 * {@link SocketStats}: pure bookkeeping fed with the caller's clock, not thread-safe (the socket
 * calls it under its lock). A Pong answers the Ping with its payload and every older one (RFC
 * 6455 section 5.5.3 lets a peer answer only the most recent); at most 16 Pings wait for theirs.
 */
public final class PingRoundTrips {

    private static final int MAX_WAITING = 16;

    private record Sent(byte[] payload, long nanos) {}

    private ArrayDeque<Sent> waiting; // null until the first ping: nothing for sockets that never ping
    private long count;
    private long min;
    private long max;
    private long last;
    private long sum;

    /** An empty record: no Ping sent yet. */
    public PingRoundTrips() {
    }

    /** Our Ping with {@code payload} left at {@code nanos}. */
    public void sent(byte[] payload, long nanos) {
        if (waiting == null) {
            waiting = new ArrayDeque<>(4);
        }
        if (waiting.size() == MAX_WAITING) {
            waiting.removeFirst(); // never answered: forget the oldest
        }
        waiting.addLast(new Sent(payload, nanos));
    }

    /** A Pong with {@code payload} arrived at {@code nanos}; a round trip if it answers one of ours. */
    public void received(ByteBuffer payload, long nanos) {
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        int n = 0;
        for (Sent p : waiting) {
            n++;
            if (ByteBuffer.wrap(p.payload()).equals(payload)) {
                for (int i = 0; i < n; i++) {
                    waiting.removeFirst();
                }
                long rtt = nanos - p.nanos();
                min = count == 0 ? rtt : Math.min(min, rtt);
                max = Math.max(max, rtt);
                last = rtt;
                sum += rtt;
                count++;
                return;
            }
        }
    }

    /** {@code stats} with the round trips measured so far. */
    public SocketStats addTo(SocketStats stats) {
        return count == 0 ? stats : stats.withPings(count, min, max, last, sum);
    }
}
