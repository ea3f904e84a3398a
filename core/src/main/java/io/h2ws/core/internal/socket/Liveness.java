package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.WebSocketSession;
import java.nio.ByteBuffer;

import io.h2ws.socket.WebSocketOptions;

/**
 * A socket's liveness: the idle timeout (no frame either way for a while: close with 1001), the
 * keepalive Ping (sent when due; no answer within the pong timeout while reading: the peer is
 * gone) and the round trips of our Pings ({@link io.h2ws.trace.PingRoundTrips}), for {@code stats()}. One check on the socket's clock
 * reschedules itself for the nearest deadline; traffic never touches the timer, it only updates
 * two timestamps.
 *
 * <p>Threads: the {@code ...Locked} methods and the check's decision run under the socket's lock;
 * the actions (a Ping to flush, a Close, an abort) run outside it.
 */
final class Liveness {

    /** What liveness asks of its socket. */
    interface Host {
        /** Under the lock: true while the socket is open and nobody is closing it. */
        boolean activeLocked();

        /** True while a read is outstanding (a Pong could arrive). */
        boolean reading();

        /** Under the lock: queues a Ping the keepalive encoded. */
        void queueLocked(WebSocketSession.Output ping);

        /** Outside the lock: writes what was queued. */
        void flush();

        /** No frame either way for the idle timeout. */
        void idleExpired();

        /** Our Ping went unanswered for the pong timeout while reading. */
        void peerSilent();
    }

    private final Object lock;
    private final WebSocketSession session;
    private final WebSocketOptions options;
    private final SocketClock clock;
    private final Host host;

    private volatile long lastActivity; // last frame either way, keepalive pings and pongs aside
    private volatile long lastReceived; // last bytes from the peer
    // under lock
    private long seenActivity;          // session.activity() at the last chunk
    private long lastPingAt;
    private long pingSentAt;            // 0 when no keepalive ping is outstanding
    private long keepalivePings;
    private SocketClock.Timer timer;
    private final io.h2ws.trace.PingRoundTrips roundTrips = new io.h2ws.trace.PingRoundTrips();

    Liveness(Object lock, WebSocketSession session, WebSocketOptions options, SocketClock clock, Host host) {
        this.lock = lock;
        this.session = session;
        this.options = options;
        this.clock = clock;
        this.host = host;
    }

    /** Starts the check if the options ask for an idle timeout or a keepalive. */
    void start() {
        long now = clock.nanoTime();
        lastActivity = now;
        lastReceived = now;
        long idle = options.idleTimeout().toNanos();
        long interval = options.pingInterval().toNanos();
        if (idle <= 0 && interval <= 0) {
            return;
        }
        synchronized (lock) {
            lastPingAt = now;
            long first = Math.min(idle > 0 ? idle : Long.MAX_VALUE, interval > 0 ? interval : Long.MAX_VALUE);
            timer = clock.schedule(this::check, first);
        }
    }

    /** Under the lock: no more checks (the socket is closing or closed). */
    void stopLocked() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** The application sent something: the socket is not idle. */
    void noteSent() {
        lastActivity = clock.nanoTime();
    }

    /** Under the lock, after a chunk was decoded. */
    void noteReceivedLocked() {
        long now = clock.nanoTime();
        lastReceived = now;
        long a = session.activity();
        if (a != seenActivity) {
            seenActivity = a;
            lastActivity = now;
        }
    }

    private void check() {
        long now = clock.nanoTime();
        long idle = options.idleTimeout().toNanos();
        long interval = options.pingInterval().toNanos();
        long pongTimeout = options.pongTimeout().toNanos();
        boolean idleExpired = false;
        boolean dead = false;
        boolean pinged = false;
        synchronized (lock) {
            timer = null;
            if (!host.activeLocked()) {
                return; // closing or closed: the close timeout governs from here
            }
            long next = Long.MAX_VALUE;
            if (idle > 0) {
                long deadline = lastActivity + idle;
                if (now - deadline >= 0) {
                    idleExpired = true;
                } else {
                    next = deadline - now;
                }
            }
            if (!idleExpired && interval > 0) {
                if (pingSentAt != 0 && lastReceived - pingSentAt > 0) {
                    pingSentAt = 0; // the peer sent something after our ping: alive
                }
                if (pingSentAt != 0) {
                    long deadline = pingSentAt + pongTimeout;
                    if (now - deadline < 0) {
                        next = Math.min(next, deadline - now);
                    } else if (host.reading()) {
                        dead = true; // we are reading, and nothing came: the peer (or the path) is gone
                    } else {
                        pingSentAt = 0; // not reading (the listener stopped requesting): a Pong could not be seen
                    }
                }
                if (!dead && pingSentAt == 0) {
                    long due = lastPingAt + interval;
                    if (now - due >= 0 && session.state().canSend()) {
                        byte[] id = ByteBuffer.allocate(8).putLong(++keepalivePings).array();
                        roundTrips.sent(id, now);
                        host.queueLocked(session.ping(ByteBuffer.wrap(id)));
                        pinged = true;
                        lastPingAt = now;
                        pingSentAt = now;
                        next = Math.min(next, Math.min(interval, pongTimeout));
                    } else {
                        next = Math.min(next, Math.max(due - now, 1));
                    }
                }
            }
            if (!idleExpired && !dead && next != Long.MAX_VALUE) {
                timer = clock.schedule(this::check, next);
            }
        }
        if (pinged) {
            host.flush();
        }
        if (idleExpired) {
            host.idleExpired();
        } else if (dead) {
            host.peerSilent();
        }
    }

    /** An application Ping: its Pong gives a round trip. */
    void notePing(ByteBuffer payload) {
        long now = clock.nanoTime();
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        synchronized (lock) {
            roundTrips.sent(b, now);
        }
    }

    /** A Pong answering one of our pings gives a round trip. */
    void matchPong(ByteBuffer data) {
        long now = clock.nanoTime();
        synchronized (lock) {
            roundTrips.received(data, now);
        }
    }

    /** Under the lock: adds the round trips measured so far to {@code s}. */
    io.h2ws.trace.SocketStats withPingsLocked(io.h2ws.trace.SocketStats s) {
        return roundTrips.addTo(s);
    }
}
