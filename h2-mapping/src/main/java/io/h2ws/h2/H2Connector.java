package io.h2ws.h2;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.H2wsSocket;
import io.h2ws.Transport;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.Connector;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.handshake.ExtensionHeader;
import io.h2ws.core.handshake.HandshakeException;
import io.h2ws.core.handshake.HandshakeHeaders;
import io.h2ws.core.handshake.Subprotocols;
import io.h2ws.core.session.RealWebSocket;
import io.h2ws.core.Role;
import io.h2ws.core.session.Timers;
import io.h2ws.client.ClientHandshake;
import io.h2ws.core.wire.MessageMapping;
import io.h2ws.core.wire.Rfc6455Mapping;
import io.h2ws.core.wire.WireMapping;

/**
 * Client sockets over HTTP/2 (RFC 8441) on Jetty's {@link HTTP2Client}: one HTTP/2 connection
 * per origin (scheme, host, port) carries every socket to that origin, one stream each.
 *
 * <p>A new connection is used only after the server's SETTINGS arrived and allowed extended
 * CONNECT (RFC 8441 section 3); otherwise the socket fails with
 * {@link ExtendedConnectNotSupportedException}. When the server's SETTINGS_MAX_CONCURRENT_STREAMS
 * is reached, a new socket waits for a free stream ({@link StreamLimitPolicy#WAIT}, the default)
 * or opens another connection ({@link StreamLimitPolicy#NEW_CONNECTION}); either way it is
 * bounded by the connect timeout. After a GOAWAY the open sockets finish on the old connection and
 * new ones go to a new connection. Losing a connection fails each of its sockets with 1006.
 *
 * <p>With {@link Builder#keepalive} each connection that carries a socket is checked with HTTP/2
 * PINGs: one whose PING goes unanswered is aborted (its sockets end with 1006) and is never given
 * a new socket; the next socket to that origin opens a new connection.
 */
