package io.h2ws.h2.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.core.internal.server.ServerHandshake;

/**
 * Jetty connection factory for WebSocket over HTTP/2 (RFC 8441) on Jetty's low-level
 * {@code Session}/{@code Stream} API, registered for both "h2" and "h2c":
 * <ul>
 *   <li>behind {@code SslConnectionFactory} and {@code ALPNServerConnectionFactory("h2", ...)} on
 *       a TLS connector;</li>
 *   <li>next to {@code HttpConnectionFactory} on one cleartext connector: a client that starts
 *       with the HTTP/2 preface ({@code PRI * HTTP/2.0}, prior knowledge) is handed over through
 *       {@link ConnectionFactory.Upgrading}, which Jetty's raw factory lacks.</li>
 * </ul>
 *
 * <p>Each connection advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and
 * SETTINGS_MAX_CONCURRENT_STREAMS (RFC 8441 section 3), and SETTINGS_MAX_FRAME_SIZE and
 * SETTINGS_INITIAL_WINDOW_SIZE when they differ from the HTTP/2 defaults ({@link H2FrameSettings}
 * for the trade-off). An extended CONNECT with
 * {@code :protocol = websocket} becomes a server socket after {@link ServerHandshake#decide};
 * every other request goes to the {@link NonWebSocketHandler}. See
 * {@code spec-notes/rfc8441-mapping.md} for the statuses and the reasons behind them.
 *
 * <p>On every path, each connection starts behind a {@link ClientPrefaceConnection} until the
 * client's preface and first SETTINGS are whole: Jetty 12.1's parser loses that frame when it is
 * split across reads ({@code spec-notes/jetty-first-settings-split.md}).
 *
 * <p>With {@link #setKeepalive} each connection that carries a stream is checked with HTTP/2
 * PINGs, and one whose PING goes unanswered is closed with all its sockets (1006).
 */
public class H2ServerConnectionFactory extends RawHTTP2ServerConnectionFactory implements ConnectionFactory.Upgrading {

    private static final Logger LOG = LoggerFactory.getLogger(H2ServerConnectionFactory.class);

    /** Default SETTINGS_MAX_CONCURRENT_STREAMS: one WebSocket per stream, so far above Jetty's 128. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 1024;
    /** Default per-stream receive window: what one stalled socket may leave buffered here. */
    public static final int DEFAULT_STREAM_RECV_WINDOW = 256 * 1024;
    /** Smallest keepalive interval ({@link #setKeepalive}): at most 50 PINGs a second per connection. */
    public static final Duration MIN_KEEPALIVE_INTERVAL = ConnectionKeepalive.MIN_INTERVAL;

    /** The session listener being created on this thread, for the rate control Jetty creates next. */
    private static final ThreadLocal<SessionListener> CREATING = new ThreadLocal<>();

    private final Endpoints endpoints;
    private final OpenSockets openSockets;
    private volatile NonWebSocketHandler nonWebSocketHandler = NonWebSocketHandler.NOT_FOUND;
    private boolean sessionWindowSet;
    private boolean rateControlSet;
    private volatile io.h2ws.h2.internal.trace.H2Tracer tracer;
    private volatile Duration keepaliveInterval; // null: off
    private volatile Duration keepaliveTimeout;

    /**
     * @param config      Jetty's HTTP configuration (header sizes, output buffer size)
     * @param endpoints   the WebSocket endpoints, shared with the HTTP/1.1 transport
     * @param openSockets where accepted sockets are tracked so that stopping the server closes them
     */
    public H2ServerConnectionFactory(HttpConfiguration config, Endpoints endpoints, OpenSockets openSockets) {
        super(config, new ServerSessionListener() {}, "h2", "h2c");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.openSockets = Objects.requireNonNull(openSockets, "openSockets");
        setConnectProtocolEnabled(true);
        addEventListener(DirectOutputFix.INSTANCE); // Jetty's HTTP/2 output would aggregate into heap buffers
        super.setMaxConcurrentStreams(DEFAULT_MAX_CONCURRENT_STREAMS);
        super.setInitialStreamRecvWindow(DEFAULT_STREAM_RECV_WINDOW);
        deriveLimits();
    }

