package io.h2ws.internal.h1;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.NegotiatingServerConnection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for the opening handshake on a server connector, against slowloris: a connection
 * must finish its TLS/ALPN negotiation and its first HTTP/1.1 request head within the timeout,
 * and no later request head may stay incomplete for longer than that either.
 *
 * <p>Jetty's idle timeout does not do this: it restarts with every byte, so a client dripping one
 * byte a second keeps a connection (and its buffers) forever. This listener, added to a
 * connector, checks each new HTTP/1.1 or ALPN connection once per period on the shared timer
 * (one task per connection per period, nothing per byte) and closes it when
 * <ul>
 *   <li>it is still negotiating ALPN (so, still in the TLS handshake) after one period;</li>
 *   <li>it has not completed a single request head after one period (nothing sent, or dripping);</li>
 *   <li>it was inside the same, unfinished request head at two checks in a row (a later request
 *       dripped on a keep-alive connection: cut between one and two periods).</li>
 * </ul>
 * Once the connection is upgraded (WebSocket, h2c) it is no longer the end point's connection and
 * the checks stop. HTTP/2 connections have no handshake beyond this; their streams are bounded by
 * SETTINGS_MAX_CONCURRENT_STREAMS and Jetty's rate control.
 */
public final class HandshakeDeadline implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(HandshakeDeadline.class);

    private final long periodNanos;
    private final ScheduledExecutorService timer;
    /** The pending check of each watched connection, cancelled when it closes or upgrades, so a closed connection is not kept reachable by the timer queue. */
    private final java.util.Map<Connection, Check> checks = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param timeout the deadline (positive)
     * @param timer   runs the checks; each only reads state and may close an end point
     */
    public HandshakeDeadline(Duration timeout, ScheduledExecutorService timer) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive: " + timeout);
        }
        this.periodNanos = timeout.toNanos();
        this.timer = timer;
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection || connection instanceof NegotiatingServerConnection) {
            Check check = new Check(connection);
            checks.put(connection, check);
            check.schedule();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        // Jetty closes the HTTP/1.1 connection object when the end point is upgraded, too
        Check check = checks.remove(connection);
        if (check != null) {
            check.cancel();
        }
    }

    private final class Check implements Runnable {
        private final Connection connection;
        private long lastMessages = -1;
        private boolean lastInHead;
        private volatile java.util.concurrent.ScheduledFuture<?> pending;

        Check(Connection connection) {
            this.connection = connection;
        }

        void schedule() {
            pending = timer.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
        }

        void cancel() {
            java.util.concurrent.ScheduledFuture<?> p = pending;
            if (p != null) {
                p.cancel(false);
            }
        }

        @Override
        public void run() {
            EndPoint endPoint = connection.getEndPoint();
            if (!endPoint.isOpen() || endPoint.getConnection() != connection) {
                checks.remove(connection);
                return; // closed, or upgraded to a WebSocket / HTTP/2: not ours to watch any more
            }
            String why = null;
            if (connection instanceof HttpConnection http) {
                long messages = http.getMessagesIn();
                boolean inHead = inRequestHead(http.getParser());
                if (messages == 0) {
                    why = "no complete request head";
                } else if (inHead && lastInHead && messages == lastMessages) {
                    why = "a request head still incomplete";
                }
                lastMessages = messages;
                lastInHead = inHead;
            } else {
                why = "TLS/ALPN negotiation not finished";
            }
            if (why != null) {
                LOG.debug("closing {} from {}: {} within the handshake timeout of {} ms", connection,
                        endPoint.getRemoteSocketAddress(), why, TimeUnit.NANOSECONDS.toMillis(periodNanos));
                checks.remove(connection);
                endPoint.close(new java.util.concurrent.TimeoutException("handshake timeout: " + why));
                return;
            }
            schedule();
        }
    }

    private static boolean inRequestHead(HttpParser parser) {
        HttpParser.State s = parser.getState();
        return s != HttpParser.State.START && s.ordinal() <= HttpParser.State.HEADER.ordinal();
    }
}