public final class H2Connector implements Connector, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2Connector.class);

    /** What a new socket does when every connection to its origin is at the server's stream limit. */
    public enum StreamLimitPolicy {
        /** Wait for a stream to close on an existing connection (bounded by the connect timeout). */
        WAIT,
        /** Open another connection to the origin (up to {@link Builder#maxConnectionsPerOrigin}). */
        NEW_CONNECTION
    }

    private final HTTP2Client client;
    private final SslContextFactory.Client sslContextFactory;
    private final Duration connectTimeout;
    private final StreamLimitPolicy policy;
    private final int maxConnectionsPerOrigin;
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();
    private final io.h2ws.h2.trace.H2Tracer tracer;
    private final Duration keepaliveInterval; // null: off
    private final Duration keepaliveTimeout;
    private volatile boolean closed;

    /** A connector with the defaults: JDK trust store, 10 s connect timeout, {@link StreamLimitPolicy#WAIT}. */
    public H2Connector() {
        this(builder());
    }

    private H2Connector(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.policy = b.policy;
        this.maxConnectionsPerOrigin = b.maxConnectionsPerOrigin;
        this.keepaliveInterval = b.keepaliveInterval;
        this.keepaliveTimeout = b.keepaliveTimeout;
        ClientConnector connector = new ClientConnector();
        sslContextFactory = new SslContextFactory.Client();
        if (b.sslContext != null) {
            sslContextFactory.setSslContext(b.sslContext);
        }
        connector.setSslContextFactory(sslContextFactory);
        connector.setConnectTimeout(b.connectTimeout);
        connector.setExecutor(b.executor != null ? b.executor : ownThreads());
        client = new HTTP2Client(connector);
        client.setInitialStreamRecvWindow(b.streamRecvWindow);
        // Session credit returns only when a stream's bytes are consumed: a small session window
        // would let a few stalled sockets block all the others (see spec-notes/rfc8441-mapping.md).
        client.setInitialSessionRecvWindow(1 << 30);
        client.addEventListener(DirectOutputFix.INSTANCE); // Jetty's HTTP/2 output would aggregate into heap buffers
        tracer = b.trace == null && !b.stats ? null : io.h2ws.h2.trace.H2Tracer.install(client, b.trace);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the HTTP/2 client", e);
        }
    }

    /** The pool used when the builder names no executor: Jetty's default size, daemon threads. */
    private static QueuedThreadPool ownThreads() {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("h2ws-h2-client");
        threads.setDaemon(true);
        return threads;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletableFuture<H2wsSocket> connect(ClientRequest request, WebSocket.Listener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        CompletableFuture<H2wsSocket> result = new CompletableFuture<>();
        if (request.transport() == Transport.H1) {
            result.completeExceptionally(new IllegalArgumentException("H2Connector opens HTTP/2 sockets only; asked for H1"));
            return result;
        }
        if (closed) {
            result.completeExceptionally(new IOException(request.uri() + ": connector closed"));
            return result;
        }
        Duration timeout = request.connectTimeout() != null ? request.connectTimeout() : connectTimeout;
        Attempt attempt = new Attempt(request, listener, result);
        // on the timer thread itself, not the pool: the timeout must fire while every pool thread is busy
        attempt.timer = Timers.shared().schedule(() -> attempt.timedOut(timeout), Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
        origin(request).acquire(attempt);
        return result;
    }

    private Origin origin(ClientRequest request) {
        String host = request.uri().getHost().toLowerCase(Locale.ROOT);
        String key = (request.secure() ? "https" : "http") + "://" + host + ":" + request.port();
        return origins.computeIfAbsent(key, k -> new Origin(k, request.secure(), host, request.port()));
    }

    /** Open (or opening) HTTP/2 connections to the origin of {@code uri}: for tests and statistics. */
    public int connectionCount(URI uri) {
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        Origin o = origins.get((secure ? "https" : "http") + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port);
        return o == null ? 0 : o.connectionCount();
    }

    /**
     * Statistics of every open HTTP/2 connection, to any origin: bytes each way always; frames
     * each way and the connection window's blocked time when built with {@link Builder#stats} or a
     * trace (else -1 frames and 0 ns); PING round trips measured by {@link #ping}.
     */
    public List<io.h2ws.trace.ConnectionStats> connectionStats() {
        List<io.h2ws.trace.ConnectionStats> all = new ArrayList<>();
        for (Origin o : origins.values()) {
            List<Conn> conns;
            synchronized (o) {
                conns = List.copyOf(o.conns);
            }
            for (Conn c : conns) {
                Session session = c.session;
                if (session != null) {
                    all.add(c.stats(session));
                }
            }
        }
        return all;
    }

    /**
     * Sends an HTTP/2 PING on each open connection to the origin of {@code uri} and completes with
     * the first connection's round trip (from the write request to the reply's arrival). Fails
     * when there is no open connection to that origin.
     */
    public CompletableFuture<Duration> ping(URI uri) {
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        Origin o = origins.get((secure ? "https" : "http") + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port);
        List<Conn> conns = List.of();
        if (o != null) {
            synchronized (o) {
                conns = List.copyOf(o.conns);
            }
        }
        CompletableFuture<Duration> first = null;
        for (Conn c : conns) {
            if (c.session != null && c.state == ConnState.READY) {
                CompletableFuture<Duration> f = c.ping();
                if (first == null) {
                    first = f;
                }
            }
        }
        return first != null ? first
                : CompletableFuture.failedFuture(new IOException(uri + ": no open HTTP/2 connection to ping"));
    }

    /** Open (or opening) HTTP/2 connections to every origin. */
    public int connectionCount() {
        int n = 0;
        for (Origin o : origins.values()) {
            n += o.connectionCount();
        }
        return n;
    }

    /** Stops the HTTP/2 client: open sockets end with 1006, waiting ones fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Origin o : origins.values()) {
            o.failAll(uri -> new IOException(uri + ": connector closed"));
            List<Conn> conns;
            synchronized (o) {
                conns = List.copyOf(o.conns);
            }
            for (Conn c : conns) {
                c.stopKeepalive(); // also done when Jetty reports each session closed; this is the backstop
            }
        }
        try {
            client.stop();
        } catch (Exception e) {
            LOG.debug("h2ws: stopping the HTTP/2 client failed", e);
        }
    }

    /** Same as {@link #close()}. */
    public void stop() {
        close();
    }

    // ------------------------------------------------------------------ connections per origin

    /** The connections to one origin and the sockets waiting for a stream on them. */
    private final class Origin {
        private final String key;
        private final boolean secure;
        private final String host;
        private final int port;
        private final List<Conn> conns = new ArrayList<>();
        private final ArrayDeque<Attempt> waiters = new ArrayDeque<>();

        Origin(String key, boolean secure, String host, int port) {
            this.key = key;
            this.secure = secure;
            this.host = host;
            this.port = port;
        }

        synchronized int connectionCount() {
            return conns.size();
        }

        void acquire(Attempt a) {
            synchronized (this) {
                waiters.add(a);
            }
            dispatch();
        }

        /** Hands free streams to waiters in arrival order; opens a connection when one is needed. */
        void dispatch() {
            List<Runnable> grants = new ArrayList<>();
            synchronized (this) {
                while (!waiters.isEmpty()) {
                    Attempt a = waiters.peek();
                    if (a.isSettled()) {
                        waiters.poll();
                        continue;
                    }
                    Conn c = free();
                    if (c == null) {
                        break;
                    }
                    waiters.poll();
                    c.active++;
                    grants.add(() -> a.granted(c));
                }
                if (!waiters.isEmpty() && needsConnection() && !closed) {
                    open();
                }
            }
            grants.forEach(Runnable::run);
        }

        private Conn free() {
            for (Conn c : conns) {
                if (c.state == ConnState.READY && !c.goingAway && !c.isDead() && c.active < c.maxStreams) {
                    return c;
                }
            }
            return null;
        }

        private boolean needsConnection() {
            int usable = 0;
            for (Conn c : conns) {
                if (c.state == ConnState.CONNECTING) {
                    return false; // wait for its SETTINGS before deciding
                }
                if (c.state == ConnState.READY && !c.goingAway && !c.isDead()) {
                    usable++;
                }
            }
            return usable == 0 || (policy == StreamLimitPolicy.NEW_CONNECTION && usable < maxConnectionsPerOrigin);
        }

        private void open() {
            Conn c = new Conn(this);
            conns.add(c);
            InetSocketAddress address = new InetSocketAddress(host, port);
            Promise<Session> promise = new Promise<>() {
                @Override
                public void succeeded(Session session) {
                    c.session = session;
                }

                @Override
                public void failed(Throwable x) {
                    connectionFailed(c, uri -> new IOException(uri + ": cannot connect to " + key + ": " + x, x));
                }
            };
            LOG.debug("h2ws: opening an HTTP/2 connection to {}", key);
            if (secure) {
                client.connect(sslContextFactory, address, c, promise);
            } else {
                client.connect(address, c, promise);
            }
        }

        void ready(Conn c) {
            synchronized (this) {
                if (c.state != ConnState.CONNECTING) {
                    return;
                }
                c.state = ConnState.READY;
            }
            dispatch();
        }

        /** The connection never became usable: waiters fail unless another connection may serve them. */
        void connectionFailed(Conn c, Function<URI, IOException> failure) {
            List<Attempt> failed = new ArrayList<>();
            synchronized (this) {
                if (c.state == ConnState.CLOSED) {
                    return;
                }
                boolean wasReady = c.state == ConnState.READY;
                c.state = ConnState.CLOSED;
                conns.remove(c);
                LOG.debug("h2ws: connection to {} removed (was ready: {}), {} left", key, wasReady, conns.size());
                if (!wasReady) {
                    boolean alternative = conns.stream().anyMatch(o -> o.state != ConnState.CLOSED && !o.goingAway);
                    if (!alternative) {
                        failed.addAll(waiters);
                        waiters.clear();
                    }
                }
            }
            for (Attempt a : failed) {
                a.fail(failure.apply(a.request.uri()));
            }
            dispatch();
        }

        void release(Conn c) {
            synchronized (this) {
                c.active--;
            }
            dispatch();
        }

        /** Puts a waiter back first in line, e.g. when Jetty counted a closing stream still open. */
        void retry(Attempt a) {
            synchronized (this) {
                waiters.addFirst(a);
            }
            Timers.shared().schedule(() -> client.getExecutor().execute(this::dispatch), 10, TimeUnit.MILLISECONDS);
        }

        void failAll(Function<URI, IOException> failure) {
            List<Attempt> failed;
            synchronized (this) {
                failed = new ArrayList<>(waiters);
                waiters.clear();
            }
            for (Attempt a : failed) {
                a.fail(failure.apply(a.request.uri()));
            }
        }
    }

    private enum ConnState { CONNECTING, READY, CLOSED }

    /** One HTTP/2 connection, and its session listener. Counters are guarded by the origin. */
    private final class Conn implements Session.Listener {
        private final Origin origin;
        private final Set<StreamCarrier> carriers = ConcurrentHashMap.newKeySet();
        volatile Session session;
        ConnState state = ConnState.CONNECTING;
        boolean goingAway;
        int maxStreams = Integer.MAX_VALUE;
        int active;
        // PINGs sent by ping(), by payload (the nanoTime of the send); round trips measured
        private final Map<Long, CompletableFuture<Duration>> pings = new ConcurrentHashMap<>();
        private long pingCount, pingMin, pingLast; // under this
        /** PING-based dead-peer detection; null when off or before the connection is ready. */
        private volatile ConnectionKeepalive keepalive;

        Conn(Origin origin) {
            this.origin = origin;
        }

        /** A PING of the keepalive went unanswered: the connection is being aborted. */
        boolean isDead() {
            ConnectionKeepalive k = keepalive;
            return k != null && k.isDead();
        }

        private void startKeepalive(Session session) {
            if (keepaliveInterval == null || keepalive != null) {
                return;
            }
            ConnectionKeepalive k = new ConnectionKeepalive(session, keepaliveInterval, keepaliveTimeout,
                    client.getExecutor(), this::hasStreams, this::closed, origin.key + " " + session.getLocalSocketAddress());
            keepalive = k;
            k.start();
        }

        private boolean hasStreams() {
            synchronized (origin) {
                return active > 0 || !carriers.isEmpty();
            }
        }

        void stopKeepalive() {
            ConnectionKeepalive k = keepalive;
            if (k != null) {
                k.stop();
            }
        }

        CompletableFuture<Duration> ping() {
            CompletableFuture<Duration> f = new CompletableFuture<>();
            long sent = System.nanoTime();
            pings.put(sent, f);
            session.ping(new org.eclipse.jetty.http2.frames.PingFrame(sent, false), Callback.from(() -> { }, x -> {
                pings.remove(sent);
                f.completeExceptionally(x);
            }));
            return f;
        }

        @Override
        public void onPing(Session session, org.eclipse.jetty.http2.frames.PingFrame frame) {
            if (!frame.isReply()) {
                return;
            }
            ConnectionKeepalive k = keepalive;
            if (k != null && k.onPing(frame)) {
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

        io.h2ws.trace.ConnectionStats stats(Session session) {
            io.h2ws.trace.ConnectionStats s;
            if (tracer != null) {
                s = tracer.connectionStats(session);
            } else {
                long[] bytes = io.h2ws.h2.trace.H2Tracer.bytes(session);
                s = new io.h2ws.trace.ConnectionStats(null, io.h2ws.h2.trace.H2Tracer.remote(session), -1, -1, bytes[0],
                        bytes[1], 0, 0, 0, 0);
            }
            synchronized (this) {
                return new io.h2ws.trace.ConnectionStats(s.id(), s.remote(), s.framesIn(), s.framesOut(), s.bytesIn(),
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
                first = state == ConnState.CONNECTING;
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
            startKeepalive(session);
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
            closed(new IOException("HTTP/2 connection to " + origin.key + " closed: " + frame));
            callback.succeeded();
        }

        @Override
        public void onFailure(Session session, Throwable failure, Callback callback) {
            closed(failure instanceof IOException ? failure : new IOException("HTTP/2 connection to " + origin.key + " failed: " + failure, failure));
            callback.succeeded();
        }

        private void closed(Throwable cause) {
            LOG.debug("h2ws: connection to {} ended: {}", origin.key, cause.getMessage());
            stopKeepalive();
            origin.connectionFailed(this, uri -> new IOException(uri + ": " + cause.getMessage(), cause));
            for (StreamCarrier c : List.copyOf(carriers)) {
                c.fail(cause);
            }
        }
    }

    // ------------------------------------------------------------------ one socket's handshake

    /** One socket being opened: waits for a stream, sends the extended CONNECT, reads the answer. */
    private final class Attempt implements Stream.Listener {
        final ClientRequest request;
        private final WebSocket.Listener listener;
        private final CompletableFuture<H2wsSocket> result;
        private final AtomicBoolean settled = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        volatile ScheduledFuture<?> timer;
        private volatile Conn conn;
        private volatile Stream stream;
        private volatile StreamCarrier carrier;
        /** Failed or timed out: a stream that shows up later is reset. */
        private volatile boolean abandoned;

        Attempt(ClientRequest request, WebSocket.Listener listener, CompletableFuture<H2wsSocket> result) {
            this.request = request;
            this.listener = listener;
            this.result = result;
        }

        boolean isSettled() {
            return settled.get();
        }

        void granted(Conn c) {
            conn = c;
            if (isSettled()) {
                releaseSlot();
                return;
            }
            HttpFields.Mutable fields = HttpFields.build();
            fields.put(HandshakeHeaders.SEC_WEBSOCKET_VERSION, HandshakeHeaders.VERSION);
            if (!request.subprotocols().isEmpty()) {
                fields.put(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL, String.join(", ", request.subprotocols()));
            }
            String extensions = ClientHandshake.extensionOffer(request);
            if (extensions != null) {
                fields.put(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, extensions);
            }
            for (Map.Entry<String, String> h : request.headers()) {
                fields.add(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
            }
            // RFC 8441 section 4/5: CONNECT + :protocol, with the ws(s) URI's http(s) scheme.
            MetaData.ConnectRequest connect = new MetaData.ConnectRequest(request.secure() ? "https" : "http",
                    new HostPortHttpField(request.authority()), request.pathAndQuery(), fields,
                    request.messageMapping() ? MessageMapping.PROTOCOL : HandshakeHeaders.WEBSOCKET);
            c.session.newStream(new HeadersFrame(connect, null, false), new Promise<>() {
                @Override
                public void succeeded(Stream s) {
                    stream = s;
                    if (abandoned) {
                        reset(s); // timed out or failed while the HEADERS were on their way
                    }
                }

                @Override
                public void failed(Throwable x) {
                    releaseSlot();
                    if (x instanceof IllegalStateException && String.valueOf(x.getMessage()).contains("Max local stream count")) {
                        LOG.debug("h2ws: {} stream limit reached in Jetty's count; retrying", conn.origin.key);
                        released.set(false);
                        conn.origin.retry(Attempt.this);
                        return;
                    }
                    fail(new IOException(request.uri() + ": cannot open an HTTP/2 stream: " + x, x));
                }
            }, this);
        }

        private void releaseSlot() {
            Conn c = conn;
            if (c != null && released.compareAndSet(false, true)) {
                c.origin.release(c);
            }
        }

        @Override
        public void onHeaders(Stream s, HeadersFrame frame) {
            if (!(frame.getMetaData() instanceof MetaData.Response response)) {
                StreamCarrier c = carrier;
                if (c != null) {
                    c.onTrailersFrame(frame); // reported with the END_STREAM behind them
                }
                return;
            }
            int status = response.getStatus();
            if (status < 200) {
                return; // interim response: the real one follows
            }
            if (status >= 300) {
                reset(s);
                fail(new HandshakeFailedException(request.uri(), status, "the server refused the extended CONNECT"));
                return;
            }
            if (frame.isEndStream()) {
                fail(new HandshakeFailedException(request.uri(), status, "the server ended the stream in its 2xx answer (RFC 8441 section 5)"));
                return;
            }
            HttpFields fields = response.getHttpFields();
            ClientHandshake.Agreed agreed;
            try {
                agreed = ClientHandshake.check(request, fields.getValuesList(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL),
                        fields.getValuesList(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS));
            } catch (HandshakeException | IllegalArgumentException e) {
                reset(s);
                fail(new HandshakeFailedException(request.uri(), -1, e instanceof HandshakeException h ? h.reason() : e.getMessage()));
                return;
            }
            StreamCarrier c = new StreamCarrier(s, request.secure());
            carrier = c;
            c.startReading(); // what the server sends before the socket starts waits in the carrier
            // The socket starts off the thread reading the connection (often its selector's, in
            // non-blocking mode), since onOpen and the continuations of the future may block. With
            // every thread of the pool busy the start waits; the connect timeout keeps running
            // meanwhile (on h2ws's timer, not the pool) and, if it fires first, the stream is reset.
            StreamCarrier.offload(s, () -> start(s, c, agreed));
        }

        private void start(Stream s, StreamCarrier c, ClientHandshake.Agreed agreed) {
            if (!settled.compareAndSet(false, true)) {
                reset(s);
                return;
            }
            cancelTimer();
            Conn owner = conn;
            WireMapping mapping = request.messageMapping() ? new MessageMapping() : new Rfc6455Mapping(Role.CLIENT);
            RealWebSocket socket = new RealWebSocket(c, Role.CLIENT, mapping, listener,
                    request.options(), agreed.subprotocol().trim(), request.pathAndQuery(), 0, Timers.shared(),
                    agreed.deflate(), request.deflate());
            owner.carriers.add(c);
            socket.whenCarrierDone().whenComplete((v, e) -> owner.carriers.remove(c));
            if (tracer != null) {
                tracer.attach(socket, s, "client");
            }
            socket.start();
            result.complete(socket);
        }

        @Override
        public void onDataAvailable(Stream s) {
            StreamCarrier c = carrier;
            if (c != null) {
                c.streamListener().onDataAvailable(s);
            } else {
                // body of a refused answer: drop it
                Stream.Listener.AUTO_DISCARD.onDataAvailable(s);
            }
        }

        @Override
        public void onReset(Stream s, ResetFrame frame, Callback callback) {
            StreamCarrier c = carrier;
            if (c != null) {
                c.streamListener().onReset(s, frame, callback);
                return;
            }
            fail(new IOException(request.uri() + ": the server reset the stream before answering: "
                    + ErrorCode.toString(frame.getError(), "error " + frame.getError())));
            callback.succeeded();
        }

        @Override
        public void onFailure(Stream s, int error, String reason, Throwable failure, Callback callback) {
            StreamCarrier c = carrier;
            if (c != null) {
                c.streamListener().onFailure(s, error, reason, failure, callback);
                return;
            }
            fail(new IOException(request.uri() + ": stream failed before the answer: " + reason, failure));
            callback.succeeded();
        }

        @Override
        public void onIdleTimeout(Stream s, TimeoutException x, Promise<Boolean> promise) {
            promise.succeeded(false); // the connect timeout and the socket's idle timeout decide
        }

        @Override
        public void onClosed(Stream s) {
            releaseSlot();
        }

        void timedOut(Duration timeout) {
            if (settled.compareAndSet(false, true)) {
                abandoned = true;
                Stream s = stream;
                if (s != null) {
                    reset(s);
                }
                result.completeExceptionally(new HttpConnectTimeoutException(request.uri()
                        + ": WebSocket over HTTP/2 not open within " + timeout));
            }
        }

        void fail(Throwable failure) {
            if (settled.compareAndSet(false, true)) {
                abandoned = true;
                Stream s = stream;
                if (s != null) {
                    reset(s);
                }
                cancelTimer();
                result.completeExceptionally(failure);
            }
        }

        private void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        private void reset(Stream s) {
            if (!s.isReset() && !s.isClosed()) {
                s.reset(new ResetFrame(s.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
            }
        }
    }

    private static String joined(HttpFields fields, String name) {
        List<String> values = new ArrayList<>();
        for (HttpField f : fields) {
            if (f.is(name)) {
                values.add(f.getValue() == null ? "" : f.getValue());
            }
        }
        return values.isEmpty() ? null : String.join(", ", values);
    }

    /** The HTTP/2 client's buffer pool, for tests that account for direct memory. */
    org.eclipse.jetty.io.ByteBufferPool byteBufferPool() {
        return client.getByteBufferPool();
    }

    /** Builds an {@link H2Connector}. */
    public static final class Builder {
        private SSLContext sslContext;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private StreamLimitPolicy policy = StreamLimitPolicy.WAIT;
        private int maxConnectionsPerOrigin = 8;
        private int streamRecvWindow = H2ServerConnectionFactory.DEFAULT_STREAM_RECV_WINDOW;
        private io.h2ws.trace.TraceListener trace;
        private boolean stats;
        private Duration keepaliveInterval;
        private Duration keepaliveTimeout;
        private Executor executor;

        private Builder() {}

        /**
         * HTTP/2 PING keepalive per connection: while a connection carries at least one socket, a
         * PING goes out {@code interval} after the previous one was answered; if its ACK is not
         * back within {@code timeout}, the server is taken for dead, the connection is closed
         * (no GOAWAY), every socket on it ends with {@code onClose(1006, "HTTP/2 PING not answered
         * ...")} and its pending sends fail, and new sockets to that origin open a new connection.
         *
         * <p>Off by default (a {@code null} or zero interval turns it off), like the per-socket
         * {@link io.h2ws.WebSocketOptions#pingInterval}: nothing is sent that the application did
         * not ask for, and a good interval depends on the idle timeouts of the NATs and proxies on
         * the path, which the library cannot know. Suggested: 30 s with a 10 s timeout. One PING
         * covers every socket of the connection, where the per-socket keepalive sends one Ping per
         * socket. A connection without sockets is not pinged (Jetty's idle timeout closes it).
         * The interval must be at least 20 ms: the peer then sees at most 50 PINGs a second, well
         * under Jetty's rate control (128 control frames a second by default); other servers may
         * be stricter (gRPC servers, for one, by default object to PINGs more often than every
         * 5 minutes on a connection without data).
         *
         * @param interval time from an answered PING to the next one; null or zero for off
         * @param timeout  time the PING's ACK may take
         */
        public Builder keepalive(Duration interval, Duration timeout) {
            if (ConnectionKeepalive.check(interval, timeout)) {
                this.keepaliveInterval = interval;
                this.keepaliveTimeout = timeout;
            } else {
                this.keepaliveInterval = null;
                this.keepaliveTimeout = null;
            }
            return this;
        }

        /**
         * The threads that run this connector's I/O and its sockets' listener calls: its selector
         * (one thread for as long as the connector runs), the reading of each HTTP/2 connection,
         * and each delivery to a listener, which runs as a task of its own so that a listener
         * that blocks holds one thread, not its connection ({@code spec-notes/api.md}, "Threads").
         * The caller starts a given executor before {@link #build} and stops it after
         * {@link H2Connector#close}. Default null: a pool of the connector's own (up to 200 daemon
         * threads named {@code h2ws-h2-client}).
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Counts HTTP/2 frames per connection and the time send windows spent at 0, for
         * {@link H2Connector#connectionStats()} and the sockets' {@code stats()}; a trace implies it.
         * Off by default: without it nothing is installed in Jetty's session.
         */
        public Builder stats(boolean stats) {
            this.stats = stats;
            return this;
        }

        /** Traces every HTTP/2 frame and socket of this connector ({@code spec-notes/trace.md}); null for none. */
        public Builder trace(io.h2ws.trace.TraceListener trace) {
            this.trace = trace;
            return this;
        }

        /** The TLS context for wss (trust, client keys); null for the JDK default. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** Bound on connecting plus the handshake when the request sets none. Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** What to do at the server's stream limit. Default {@link StreamLimitPolicy#WAIT}. */
        public Builder streamLimitPolicy(StreamLimitPolicy policy) {
            this.policy = Objects.requireNonNull(policy);
            return this;
        }

        /** Connections per origin under {@link StreamLimitPolicy#NEW_CONNECTION}; beyond, sockets wait. Default 8. */
        public Builder maxConnectionsPerOrigin(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnectionsPerOrigin must be positive: " + max);
            }
            this.maxConnectionsPerOrigin = max;
            return this;
        }

        /** Per-stream receive window: what one socket that stops reading leaves buffered. Default 256 KiB. */
        public Builder streamRecvWindow(int bytes) {
            if (bytes < 65535) {
                throw new IllegalArgumentException("streamRecvWindow below the HTTP/2 default 65535: " + bytes);
            }
            this.streamRecvWindow = bytes;
            return this;
        }

        public H2Connector build() {
            return new H2Connector(this);
        }
    }

    @Override
    public String toString() {
        Map<String, Integer> counts = new HashMap<>();
        origins.forEach((k, o) -> counts.put(k, o.connectionCount()));
        return "H2Connector" + counts;
    }
}
