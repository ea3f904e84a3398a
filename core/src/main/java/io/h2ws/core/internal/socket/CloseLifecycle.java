package io.h2ws.core.internal.socket;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.socket.Carrier;

/**
 * A socket's lifecycle over its carrier: holds the {@link SocketState}, closes the carrier once
 * both halves ended (RFC 6455 section 7.1.1: after our Close is written and the peer's end of
 * stream came), aborts it otherwise, and runs the close timeout (section 7.1.1 lets an endpoint
 * give up waiting for the peer's Close).
 *
 * <p>Threads: the {@code ...Locked} methods run under the socket's lock; the carrier is closed or
 * aborted outside it.
 */
final class CloseLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(CloseLifecycle.class);

    /** What the lifecycle asks of its socket. */
    interface Host {
        /** Under the lock: the socket is leaving OPEN for good; stop the liveness check. */
        void stoppingLocked();

        /** The close timeout fired before the carrier was released. */
        void closeTimedOut(IOException cause);

        /** The carrier was released (once): give back what the socket held. */
        void carrierReleased();
    }

    private final Object lock;
    private final Carrier carrier;
    private final WriteQueue writes;
    private final WebSocketOptions options;
    private final SocketClock clock;
    private final Host host;
    private final CompletableFuture<Void> carrierDone = new CompletableFuture<>();
    // under lock
    private SocketState state = SocketState.OPEN;
    private SocketClock.Timer closeTimer;

    CloseLifecycle(Object lock, Carrier carrier, WriteQueue writes, WebSocketOptions options, SocketClock clock, Host host) {
        this.lock = lock;
        this.carrier = carrier;
        this.writes = writes;
        this.options = options;
        this.clock = clock;
        this.host = host;
    }

    SocketState stateLocked() {
        return state;
    }

    /** Completes once the carrier is released: after a clean close, an abort or a failure. */
    CompletableFuture<Void> carrierDone() {
        return carrierDone;
    }

    /** Under the lock: our Close was accepted into the write queue. */
    void closeQueuedLocked() {
        move(SocketState.Event.QUEUE_CLOSE);
    }

    /** Under the lock: the one place the state changes; a transition the table forbids is a runtime bug, logged and thrown. */
    private void move(SocketState.Event event) {
        try {
            state = state.next(event);
        } catch (IllegalStateException e) {
            LOG.error("h2ws: socket lifecycle bug", e);
            throw e;
        }
    }

    /**
     * Under the lock: one half ended ({@code OUTPUT_END} or {@code INPUT_END}).
     *
     * @return true when it was the second and the carrier must now be closed with {@link #closeCarrier()}
     */
    boolean halfEndedLocked(SocketState.Event half) {
        SocketState before = state;
        move(half);
        if (state != SocketState.RELEASED || before == SocketState.RELEASED) {
            return false;
        }
        releasedLocked();
        return true;
    }

    /** One half ended; closes the carrier when it was the second. */
    void halfEnded(SocketState.Event half) {
        boolean close;
        synchronized (lock) {
            close = halfEndedLocked(half);
        }
        if (close) {
            closeCarrier();
        }
    }

    /** Closes the carrier after both halves ended cleanly. */
    void closeCarrier() {
        carrier.close();
        if (carrierDone.complete(null)) {
            host.carrierReleased(); // a call, not a dependent stage: no objects per socket for it
        }
    }

    /** Aborts the carrier (RST_STREAM or a closed TCP connection) and fails what is queued; once. */
    void abort(Throwable cause) {
        synchronized (lock) {
            if (state == SocketState.RELEASED) {
                return;
            }
            writes.failAllLocked(cause);
            move(SocketState.Event.RELEASE);
            releasedLocked();
        }
        if (carrierDone.complete(null)) {
            host.carrierReleased(); // a call, not a dependent stage: no objects per socket for it
        }
        carrier.abort(cause);
    }

    private void releasedLocked() {
        writes.endLocked();
        if (closeTimer != null) {
            closeTimer.cancel();
            closeTimer = null;
        }
        host.stoppingLocked();
    }

    /** Starts the close timeout unless it runs already or the carrier is released. */
    void startCloseTimer() {
        long nanos = options.closeTimeout().toNanos();
        synchronized (lock) {
            if (closeTimer != null || state == SocketState.RELEASED) {
                return;
            }
            host.stoppingLocked();
            closeTimer = clock.schedule(this::closeTimedOut, Math.max(nanos, 1));
        }
    }

    private void closeTimedOut() {
        synchronized (lock) {
            if (state == SocketState.RELEASED) {
                return;
            }
        }
        host.closeTimedOut(new IOException("close handshake timed out after " + options.closeTimeout()));
    }
}
