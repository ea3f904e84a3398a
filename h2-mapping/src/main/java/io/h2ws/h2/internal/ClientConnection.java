package io.h2ws.h2.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.h2.internal.trace.H2Tracer;
import io.h2ws.trace.ConnectionStats;
import io.h2ws.client.ExtendedConnectNotSupportedException;

/**
 * One HTTP/2 connection of the client's pool, and its session listener. State and counters are
 * guarded by the {@link Origin}'s monitor.
 */
final class ClientConnection implements Session.Listener {

    // the connector's logger, so that logging set up for H2Connector still covers its connections
    private static final Logger LOG = LoggerFactory.getLogger(H2Connector.class);

    enum State { CONNECTING, READY, CLOSED }

    final Origin origin;
    final ConnectionSockets sockets = new ConnectionSockets();
    volatile Session session;
    State state = State.CONNECTING;
    boolean goingAway;
    int maxStreams = Integer.MAX_VALUE;
    int active;
    // PINGs sent by ping(), by payload (the nanoTime of the send); round trips measured
    private final Map<Long, CompletableFuture<Duration>> pings = new ConcurrentHashMap<>();
    private long pingCount, pingMin, pingLast; // under this

    ClientConnection(Origin origin) {
        this.origin = origin;
    }

    /** A PING of the keepalive went unanswered: the connection is being aborted. */
    boolean isDead() {
        return sockets.isDead();
    }

    /** Jetty has not yet reported this connection closed or failed. */
    boolean isOpen() {
        synchronized (origin) {
            return state != State.CLOSED;
        }
    }

    private boolean hasStreams() {
        synchronized (origin) {
            return active > 0 || !sockets.isEmpty();
        }
    }

    void stopKeepalive() {
        sockets.stopKeepalive();
    }

    /** Sends a PING and completes with its round trip. */
    CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> f = new CompletableFuture<>();
        long sent = System.nanoTime();
        pings.put(sent, f);
        session.ping(new PingFrame(sent, false), Callback.from(() -> { }, x -> {
            pings.remove(sent);
            f.completeExceptionally(x);
        }));
        return f;
    }

    @Override
    public void onPing(Session session, PingFrame frame) {
        if (!frame.isReply()) {
            return;
        }
        if (sockets.onPing(frame)) {
            return;
        }
        long now = System.nanoTime();
        CompletableFuture<Duration> f = pings.remove(frame.getPayloadAsLong());
        if (f == null) {
            return; // not one of ours
        }
        long rtt = now - frame.getPayloadAsLong();
        synchronized (this) {
            pingMin = pingCount == 0 ? rtt : Math.min(pingMin, rtt);
            pingLast = rtt;
            pingCount++;
        }
        f.complete(Duration.ofNanos(rtt));
    }

    ConnectionStats stats(Session session) {
        H2Tracer tracer = origin.pool.tracer;
        ConnectionStats s;
        if (tracer != null) {
            s = tracer.connectionStats(session);
        } else {
            long[] bytes = H2Tracer.bytes(session);
            s = new ConnectionStats(null, H2Tracer.remote(session), -1, -1, bytes[0], bytes[1], 0, 0, 0, 0);
        }
        synchronized (this) {
            return new ConnectionStats(s.id(), s.remote(), s.framesIn(), s.framesOut(), s.bytesIn(),
                    s.bytesOut(), s.blockedNanos(), pingCount, pingMin, pingLast);
        }
    }

    @Override
    public void onSettings(Session session, SettingsFrame frame) {
        if (frame.isReply()) {
            return;
        }
        this.session = session;
        Map<Integer, Integer> settings = frame.getSettings();
        Integer max = settings.get(SettingsFrame.MAX_CONCURRENT_STREAMS);
        boolean first;
        synchronized (origin) {
            if (max != null) {
                maxStreams = max;
            }
            first = state == State.CONNECTING;
        }
        if (!first) {
            origin.dispatch(); // the limit may have grown
            return;
        }
        Integer connect = settings.get(SettingsFrame.ENABLE_CONNECT_PROTOCOL);
        if (connect == null || connect != 1) {
            // RFC 8441 section 3: without the setting the client MUST NOT send :protocol.
            LOG.debug("h2ws: {} does not allow extended CONNECT (SETTINGS {})", origin.key, settings);
            String detail = "SETTINGS_ENABLE_CONNECT_PROTOCOL is " + (connect == null ? "absent" : connect);
            origin.connectionFailed(this, uri -> new ExtendedConnectNotSupportedException(uri, detail));
            session.close(ErrorCode.NO_ERROR.code, "no extended CONNECT", Callback.NOOP);
            return;
        }
        H2ConnectionPool pool = origin.pool;
        sockets.startKeepalive(session, pool.keepaliveInterval, pool.keepaliveTimeout, pool.client.getExecutor(),
                this::hasStreams, this::closed, origin.key + " " + session.getLocalSocketAddress());
        origin.ready(this);
    }

    @Override
    public void onGoAway(Session session, GoAwayFrame frame) {
        synchronized (origin) {
            goingAway = true;
        }
        LOG.debug("h2ws: GOAWAY from {}: {}", origin.key, frame);
        origin.dispatch();
    }

    @Override
    public boolean onIdleTimeout(Session session) {
        synchronized (origin) {
            // Open WebSockets keep the connection; each has its own idle timeout.
            return active == 0;
        }
    }

    @Override
    public void onClose(Session session, GoAwayFrame frame, Callback callback) {
        closed(ConnectionSockets.closed("HTTP/2 connection to " + origin.key, frame));
        callback.succeeded();
    }

    @Override
    public void onFailure(Session session, Throwable failure, Callback callback) {
        Throwable cause = ConnectionSockets.failed("HTTP/2 connection to " + origin.key, failure);
        // before the first SETTINGS (the only waiters it fails are then those of a new connection)
        closed(cause, H2ConnectFailures.beforeSettings(session, failure, asIs(cause)));
        callback.succeeded();
    }

    private void closed(Throwable cause) {
        closed(cause, asIs(cause));
    }

    private static java.util.function.Function<java.net.URI, IOException> asIs(Throwable cause) {
        return uri -> new IOException(uri + ": " + cause.getMessage(), cause);
    }

    private void closed(Throwable cause, java.util.function.Function<java.net.URI, IOException> waiterFailure) {
        LOG.debug("h2ws: connection to {} ended: {}", origin.key, cause.getMessage());
        stopKeepalive();
        origin.connectionFailed(this, waiterFailure);
        sockets.failAll(cause);
    }
}