    /** Where requests other than an extended CONNECT go; the default answers 404. */
    public void setNonWebSocketHandler(NonWebSocketHandler handler) {
        this.nonWebSocketHandler = Objects.requireNonNull(handler, "handler");
    }

    /** Traces every HTTP/2 frame and socket of this factory's connections ({@code spec-notes/trace.md}); before start. */
    public void setTrace(io.h2ws.trace.TraceListener trace) {
        this.tracer = trace == null ? null : io.h2ws.h2.internal.trace.H2Tracer.install(this, trace);
    }

    /**
     * HTTP/2 PING keepalive per connection: while a connection carries at least one stream, a PING
     * goes out {@code interval} after the previous one was answered; if its ACK is not back within
     * {@code timeout}, the client is taken for dead, the connection is closed (no GOAWAY) and every
     * socket on it ends with {@code onClose(1006, "HTTP/2 PING not answered ...")}.
     *
     * <p>Off by default (null or zero interval): see {@code H2wsServer.Builder.h2Keepalive} for why.
     * The interval must be at least 20 ms (at most 50 PINGs a second). Applies to connections
     * accepted afterwards.
     */
    public void setKeepalive(Duration interval, Duration timeout) {
        if (ConnectionKeepalive.check(interval, timeout)) {
            this.keepaliveTimeout = timeout;
            this.keepaliveInterval = interval;
        } else {
            this.keepaliveInterval = null;
            this.keepaliveTimeout = null;
        }
    }

    /** The keepalive interval, or null when keepalive is off. */
    public Duration getKeepaliveInterval() {
        return keepaliveInterval;
    }

    /** The keepalive ACK timeout, or null when keepalive is off. */
    public Duration getKeepaliveTimeout() {
        return keepaliveTimeout;
    }

    public NonWebSocketHandler getNonWebSocketHandler() {
        return nonWebSocketHandler;
    }

    @Override
    public void setMaxConcurrentStreams(int maxConcurrentStreams) {
        super.setMaxConcurrentStreams(maxConcurrentStreams);
        deriveLimits();
    }

    @Override
    public void setInitialStreamRecvWindow(int initialStreamRecvWindow) {
        super.setInitialStreamRecvWindow(initialStreamRecvWindow);
        deriveLimits();
    }

    @Override
    public void setInitialSessionRecvWindow(int initialSessionRecvWindow) {
        super.setInitialSessionRecvWindow(initialSessionRecvWindow);
        sessionWindowSet = true;
    }

    @Override
    public void setRateControlFactory(org.eclipse.jetty.io.RateControl.Factory factory) {
        super.setRateControlFactory(factory);
        rateControlSet = true;
    }

    /**
     * Derives the session window and the rate limit from the stream limit and window, unless
     * they were set explicitly.
     *
     * <p>Session window = streams x stream window: Jetty returns session credit only when a
     * stream's data is consumed, so with its default 1 MiB two stalled sockets would starve
     * every sibling on the connection. Buffered memory is bounded by the same product either way.
     *
     * <p>Rate limit = 2 x streams events per second (at least Jetty's 128): each stream may be
     * reset once, twice over, so aborting a full connection's sockets at once is fine while a
     * rapid-reset flood (CVE-2023-44487) still meets a bound.
     */
    private void deriveLimits() {
        long streams = Math.max(1, getMaxConcurrentStreams());
        if (!sessionWindowSet) {
            long window = Math.max(1024L * 1024, streams * getInitialStreamRecvWindow());
            long memory = openSockets.limits().connectionMemory();
            if (memory != Long.MAX_VALUE) {
                // a quarter of what a connection may make us buffer (see ServerLimits)
                window = Math.max(getInitialStreamRecvWindow(), Math.min(window, memory / 4));
            }
            super.setInitialSessionRecvWindow((int) Math.min(Integer.MAX_VALUE, window));
        }
        if (!rateControlSet) {
            int rate = (int) Math.min(Integer.MAX_VALUE, Math.max(128, 2 * streams));
            super.setRateControlFactory(new org.eclipse.jetty.io.RateControl.Factory() {
                @Override
                public org.eclipse.jetty.io.RateControl newRateControl(EndPoint endPoint) {
                    // Jetty creates the rate control right after the session listener, on this thread
                    StreamChurnControl c = new StreamChurnControl(new WindowRateControl(rate, Duration.ofSeconds(1)));
                    SessionListener l = CREATING.get();
                    CREATING.remove();
                    if (l != null) {
                        l.churn = c;
                    }
                    return c;
                }
            });
        }
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        SessionListener l = new SessionListener(endPoint.isSecure(), connector.getExecutor());
        CREATING.set(l);
        return l;
    }

