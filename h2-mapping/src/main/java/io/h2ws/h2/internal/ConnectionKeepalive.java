package io.h2ws.h2.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.socket.Timers;

/**
 * Dead-peer detection for one HTTP/2 connection (client or server): while the connection carries
 * at least one stream, a PING (RFC 9113 section 6.7) goes out {@code interval} after the previous
 * one was answered; when its ACK is not back within {@code timeout}, the peer is taken for dead
 * and the connection is aborted, so that every socket on it ends with 1006.
 *
 * <p>At most one PING is outstanding and the next one waits a whole interval after the ACK, so a
 * peer sees at most one PING per interval: with the smallest interval allowed
 * ({@link #MIN_INTERVAL}) that is 50 per second, under half of the smallest budget Jetty's
 * {@code WindowRateControl} allows by default (128 events per second, shared with RST_STREAM,
 * SETTINGS and others).
 *
 * <p>A connection without streams is not pinged: each PING counts as activity for Jetty's idle
 * timeout, which would then never reclaim an unused connection. Timers run on the shared
 * {@link Timers} thread and only hand work to the connection's executor; {@link #stop} (called
 * when the session listener hears of the close) cancels the pending one, and a stopped keepalive
 * schedules nothing more. Should a close go unreported, the next tick finds the end point closed
 * and stops.
 */
