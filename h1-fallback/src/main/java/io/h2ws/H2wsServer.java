package io.h2ws;

import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.socket.Timers;
import io.h2ws.internal.h1.H1UpgradeHandler;
import io.h2ws.internal.h1.HandshakeDeadline;
import io.h2ws.h2.internal.H2ServerConnectionFactory;
import io.h2ws.h2.internal.NonWebSocketHandler;
import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;
import io.h2ws.socket.WebSocketOptions;

/**
 * One h2ws server: a cleartext port that speaks HTTP/1.1 Upgrade and h2c (prior knowledge) at
 * once, and optionally a TLS port offering ALPN {@code h2} and {@code http/1.1}. Endpoints are
 * registered once and served over every transport; {@link #stop} closes every socket with 1001.
 */
public final class H2wsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2wsServer.class);

    private final Server server;
    private final OpenSockets openSockets;
    private final ServerConnector cleartext;
    private final ServerConnector tls;
    private final String fingerprint;
    private final String host;
    private final io.h2ws.server.ServerLimits limits;

    private H2wsServer(Builder b) {
        this.host = b.host;
        Endpoints endpoints = new Endpoints();
        b.endpoints.forEach(endpoints::add);
        QueuedThreadPool threads = new QueuedThreadPool(b.maxThreads, Math.min(8, b.maxThreads));
        threads.setName("h2ws-server");
        threads.setDaemon(true);
        this.limits = b.limits;
        this.openSockets = new OpenSockets(b.limits, threads);
        // Jetty's pool keeps up to an eighth of the heap in each of heap and direct buffers unless told
        org.eclipse.jetty.io.ArrayByteBufferPool buffers = new org.eclipse.jetty.io.ArrayByteBufferPool(0, -1, -1, -1,
                b.bufferPoolMemory, b.bufferPoolMemory);
        this.server = new Server(threads, null, buffers);
        server.setStopTimeout(b.stopTimeout.toMillis());
        // beyond it the server stops accepting: new connections wait in the kernel's backlog
        server.addBean(new org.eclipse.jetty.server.NetworkConnectionLimit(b.limits.maxConnections(), server));
        if (b.maxAcceptRate > 0) {
            server.addBean(new org.eclipse.jetty.server.AcceptRateLimit(b.maxAcceptRate, 1,
                    java.util.concurrent.TimeUnit.SECONDS, server));
        }

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // an HTTP/1.1 request head above this gets 431 (RFC 6585); on HTTP/2 it bounds the header list
        http.setRequestHeaderSize(b.requestHeaderSize);
        HandshakeDeadline deadline = new HandshakeDeadline(b.handshakeTimeout, Timers.shared());
        NonWebSocketHandler pagesOverH2 = pagesOverH2(b.pages);
        if (b.port >= 0) {
            H2ServerConnectionFactory h2c = h2Factory(http, endpoints, b);
            h2c.setNonWebSocketHandler(pagesOverH2);
            cleartext = new ServerConnector(server, new HttpConnectionFactory(http), h2c);
            cleartext.setHost(b.host);
            cleartext.setPort(b.port);
            cleartext.addEventListener(deadline);
            server.addConnector(cleartext);
        } else {
            cleartext = null;
        }
        if (b.tlsPort >= 0) {
            KeyStore ks = b.keyStore;
            char[] pw = b.keyStorePassword;
            String fp = null;
            if (ks == null) {
                SelfSignedCertificate cert = SelfSignedCertificate.generate();
                ks = cert.keyStore();
                pw = SelfSignedCertificate.PASSWORD;
                fp = cert.sha256Fingerprint();
            }
            this.fingerprint = fp;
            HttpConfiguration https = new HttpConfiguration(http);
            SecureRequestCustomizer src = new SecureRequestCustomizer();
            src.setSniHostCheck(false); // localhost and 127.0.0.1 share one self-signed certificate
            https.addCustomizer(src);
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(ks);
            ssl.setKeyStorePassword(new String(pw));
            ssl.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            H2ServerConnectionFactory h2 = h2Factory(https, endpoints, b);
            h2.setNonWebSocketHandler(pagesOverH2);
            HttpConnectionFactory h1 = new HttpConnectionFactory(https);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol("http/1.1");
            tls = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2, h1);
            tls.setHost(b.host);
            tls.setPort(b.tlsPort);
            tls.addEventListener(deadline);
            server.addConnector(tls);
        } else {
            tls = null;
            this.fingerprint = null;
        }
        H1UpgradeHandler h1Handler = new H1UpgradeHandler(endpoints, openSockets, pagesOverH1(b.pages));
        h1Handler.setTrace(b.trace);
        server.setHandler(h1Handler);
    }

    private H2ServerConnectionFactory h2Factory(HttpConfiguration http, Endpoints endpoints, Builder b) {
        H2ServerConnectionFactory f = new H2ServerConnectionFactory(http, endpoints, openSockets);
        f.setMaxConcurrentStreams(b.maxConcurrentStreams);
        f.setMaxFrameSize(b.h2MaxFrameSize);
        f.setInitialStreamRecvWindow(b.h2InitialStreamWindow); // re-derives the session window
        if (b.h2InitialSessionWindow > 0) {
            f.setInitialSessionRecvWindow(b.h2InitialSessionWindow); // explicit: no longer derived
        }
        f.setKeepalive(b.h2KeepaliveInterval, b.h2KeepaliveTimeout);
        f.setTrace(b.trace);
        return f;
    }

    /** A builder with the defaults: 127.0.0.1, a free cleartext port, no TLS. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening. */
    public H2wsServer start() throws Exception {
        server.start();
        if (cleartext != null) {
            LOG.info("listening http://{}:{} (http/1.1, h2c)", host, cleartext.getLocalPort());
        }
        if (tls != null) {
            LOG.info("listening https://{}:{} (h2, http/1.1)", host, tls.getLocalPort());
        }
        return this;
    }

    /** The cleartext port (HTTP/1.1 and h2c), or -1. */
    public int port() {
        return cleartext == null ? -1 : cleartext.getLocalPort();
    }

    /** The TLS port (ALPN h2 and http/1.1), or -1. */
    public int tlsPort() {
        return tls == null ? -1 : tls.getLocalPort();
    }

    /** The host the ports are bound to. */
    public String host() {
        return host;
    }

    /** SHA-256 fingerprint of the generated certificate, or null when a key store was given or TLS is off. */
    public String certificateFingerprint() {
        return fingerprint;
    }

    /** The limits this server applies. */
    public io.h2ws.server.ServerLimits limits() {
        return limits;
    }

    /** Bytes sockets hold now against the server's memory budget (send queues, received data); 0 without limits. */
    public long bufferedBytes() {
        io.h2ws.core.internal.socket.ByteBudget budget = openSockets.budget();
        return budget == null ? 0 : budget.used();
    }

    /** The most bytes sockets held at once against the server's memory budget; 0 without limits. */
    public long peakBufferedBytes() {
        io.h2ws.core.internal.socket.ByteBudget budget = openSockets.budget();
        return budget == null ? 0 : budget.peak();
    }

    /** Sockets accepted since the start, on every transport, open or not. */
    public long acceptedSockets() {
        return openSockets.accepted();
    }

    /** Sockets currently open, on every transport. */
    public int openSockets() {
        return openSockets.size();
    }

    /** Closes every socket with 1001 (waiting at most {@code timeout}), then stops listening. */
    public void stop(Duration timeout) throws Exception {
        openSockets.closeAll("server stopping", timeout);
        server.stop();
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(5));
    }

    private static NonWebSocketHandler pagesOverH2(Map<String, Page> pages) {
        return (stream, request, endStream) -> {
            String path = request.getHttpURI().getPath();
            Page page = pages.get(path);
            if (page == null || !"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
                NonWebSocketHandler.respond(stream, page == null ? 404 : 405, Map.of(), page == null ? "not found\n" : "method not allowed\n", endStream);
                return Stream.Listener.AUTO_DISCARD;
            }
            respondPage(stream, page, endStream);
            return Stream.Listener.AUTO_DISCARD;
        };
    }

    private static void respondPage(Stream stream, Page page, boolean endStream) {
        org.eclipse.jetty.http.HttpFields.Mutable fields = org.eclipse.jetty.http.HttpFields.build();
        fields.put("content-type", page.contentType());
        fields.put("content-length", String.valueOf(page.body().length));
        fields.put("cache-control", "no-store");
        org.eclipse.jetty.http.MetaData.Response response = new org.eclipse.jetty.http.MetaData.Response(200, null,
                org.eclipse.jetty.http.HttpVersion.HTTP_2, fields);
        stream.headers(new org.eclipse.jetty.http2.frames.HeadersFrame(stream.getId(), response, null, false),
                Callback.from(() -> stream.data(new org.eclipse.jetty.http2.frames.DataFrame(stream.getId(),
                        java.nio.ByteBuffer.wrap(page.body()), true), Callback.NOOP), x -> stream.reset(
                        new org.eclipse.jetty.http2.frames.ResetFrame(stream.getId(), 8), Callback.NOOP)));
    }

    private static Handler pagesOverH1(Map<String, Page> pages) {
        return new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Page page = pages.get(Request.getPathInContext(request));
                if (page == null) {
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, page.contentType());
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                response.write(true, java.nio.ByteBuffer.wrap(page.body()), callback);
                return true;
            }
        };
    }

    /** Builds an {@link H2wsServer}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private int tlsPort = -1;
        private KeyStore keyStore;
        private char[] keyStorePassword;
        private final List<Endpoint> endpoints = new java.util.ArrayList<>();
        private final Map<String, Page> pages = new LinkedHashMap<>();
        private int maxConcurrentStreams = H2ServerConnectionFactory.DEFAULT_MAX_CONCURRENT_STREAMS;
        private int h2MaxFrameSize = io.h2ws.h2.internal.H2FrameSettings.MIN_MAX_FRAME_SIZE;
        private int h2InitialStreamWindow = H2ServerConnectionFactory.DEFAULT_STREAM_RECV_WINDOW;
        private int h2InitialSessionWindow = 0; // derived
        private int maxThreads = 200;
        private Duration stopTimeout = Duration.ofSeconds(5);
        private io.h2ws.trace.TraceListener trace;
        private int requestHeaderSize = 8192;
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private Duration h2KeepaliveInterval;
        private Duration h2KeepaliveTimeout;
        private io.h2ws.server.ServerLimits limits = io.h2ws.server.ServerLimits.defaults();
        private long bufferPoolMemory = 0; // Jetty's heuristic
        private int maxAcceptRate = 0;

        private Builder() {}

        /**
         * Everything the server lets its peers commit at once: idle timeout, socket and connection
         * limits, memory per connection and per server. Default {@link io.h2ws.server.ServerLimits#defaults()};
         * {@link io.h2ws.server.ServerLimits#UNLIMITED} turns every limit off.
         */
        public Builder limits(io.h2ws.server.ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * A socket with no frame either way for this long is closed with 1001 (RFC 6455 section
         * 7.4.1), on both transports; default 120 s, {@link Duration#ZERO} for never. An endpoint's
         * own non-zero {@link WebSocketOptions#idleTimeout} wins. With keepalive pings (the
         * endpoint's {@code pingInterval}) a socket is never idle; lengthen this or turn it off
         * to keep silent sockets open.
         */
        public Builder idleTimeout(Duration timeout) {
            this.limits = limits.withIdleTimeout(Objects.requireNonNull(timeout, "timeout"));
            return this;
        }

        /**
         * Bytes Jetty's buffer pool may keep for reuse, each of heap and direct; 0 (the default)
         * for Jetty's choice (an eighth of the heap each), negative for no bound.
         */
        public Builder bufferPoolMemory(long bytes) {
            this.bufferPoolMemory = bytes;
            return this;
        }

        /** New connections accepted per second at most, all ports together; 0 (the default) for no limit. */
        public Builder maxAcceptRate(int perSecond) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("maxAcceptRate must not be negative: " + perSecond);
            }
            this.maxAcceptRate = perSecond;
            return this;
        }

        /**
         * HTTP/2 PING keepalive per connection (h2 and h2c): while a connection carries at least
         * one socket, the server sends a PING {@code interval} after the previous one was
         * answered; if its ACK is not back within {@code timeout}, the client is taken for dead
         * (it vanished without FIN or RST: a crashed host, a dropped NAT mapping), the connection is
         * closed and every socket on it ends with {@code onClose(1006, ...)}, so its resources are
         * reclaimed. One PING covers all the sockets of a connection; for HTTP/1.1 sockets use
         * the per-socket {@link WebSocketOptions#pingInterval} instead.
         *
         * <p>Off by default (null or zero interval), like {@code pingInterval}: nothing is sent that
         * the application did not ask for, and the right interval depends on the network between
         * server and clients. Suggested for a public server: 30 s with a 10 s timeout. A connection
         * without sockets is not pinged: Jetty's idle timeout closes it. The interval must be at
         * least 20 ms (at most 50 PINGs a second; Jetty's servers allow 128 control frames a second
         * by default, Jetty's client does not count them).
         *
         * @param interval time from an answered PING to the next one; null or zero for off
         * @param timeout  time the PING's ACK may take
         */
        public Builder h2Keepalive(Duration interval, Duration timeout) {
            if (interval != null && !interval.isZero()) {
                // the factory's checks, here so that a bad value fails at the builder
                if (interval.compareTo(H2ServerConnectionFactory.MIN_KEEPALIVE_INTERVAL) < 0) {
                    throw new IllegalArgumentException("h2Keepalive interval must be zero (off) or at least "
                            + H2ServerConnectionFactory.MIN_KEEPALIVE_INTERVAL.toMillis() + " ms: " + interval);
                }
                if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                    throw new IllegalArgumentException("h2Keepalive timeout must be positive: " + timeout);
                }
            }
            this.h2KeepaliveInterval = interval;
            this.h2KeepaliveTimeout = timeout;
            return this;
        }

        /**
         * Traces what this server sees on every transport: HTTP/2 frames, HTTP/1.1 handshake lines
         * and WebSocket frames ({@code spec-notes/trace.md}); null (the default) traces nothing.
         */
        public Builder trace(io.h2ws.trace.TraceListener trace) {
            this.trace = trace;
            return this;
        }

        /** The address to bind; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** The cleartext port (0 picks a free one, -1 disables it); default 0. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The TLS port (0 picks a free one, -1 disables TLS); default -1. */
        public Builder tlsPort(int port) {
            this.tlsPort = port;
            return this;
        }

        /** The key store for TLS; without one a self-signed certificate is generated at start. */
        public Builder keyStore(KeyStore keyStore, char[] password) {
            this.keyStore = keyStore;
            this.keyStorePassword = password;
            return this;
        }

        /** Registers an endpoint, served over every transport. */
        public Builder endpoint(Endpoint endpoint) {
            endpoints.add(Objects.requireNonNull(endpoint));
            return this;
        }

        /** Serves a static page at {@code path} on every transport. */
        public Builder page(String path, Page page) {
            pages.put(path, page);
            return this;
        }

        /**
         * SETTINGS_MAX_CONCURRENT_STREAMS: sockets per HTTP/2 connection (default 1024). A client
         * that opens more gets its extra streams refused with RST_STREAM(REFUSED_STREAM); the
         * connection and its other streams go on. It also sets Jetty's rate limit (2 x streams
         * resets and other control frames per second) that answers a rapid-reset flood with GOAWAY.
         */
        public Builder maxConcurrentStreams(int streams) {
            if (streams <= 0) {
                throw new IllegalArgumentException("maxConcurrentStreams must be positive: " + streams);
            }
            this.maxConcurrentStreams = streams;
            return this;
        }

        /**
         * SETTINGS_MAX_FRAME_SIZE the server advertises on h2 and h2c: the largest DATA frame a
         * client may send it (and the largest frame it accepts). Default 16,384, the HTTP/2
         * default; 16,384..16,777,215 (RFC 9113 section 6.5.2).
         *
         * <p>The trade-off: a frame on the wire cannot be interleaved with others, so while a
         * client's socket uploads in big frames, the small messages of its other sockets on the
         * same connection wait behind a whole frame (head-of-line blocking inside the connection);
         * small frames cost a 9-byte header and a flusher pass per 16 KiB instead. Measured in
         * {@code spec-notes/benchmarks.md}, "Head-of-line: frame size". What the server sends is
         * cut to the client's value instead, and h2ws hands Jetty at most 64 KiB per socket
         * write, which bounds a frame in both directions as well.
         */
        public Builder h2MaxFrameSize(int bytes) {
            this.h2MaxFrameSize = io.h2ws.h2.internal.H2FrameSettings.requireMaxFrameSize(bytes, "h2MaxFrameSize");
            return this;
        }

        /**
         * SETTINGS_INITIAL_WINDOW_SIZE: each HTTP/2 socket's receive window, what a client may
         * have in flight on one socket and what one socket that is not read leaves buffered here.
         * Default 256 KiB; 1..2^31-1. A socket's upload rate is at most window / round trip, so a
         * bulk uploader over a long path wants more; every open socket may hold that much, so a
         * server with many sockets wants less. Unless {@link #h2InitialSessionWindow} is set, the
         * connection window follows it (sockets x window, at most a quarter of
         * {@link io.h2ws.server.ServerLimits#connectionMemory()}).
         */
        public Builder h2InitialStreamWindow(int bytes) {
            this.h2InitialStreamWindow = io.h2ws.h2.internal.H2FrameSettings.requireStreamWindow(bytes, "h2InitialStreamWindow");
            return this;
        }

        /**
         * The connection receive window, for all the sockets of a connection together, instead of
         * the derived one ({@link #h2InitialStreamWindow}). 65,535..2^31-1: the window starts at
         * 65,535 and can only grow (RFC 9113 section 6.9.2). A value below sockets x stream
         * window lets a few sockets that are not read starve their siblings, since credit comes
         * back only as data is consumed.
         */
        public Builder h2InitialSessionWindow(int bytes) {
            this.h2InitialSessionWindow = io.h2ws.h2.internal.H2FrameSettings.requireSessionWindow(bytes, "h2InitialSessionWindow");
            return this;
        }

        /**
         * Largest request head (request line and header fields) in bytes; default 8192 (Jetty's).
         * Above it an HTTP/1.1 upgrade request gets 431 and the connection closes; on HTTP/2 it
         * bounds the decoded header list of a request.
         */
        public Builder requestHeaderSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("requestHeaderSize below 1024 bytes: " + bytes);
            }
            this.requestHeaderSize = bytes;
            return this;
        }

        /**
         * How long a new connection may take for its TLS/ALPN negotiation and its first request
         * head (for a WebSocket, the whole opening handshake request), and how long any later
         * request head may stay incomplete; then it is closed. Default 30 s. This is what stops a
         * slowloris: Jetty's idle timeout restarts with every byte, this deadline does not.
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Jetty's thread pool size. */
        public Builder maxThreads(int threads) {
            this.maxThreads = threads;
            return this;
        }

        public H2wsServer build() {
            if (port < 0 && tlsPort < 0) {
                throw new IllegalStateException("neither a cleartext nor a TLS port");
            }
            return new H2wsServer(this);
        }
    }
}