    /**
     * The HTTP/2 connection, behind a {@link ClientPrefaceConnection} that holds the client's
     * preface and first frame until they are whole (a Jetty 12.1 parser defect, see there).
     */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return holdPreface(connector, endPoint, h2Connection(connector, endPoint), PrefaceFrame.PREFACE_BYTES.length);
    }

    /** Jetty's HTTP/2 connection, with the {@code :protocol} check in its HPACK decoder. */
    private HTTP2ServerConnection h2Connection(Connector connector, EndPoint endPoint) {
        HTTP2ServerConnection h2 = (HTTP2ServerConnection) super.newConnection(connector, endPoint);
        if (h2.getSession() != null) {
            // Jetty drops :protocol from a request whose method is not CONNECT, so it would be
            // served as if it were well formed (RFC 8441 section 4 makes it malformed).
            ProtocolPseudoHeaderCheck.install(h2.getSession().getParser().getHpackDecoder());
        }
        return h2;
    }

    @Override
    public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                        HttpFields.Mutable response101) throws HttpException.RuntimeException {
        // Same as Jetty's HTTP2CServerConnectionFactory: "PRI * HTTP/2.0" (prior knowledge) or
        // "Upgrade: h2c" arrive here from the HTTP/1.1 connection on the shared port.
        if (request.getContentLength() > 0) {
            return null;
        }
        HTTP2ServerConnection connection = h2Connection(connector, endPoint);
        if (!connection.upgrade(request, response101)) {
            return null;
        }
        // after "PRI * HTTP/2.0\r\n\r\n" the HTTP/1.1 parser leaves "SM\r\n\r\n"; after a 101 the whole preface comes
        int preface = HttpMethod.PRI.is(request.getMethod())
                ? PrefaceFrame.PREFACE_BYTES.length - PrefaceFrame.PREFACE_PREAMBLE_BYTES.length
                : PrefaceFrame.PREFACE_BYTES.length;
        return holdPreface(connector, endPoint, connection, preface);
    }

    private Connection holdPreface(Connector connector, EndPoint endPoint, HTTP2ServerConnection connection, int preface) {
        return new ClientPrefaceConnection(endPoint, connector.getExecutor(), connection, preface, getInputBufferSize());
    }

    /** The SETTINGS a connection starts with: Jetty's, plus extended CONNECT (RFC 8441 section 3). */
    Map<Integer, Integer> settings() {
        Map<Integer, Integer> settings = new LinkedHashMap<>(newSettings());
        settings.put(SettingsFrame.ENABLE_CONNECT_PROTOCOL, 1);
        settings.put(SettingsFrame.MAX_CONCURRENT_STREAMS, getMaxConcurrentStreams());
        if (getMaxFrameSize() != org.eclipse.jetty.http2.frames.Frame.DEFAULT_MAX_SIZE) {
            // Jetty 12.1.14 puts it in newSettings() already; the parser accepts frames this large
            // either way, but peers only send them once it is advertised, so make sure it is
            settings.put(SettingsFrame.MAX_FRAME_SIZE, getMaxFrameSize());
        }
        return settings;
    }

    /** Where accepted sockets are tracked. */
    OpenSockets openSockets() {
        return openSockets;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    /** The tracer of {@link #setTrace}, or null. */
    io.h2ws.h2.internal.trace.H2Tracer tracer() {
        return tracer;
    }

    /**
     * One per HTTP/2 connection. It is also Jetty's {@link HTTP2ServerSession.Listener}: Jetty
     * reports a malformed request (no {@code :path}, a connection-specific field, ...) only
     * through {@code onStreamFailure}, and without that interface it fails the stream locally
     * and writes nothing, so the client would wait for an answer forever.
     */
    private final class SessionListener implements HTTP2ServerSession.Listener {
        private final Executor executor;
        private final ConnectionSockets sockets = new ConnectionSockets();
        private final ExtendedConnectAcceptor acceptor;
        private volatile StreamChurnControl churn;

        SessionListener(boolean secure, Executor executor) {
            this.executor = executor;
            this.acceptor = new ExtendedConnectAcceptor(H2ServerConnectionFactory.this, secure, sockets,
                    openSockets.newConnectionBudget("HTTP/2 connection"));
        }

        @Override
        public Map<Integer, Integer> onPreface(Session session) {
            StreamChurnControl c = churn;
            if (c != null) {
                c.session(session);
            }
            sockets.startKeepalive(session, keepaliveInterval, keepaliveTimeout, executor,
                    () -> !session.getStreams().isEmpty(), this::failAll, "client " + session.getRemoteSocketAddress());
            return settings();
        }

        @Override
        public void onSettings(Session session, SettingsFrame frame) {
            // RFC 8441 section 3: a server's receipt of SETTINGS_ENABLE_CONNECT_PROTOCOL has no
            // effect; only the value the server sends matters. Jetty applies the client's value
            // to the session (HTTP2Session.configure), so a client that sends 0, as hyper-h2 does
            // by default, would have every extended CONNECT reset with PROTOCOL_ERROR. Jetty
            // calls this after applying the frame and before parsing the next one: restore ours.
            if (!frame.isReply() && frame.getSettings().containsKey(SettingsFrame.ENABLE_CONNECT_PROTOCOL)
                    && isConnectProtocolEnabled() && session instanceof HTTP2Session h2) {
                if (!h2.isConnectProtocolEnabled()) {
                    LOG.debug("h2ws: client {} sent SETTINGS_ENABLE_CONNECT_PROTOCOL = {}; ignored (RFC 8441 section 3)",
                            session.getRemoteSocketAddress(), frame.getSettings().get(SettingsFrame.ENABLE_CONNECT_PROTOCOL));
                }
                h2.setConnectProtocolEnabled(true);
            }
        }

        @Override
        public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
            // Jetty has already taken the client's half of the stream as closed.
            ExtendedConnectAcceptor.malformed(stream, failure.getMessage());
            callback.succeeded();
        }

        @Override
        public void onPing(Session session, PingFrame frame) {
            sockets.onPing(frame);
        }

        @Override
        public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
            StreamChurnControl.opened(stream);
            return acceptor.onNewStream(stream, frame);
        }

        @Override
        public boolean onIdleTimeout(Session session) {
            // Open WebSockets keep the connection; each has its own idle timeout.
            return session.getStreams().isEmpty();
        }

        @Override
        public void onClose(Session session, GoAwayFrame frame, Callback callback) {
            failAll(ConnectionSockets.closed("HTTP/2 connection", frame));
            callback.succeeded();
        }

        @Override
        public void onFailure(Session session, Throwable failure, Callback callback) {
            failAll(ConnectionSockets.failed("HTTP/2 connection", failure));
            callback.succeeded();
        }

        private void failAll(Throwable cause) {
            sockets.stopKeepalive();
            sockets.failAll(cause);
        }
    }
}