final class ConnectionKeepalive {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionKeepalive.class);

    /** Smallest interval accepted: at most 50 PINGs per second per connection. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(20);

    private final Session session;
    private final Duration interval;
    private final Duration timeout;
    private final Executor executor;
    private final BooleanSupplier hasStreams;
    private final Consumer<IOException> onDead;
    private final String name;

    private final Object lock = new Object();
    // guarded by lock
    private ScheduledFuture<?> timer;
    private boolean awaiting;
    private long payload;
    private long sentNanos;
    private boolean stopped;
    private long acks;
    /** Set before the abort starts, so that no new stream is put on the connection meanwhile. */
    private volatile boolean dead;

    /**
     * @param session    the connection
     * @param interval   time from an ACK (or from {@link #start}) to the next PING
     * @param timeout    time a PING's ACK may take before the peer is taken for dead
     * @param executor   where the timer's work runs (the connection's executor), never the timer thread
     * @param hasStreams whether the connection carries a stream now; without one no PING is sent
     * @param onDead     called once when a PING went unanswered, after Jetty was told to abort (and
     *                   so, normally, after the session listener's {@code onFailure}): a backstop
     *                   that fails the connection's sockets itself; must be idempotent with it
     * @param name       the connection, for logs
     */
    ConnectionKeepalive(Session session, Duration interval, Duration timeout, Executor executor,
                        BooleanSupplier hasStreams, Consumer<IOException> onDead, String name) {
        this.session = session;
        this.interval = interval;
        this.timeout = timeout;
        this.executor = executor;
        this.hasStreams = hasStreams;
        this.onDead = onDead;
        this.name = name;
    }

    /**
     * Checks a keepalive setting: a null or zero interval turns it off; otherwise the interval is at
     * least {@link #MIN_INTERVAL} and the timeout positive.
     *
     * @return whether keepalive is on
     */
    static boolean check(Duration interval, Duration timeout) {
        if (interval == null || interval.isZero()) {
            return false;
        }
        if (interval.isNegative() || interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("keepalive interval must be zero (off) or at least "
                    + MIN_INTERVAL.toMillis() + " ms: " + interval);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("keepalive timeout must be positive: " + timeout);
        }
        return true;
    }

    /** Schedules the first PING one interval from now. Idempotent. */
    void start() {
        synchronized (lock) {
            if (stopped || timer != null || awaiting) {
                return;
            }
            schedule(this::tick, interval);
        }
        LOG.debug("h2ws: HTTP/2 keepalive on {}: PING every {} ms, ACK within {} ms", name, interval.toMillis(), timeout.toMillis());
    }

    /** Cancels the pending timer; nothing is scheduled afterwards. Idempotent. */
    void stop() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            awaiting = false;
            cancelTimer();
        }
        LOG.debug("h2ws: HTTP/2 keepalive on {} stopped", name);
    }

    /** True until {@link #stop} or a detected dead peer, for tests. */
    boolean isRunning() {
        synchronized (lock) {
            return !stopped;
        }
    }

    /** Whether a PING went unanswered: the connection is being aborted and takes no new stream. */
    boolean isDead() {
        return dead;
    }

    /** PING ACKs received so far, for tests and logs. */
    long acks() {
        synchronized (lock) {
            return acks;
        }
    }

    /**
     * Offers a received PING frame.
     *
     * @return true when it was the ACK of this keepalive's PING (the caller ignores it then)
     */
    boolean onPing(PingFrame frame) {
        if (!frame.isReply()) {
            return false;
        }
        long rtt;
        synchronized (lock) {
            if (!awaiting || frame.getPayloadAsLong() != payload) {
                return false;
            }
            awaiting = false;
            acks++;
            rtt = System.nanoTime() - sentNanos;
            cancelTimer();
            if (!stopped) {
                schedule(this::tick, interval);
            }
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("h2ws: keepalive PING ACK on {} after {} us", name, rtt / 1000);
        }
        return true;
    }

    private void tick() {
        if (session instanceof HTTP2Session h && h.isDisconnected()) {
            stop(); // backstop: the close was not reported to us
            return;
        }
        boolean streams = hasStreams.getAsBoolean();
        long p;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            timer = null;
            if (!streams) {
                schedule(this::tick, interval); // look again later; the idle timeout has this one
                return;
            }
            p = ThreadLocalRandom.current().nextLong();
            payload = p;
            awaiting = true;
            sentNanos = System.nanoTime();
            schedule(() -> expired(p), timeout);
        }
        // the timeout counts from here, whether or not the write gets through: a PING stuck
        // behind a full TCP send buffer is as unanswered as a lost one
        session.ping(new PingFrame(p, false), Callback.from(() -> { }, x ->
                LOG.debug("h2ws: keepalive PING on {} not written: {}", name, x.toString())));
    }

    private void expired(long p) {
        synchronized (lock) {
            if (stopped || !awaiting || payload != p) {
                return; // answered (or stopped) meanwhile
            }
            stopped = true;
            awaiting = false;
            timer = null;
            dead = true;
        }
        IOException cause = new IOException("HTTP/2 PING not answered within " + timeout.toMillis()
                + " ms: peer taken for dead");
        LOG.info("h2ws: no PING ACK on {} within {} ms: closing the connection and its {} stream(s)", name,
                timeout.toMillis(), session.getStreams().size());
        abort(session, cause);
        onDead.accept(cause);
    }

    /**
     * Aborts a connection whose peer is taken for dead, without a GOAWAY (nobody would read it):
     * Jetty fails every stream and every queued write with {@code cause}, tells the session
     * listener ({@code onFailure}, then {@code onClose}) and closes the end point.
     */
    static void abort(Session session, IOException cause) {
        if (session instanceof HTTP2Session h) {
            // Jetty's path for a connection that cannot be written any more: fail, terminate, close
            h.onWriteFailure(cause);
            // when the session was already closing, the call above does nothing: close the socket anyway
            h.disconnect();
        } else {
            session.close(org.eclipse.jetty.http2.ErrorCode.CANCEL_STREAM_ERROR.code, "ping_timeout", Callback.NOOP);
        }
    }

    // lock held
    private void schedule(Runnable task, Duration delay) {
        timer = Timers.shared().schedule(() -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                LOG.debug("h2ws: keepalive on {} stopped: executor refused ({})", name, e.toString());
                stop();
            }
        }, Math.max(1, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    // lock held
    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
    }

    @Override
    public String toString() {
        return "ConnectionKeepalive[" + name + " every " + interval.toMillis() + " ms, ACK within " + timeout.toMillis() + " ms]";
    }
}
