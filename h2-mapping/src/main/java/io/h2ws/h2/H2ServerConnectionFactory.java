package io.h2ws.h2;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.Transport;
import io.h2ws.core.handshake.ExtensionHeader;
import io.h2ws.core.handshake.HandshakeHeaders;
import io.h2ws.core.session.RealWebSocket;
import io.h2ws.core.Role;
import io.h2ws.core.session.Timers;
import io.h2ws.core.wire.MessageMapping;
import io.h2ws.core.wire.Rfc6455Mapping;
import io.h2ws.core.wire.WireMapping;
import io.h2ws.server.Endpoints;
import io.h2ws.server.HandshakeDecision;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.server.OpenSockets;
import io.h2ws.server.ServerHandshake;

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
 * SETTINGS_MAX_CONCURRENT_STREAMS (RFC 8441 section 3). An extended CONNECT with
 * {@code :protocol = websocket} becomes a server socket after {@link ServerHandshake#decide};
 * every other request goes to the {@link NonWebSocketHandler}. See
 * {@code spec-notes/rfc8441-mapping.md} for the statuses and the reasons behind them.
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

    private final Endpoints endpoints;
    private final OpenSockets openSockets;
    private volatile NonWebSocketHandler nonWebSocketHandler = NonWebSocketHandler.NOT_FOUND;
    private boolean sessionWindowSet;
    private boolean rateControlSet;
    private volatile io.h2ws.h2.trace.H2Tracer tracer;
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
        this.tracer = trace == null ? null : io.h2ws.h2.trace.H2Tracer.install(this, trace);
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
            super.setInitialSessionRecvWindow((int) Math.min(Integer.MAX_VALUE, window));
        }
        if (!rateControlSet) {
            super.setRateControlFactory(new WindowRateControl.Factory((int) Math.min(Integer.MAX_VALUE, Math.max(128, 2 * streams))));
        }
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        return new SessionListener(endPoint.isSecure(), connector.getExecutor());
    }

    @Override
    public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                        HttpFields.Mutable response101) throws HttpException.RuntimeException {
        // Same as Jetty's HTTP2CServerConnectionFactory: "PRI * HTTP/2.0" (prior knowledge) or
        // "Upgrade: h2c" arrive here from the HTTP/1.1 connection on the shared port.
        if (request.getContentLength() > 0) {
            return null;
        }
        HTTP2ServerConnection connection = (HTTP2ServerConnection) newConnection(connector, endPoint);
        return connection.upgrade(request, response101) ? connection : null;
    }

    /** The SETTINGS a connection starts with: Jetty's, plus extended CONNECT (RFC 8441 section 3). */
    Map<Integer, Integer> settings() {
        Map<Integer, Integer> settings = new LinkedHashMap<>(newSettings());
        settings.put(SettingsFrame.ENABLE_CONNECT_PROTOCOL, 1);
        settings.put(SettingsFrame.MAX_CONCURRENT_STREAMS, getMaxConcurrentStreams());
        return settings;
    }

    /** One per HTTP/2 connection. */
    private final class SessionListener implements ServerSessionListener {
        private final boolean secure;
        private final Executor executor;
        private final Set<StreamCarrier> carriers = ConcurrentHashMap.newKeySet();
        private volatile ConnectionKeepalive keepalive;

        SessionListener(boolean secure, Executor executor) {
            this.secure = secure;
            this.executor = executor;
        }

        @Override
        public Map<Integer, Integer> onPreface(Session session) {
            Duration interval = keepaliveInterval;
            Duration timeout = keepaliveTimeout;
            if (interval != null && timeout != null && keepalive == null) {
                ConnectionKeepalive k = new ConnectionKeepalive(session, interval, timeout, executor,
                        () -> !session.getStreams().isEmpty(), this::failAll, "client " + session.getRemoteSocketAddress());
                keepalive = k;
                k.start();
            }
            return settings();
        }

        @Override
        public void onPing(Session session, PingFrame frame) {
            ConnectionKeepalive k = keepalive;
            if (k != null) {
                k.onPing(frame);
            }
        }

        @Override
        public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
            MetaData metaData = frame.getMetaData();
            if (!(metaData instanceof MetaData.Request request)) {
                return reject(stream, frame, 400, "not a request", Map.of());
            }
            if (!HttpMethod.CONNECT.is(request.getMethod())) {
                return nonWebSocketHandler.handle(stream, request, frame.isEndStream());
            }
            String protocol = request.getProtocol();
            if (protocol == null) {
                // A classic CONNECT asks for a TCP tunnel (RFC 9113 section 8.5); this server is
                // no proxy. The method is understood but not allowed here: 405, and an empty
                // Allow because the authority-form target allows no method at all.
                return reject(stream, frame, 405, "CONNECT without :protocol (a tunnel) is not supported",
                        Map.of("allow", ""));
            }
            boolean messageMapping = MessageMapping.PROTOCOL.equalsIgnoreCase(protocol);
            if (!messageMapping && !HandshakeHeaders.WEBSOCKET.equalsIgnoreCase(protocol)) {
                // RFC 8441 section 4: the :protocol names what the tunnel carries. We understand
                // the request form but do not implement that protocol: 501 (RFC 9110 section
                // 15.6.2), not 400, because nothing about the request is malformed.
                LOG.debug("h2ws: stream #{} asks for :protocol {}", stream.getId(), printable(protocol));
                return reject(stream, frame, 501, "unsupported :protocol: this server speaks websocket", Map.of());
            }
            HttpURI uri = request.getHttpURI();
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
                return reject(stream, frame, 400, "extended CONNECT needs :scheme http or https (RFC 8441 section 4)", Map.of());
            }
            String path = uri.getPathQuery();
            if (path == null || path.isEmpty() || path.charAt(0) != '/') {
                return reject(stream, frame, 400, "extended CONNECT needs an origin-form :path (RFC 8441 section 4)", Map.of());
            }
            String authority = uri.getAuthority();
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                return reject(stream, frame, 400, "extended CONNECT needs :authority (RFC 8441 section 4)", Map.of());
            }
            if (frame.isEndStream()) {
                return reject(stream, frame, 400, "extended CONNECT must not end the stream (RFC 8441 section 4)", Map.of());
            }
            SocketAddress remote = stream.getSession().getRemoteSocketAddress();
            HandshakeRequest handshake = new HandshakeRequest(Transport.H2, secure, path, authority,
                    lowerCaseFields(request.getHttpFields()), remote);
            HandshakeDecision decision = ServerHandshake.decide(endpoints, handshake);
            if (decision instanceof HandshakeDecision.Reject r) {
                return reject(stream, frame, r.status(), r.reason(), r.headers());
            }
            return accept(stream, handshake, (HandshakeDecision.Accept) decision, messageMapping);
        }

        private Stream.Listener accept(Stream stream, HandshakeRequest handshake, HandshakeDecision.Accept accept,
                                       boolean messageMapping) {
            StreamCarrier carrier = new StreamCarrier(stream, secure);
            // Jetty installs the listener we return only after onNewStream returns, but the
            // socket may start (and demand) as soon as the HEADERS below are written, possibly
            // before that. Jetty's HTTP2Stream hands data demanded without a listener to
            // AUTO_DISCARD: the client's first frames vanished now and then in H2InteropTest.
            // So install it now (Jetty sets the same listener again afterwards).
            if (stream instanceof HTTP2Stream h2) {
                h2.setListener(carrier.streamListener());
                carrier.startReading(); // what the client sends right after its CONNECT waits in the carrier
            }
            HttpFields.Mutable fields = HttpFields.build();
            if (accept.subprotocol() != null) {
                fields.put(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL, accept.subprotocol());
            }
            if (!accept.extensions().isEmpty()) {
                fields.put(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, ExtensionHeader.format(accept.extensions()));
            }
            // RFC 8441 section 5: a 2xx without END_STREAM opens the tunnel; no Sec-WebSocket-Accept.
            MetaData.Response response = new MetaData.Response(200, null, HttpVersion.HTTP_2, fields);
            stream.headers(new HeadersFrame(stream.getId(), response, null, false), Callback.from(() -> {
                WireMapping mapping = messageMapping ? new MessageMapping() : new Rfc6455Mapping(Role.SERVER);
                RealWebSocket socket = new RealWebSocket(carrier, Role.SERVER, mapping,
                        accept.listener(), accept.options(), accept.subprotocol(), handshake.path(), 0, Timers.shared(),
                        accept.deflate(), accept.endpoint().deflate());
                carriers.add(carrier);
                socket.whenCarrierDone().whenComplete((v, e) -> carriers.remove(carrier));
                openSockets.add(socket);
                io.h2ws.h2.trace.H2Tracer t = tracer;
                if (t != null) {
                    t.attach(socket, stream, "server");
                }
                LOG.debug("h2ws: accepted WebSocket {} on stream #{} from {}", handshake.path(), stream.getId(), handshake.remote());
                socket.start();
            }, failure -> {
                LOG.debug("h2ws: could not answer the WebSocket handshake on stream #{}", stream.getId(), failure);
                carrier.fail(failure);
            }));
            return carrier.streamListener();
        }

        private Stream.Listener reject(Stream stream, HeadersFrame frame, int status, String reason, Map<String, String> headers) {
            LOG.debug("h2ws: refusing stream #{} with {}: {}", stream.getId(), status, reason);
            NonWebSocketHandler.respond(stream, status, headers, reason + "\n", frame.isEndStream());
            return Stream.Listener.AUTO_DISCARD;
        }

        @Override
        public boolean onIdleTimeout(Session session) {
            // Open WebSockets keep the connection; each has its own idle timeout.
            return session.getStreams().isEmpty();
        }

        @Override
        public void onClose(Session session, GoAwayFrame frame, Callback callback) {
            failAll(new IOException("HTTP/2 connection closed: " + frame));
            callback.succeeded();
        }

        @Override
        public void onFailure(Session session, Throwable failure, Callback callback) {
            failAll(failure instanceof IOException ? failure : new IOException("HTTP/2 connection failed: " + failure, failure));
            callback.succeeded();
        }

        private void failAll(Throwable cause) {
            ConnectionKeepalive k = keepalive;
            if (k != null) {
                k.stop();
            }
            for (StreamCarrier c : List.copyOf(carriers)) {
                c.fail(cause);
            }
        }
    }

    static Map<String, List<String>> lowerCaseFields(HttpFields fields) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (HttpField f : fields) {
            out.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>()).add(f.getValue() == null ? "" : f.getValue());
        }
        return out;
    }

    /** Peer text for a log line or a body: printable ASCII only, bounded. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 64 ? b + "..." : b.toString();
    }
}
