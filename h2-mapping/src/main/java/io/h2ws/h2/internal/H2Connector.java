package io.h2ws.h2.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.Connector;
import io.h2ws.client.H2Connections;
import io.h2ws.client.ExtendedConnectNotSupportedException;

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
public final class H2Connector implements Connector, H2Connections, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2Connector.class);

    /** What a new socket does when every connection to its origin is at the server's stream limit. */
    public enum StreamLimitPolicy {
        /** Wait for a stream to close on an existing connection (bounded by the connect timeout). */
        WAIT,
        /** Open another connection to the origin (up to {@link Builder#maxConnectionsPerOrigin}). */
        NEW_CONNECTION
    }

    /** Default connection receive window: 1 GiB ({@link Builder#sessionRecvWindow} says why so large). */
    public static final int DEFAULT_SESSION_RECV_WINDOW = 1 << 30;

    /** How long {@link #close} waits for its connections to end before it stops the threads. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final HTTP2Client client;
    private final Duration connectTimeout;
    private final H2ConnectionPool pool;

    /** A connector with the defaults: JDK trust store, 10 s connect timeout, {@link StreamLimitPolicy#WAIT}. */
    public H2Connector() {
        this(builder());
    }

    private H2Connector(Builder b) {
        this.connectTimeout = b.connectTimeout;
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client sslContextFactory = new SslContextFactory.Client();
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
        client.setInitialSessionRecvWindow(b.sessionRecvWindow);
        // advertised as SETTINGS_MAX_FRAME_SIZE (when not 16384) and the largest frame the parser accepts
        client.setMaxFrameSize(b.maxFrameSize);
        client.addEventListener(DirectOutputFix.INSTANCE); // Jetty's HTTP/2 output would aggregate into heap buffers
        io.h2ws.h2.internal.trace.H2Tracer tracer = b.trace == null && !b.stats ? null : io.h2ws.h2.internal.trace.H2Tracer.install(client, b.trace);
        pool = new H2ConnectionPool(client, sslContextFactory, b.policy, b.maxConnectionsPerOrigin,
                b.keepaliveInterval, b.keepaliveTimeout, tracer);
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
        if (pool.isClosed()) {
            result.completeExceptionally(new IOException(request.uri() + ": connector closed"));
            return result;
        }
        Duration timeout = request.connectTimeout() != null ? request.connectTimeout() : connectTimeout;
        ExtendedConnectAttempt attempt = new ExtendedConnectAttempt(request, listener, result, pool.tracer);
        attempt.armTimeout(timeout);
        pool.origin(request).acquire(attempt);
        return result;
    }

    /** Open (or opening) HTTP/2 connections to the origin of {@code uri}: for tests and statistics. */
    @Override
    public int connectionCount(URI uri) {
        return pool.connectionCount(uri);
    }

    /**
     * Statistics of every open HTTP/2 connection, to any origin: bytes each way always; frames
     * each way and the connection window's blocked time when built with {@link Builder#stats} or a
     * trace (else -1 frames and 0 ns); PING round trips measured by {@link #ping}.
     */
    @Override
    public List<io.h2ws.trace.ConnectionStats> connectionStats() {
        List<io.h2ws.trace.ConnectionStats> all = new ArrayList<>();
        for (ClientConnection c : pool.connections()) {
            Session session = c.session;
            if (session != null) {
                all.add(c.stats(session));
            }
        }
        return all;
    }

    /**
     * Sends an HTTP/2 PING on each open connection to the origin of {@code uri} and completes with
     * the first connection's round trip (from the write request to the reply's arrival). Fails
     * when there is no open connection to that origin.
     */
    @Override
    public CompletableFuture<Duration> ping(URI uri) {
        CompletableFuture<Duration> first = null;
        for (ClientConnection c : pool.connections(uri)) {
            if (c.session != null && c.state == ClientConnection.State.READY) {
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
    @Override
    public int connectionCount() {
        return pool.connectionCount();
    }

    /** Stops the HTTP/2 client: open sockets end with 1006, waiting ones fail. Idempotent. */
    @Override
    public void close() {
        if (pool.isClosed()) {
            return;
        }
        pool.close();
        // Close the connections while the client's threads still run: the sockets' last listener
        // calls are offered to those threads, and a pool that stops first rejects them (Jetty then
        // logs a stack trace per socket, which compare did at every teardown).
        pool.closeConnections(CLOSE_GRACE);
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
        private int sessionRecvWindow = DEFAULT_SESSION_RECV_WINDOW;
        private int maxFrameSize = H2FrameSettings.MIN_MAX_FRAME_SIZE;
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
         * {@link io.h2ws.socket.WebSocketOptions#pingInterval}: nothing is sent that the application did
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

        /**
         * SETTINGS_INITIAL_WINDOW_SIZE: per-stream receive window, what one socket that stops
         * reading leaves buffered here, and what the server may have in flight on one socket (so
         * one socket's download rate is at most window / round trip). Default 256 KiB; 1..2^31-1.
         */
        public Builder streamRecvWindow(int bytes) {
            this.streamRecvWindow = H2FrameSettings.requireStreamWindow(bytes, "streamRecvWindow");
            return this;
        }

        /**
         * The connection's receive window, for all its streams together. Default 1 GiB: Jetty
         * returns connection credit only as a stream's data is consumed, so a small one would let
         * a few sockets that stop reading starve every other socket of the connection; the
         * streams' windows bound what is buffered. 65,535..2^31-1 ({@link H2FrameSettings#MIN_SESSION_WINDOW}).
         */
        public Builder sessionRecvWindow(int bytes) {
            this.sessionRecvWindow = H2FrameSettings.requireSessionWindow(bytes, "sessionRecvWindow");
            return this;
        }

        /**
         * SETTINGS_MAX_FRAME_SIZE we advertise: the largest DATA frame the server may send us
         * (and the largest frame we accept). Default 16,384; 16,384..16,777,215 (RFC 9113 section
         * 6.5.2). Larger frames mean fewer frame headers for a bulk download, but each one holds
         * the connection for longer, so small messages of other sockets wait behind it
         * (head-of-line blocking inside the connection). The frames we send are cut to the
         * server's value, not this one; and h2ws hands Jetty at most 64 KiB per socket write,
         * which bounds a frame as well.
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = H2FrameSettings.requireMaxFrameSize(bytes, "maxFrameSize");
            return this;
        }

        public H2Connector build() {
            return new H2Connector(this);
        }
    }

    @Override
    public String toString() {
        return "H2Connector" + pool;
    }
}
