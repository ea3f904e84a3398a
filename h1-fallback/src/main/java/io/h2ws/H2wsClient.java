package io.h2ws;

import java.time.Duration;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.util.thread.QueuedThreadPool;

import io.h2ws.client.ClientBuilder;
import io.h2ws.client.H2Connections;
import io.h2ws.internal.h1.H1Connector;
import io.h2ws.h2.internal.H2Connector;
import io.h2ws.socket.WebSocketOptions;

/**
 * The h2ws client: one HTTP/2 connection per origin shared by every socket to it, HTTP/1.1
 * Upgrade where HTTP/2 is not offered, and one {@link ClientBuilder} per socket in the JDK's
 * style. Create one per application and {@link #close} it at the end: with {@link #create()} and
 * its overloads, or with {@link #builder()} for the settings that have no overload.
 */
public final class H2wsClient implements AutoCloseable {

    private final H1Connector h1;
    private final H2Connector h2;
    private final AutoConnector auto;
    /** The shared pool when the builder set {@code maxThreads}; null when each connector has its own. */
    private final QueuedThreadPool threads;

    private H2wsClient(Builder b) throws Exception {
        if (b.maxThreads > 0) {
            threads = new QueuedThreadPool(b.maxThreads, 1);
            threads.setName("h2ws-client");
            threads.setDaemon(true);
            // no idle threads kept back for Jetty's hand-overs: each of maxThreads - 2 can run a listener
            threads.setReservedThreads(0);
            threads.start();
        } else {
            threads = null;
        }
        try {
            this.h1 = new H1Connector(b.sslContext, threads);
            h1.setTrace(b.trace);
            this.h2 = H2Connector.builder().sslContext(b.sslContext).trace(b.trace).stats(b.stats).executor(threads)
                    .keepalive(b.h2KeepaliveInterval, b.h2KeepaliveTimeout)
                    .maxFrameSize(b.h2MaxFrameSize).streamRecvWindow(b.h2InitialStreamWindow)
                    .sessionRecvWindow(b.h2InitialSessionWindow).build();
            h1.start();
        } catch (Exception | Error e) {
            if (threads != null) {
                threads.stop();
            }
            throw e;
        }
        this.auto = new AutoConnector(h1, h2);
    }

    /** A builder with the defaults of {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A client trusting the JDK's default trust store. */
    public static H2wsClient create() throws Exception {
        return builder().build();
    }

    /** A client whose TLS uses {@code sslContext} (e.g. to trust a self-signed certificate). */
    public static H2wsClient create(SSLContext sslContext) throws Exception {
        return builder().sslContext(sslContext).build();
    }

    /**
     * A client that traces what it sees: HTTP/2 frames, HTTP/1.1 handshake lines and WebSocket
     * frames of every socket ({@code spec-notes/trace.md}).
     *
     * @param sslContext the TLS context, or null for the JDK default
     * @param trace      where the events go, e.g. a {@link io.h2ws.trace.JsonLinesTraceWriter}; null for none
     */
    public static H2wsClient create(SSLContext sslContext, io.h2ws.trace.TraceListener trace) throws Exception {
        return builder().sslContext(sslContext).trace(trace).build();
    }

    /**
     * As {@link #create(SSLContext, io.h2ws.trace.TraceListener)}, and with {@code stats} the
     * HTTP/2 statistics without a trace: frames per connection ({@link H2Connector#connectionStats()})
     * and flow-control blocked time in each HTTP/2 socket's {@code stats()}. A trace implies them.
     */
    public static H2wsClient create(SSLContext sslContext, io.h2ws.trace.TraceListener trace, boolean stats) throws Exception {
        return builder().sslContext(sslContext).trace(trace).stats(stats).build();
    }


    /** A builder for one socket; its transport defaults to AUTO. */
    public ClientBuilder newWebSocketBuilder() {
        return new ClientBuilder(auto);
    }

    /** The HTTP/2 side, for its statistics (connections per origin, bytes and frames, PING round trips). */
    public H2Connections h2() {
        return h2;
    }

    /** Closes every connection of this client, then stops its threads. */
    @Override
    public void close() throws Exception {
        try {
            h2.stop();
            h1.stop();
        } finally {
            if (threads != null) {
                threads.stop();
            }
        }
    }

    /** Builds an {@link H2wsClient}; every setting is optional. */
    public static final class Builder {
        private SSLContext sslContext;
        private io.h2ws.trace.TraceListener trace;
        private boolean stats;
        private int maxThreads;
        private Duration h2KeepaliveInterval;
        private Duration h2KeepaliveTimeout;
        private int h2MaxFrameSize = io.h2ws.h2.internal.H2FrameSettings.MIN_MAX_FRAME_SIZE;
        private int h2InitialStreamWindow = io.h2ws.h2.internal.H2ServerConnectionFactory.DEFAULT_STREAM_RECV_WINDOW;
        private int h2InitialSessionWindow = H2Connector.DEFAULT_SESSION_RECV_WINDOW;

        private Builder() {}

        /** The TLS context (e.g. trusting a self-signed certificate); null for the JDK default. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /** Where trace events go ({@code spec-notes/trace.md}); null for none. */
        public Builder trace(io.h2ws.trace.TraceListener trace) {
            this.trace = trace;
            return this;
        }

        /** HTTP/2 frame counts and flow-control blocked time without a trace; a trace implies them. */
        public Builder stats(boolean stats) {
            this.stats = stats;
            return this;
        }

        /**
         * One pool of at most {@code threads} daemon threads ({@code h2ws-client-*}) for both
         * transports, instead of a pool of up to 200 per transport (the default). Two of them are
         * the selectors (HTTP/1.1 and HTTP/2), held for as long as the client runs; the others
         * read and run the listener calls, so {@code threads - 2} listeners can block at once
         * before the client stops reading. Then no socket reads until one returns, while connect
         * and close timeouts still fire (they run on h2ws's own timer thread); see
         * {@code spec-notes/api.md}, "Threads".
         *
         * @param threads at least 4 (two selectors, two threads to read and run listeners); 0 for
         *                the default
         */
        public Builder maxThreads(int threads) {
            if (threads != 0 && threads < MIN_THREADS) {
                throw new IllegalArgumentException("maxThreads must be 0 (the default) or at least " + MIN_THREADS + ": " + threads);
            }
            this.maxThreads = threads;
            return this;
        }

        /**
         * HTTP/2 PING keepalive per connection ({@link H2Connector.Builder#keepalive}): a server that
         * does not answer a PING within {@code timeout} is taken for dead, its connection is closed,
         * every socket on it ends with 1006 and the next socket opens a new connection. Off by
         * default (null or zero interval). HTTP/1.1 sockets are not affected: they have the
         * per-socket {@link WebSocketOptions#pingInterval}.
         */
        public Builder h2Keepalive(Duration interval, Duration timeout) {
            H2Connector.builder().keepalive(interval, timeout); // checks the values now
            this.h2KeepaliveInterval = interval;
            this.h2KeepaliveTimeout = timeout;
            return this;
        }

        /**
         * SETTINGS_MAX_FRAME_SIZE the client advertises: the largest DATA frame a server may send
         * it. Default 16,384, the HTTP/2 default; 16,384..16,777,215 (RFC 9113 section 6.5.2).
         * A frame on the wire cannot be interleaved, so while one socket downloads in big frames
         * the small messages of the other sockets of its connection wait behind a whole frame;
         * small frames cost a frame header and a flusher pass per 16 KiB instead (measured in
         * {@code spec-notes/benchmarks.md}, "Head-of-line: frame size"). What the client sends
         * is cut to the server's value; h2ws also hands Jetty at most 64 KiB per socket write.
         */
        public Builder h2MaxFrameSize(int bytes) {
            this.h2MaxFrameSize = io.h2ws.h2.internal.H2FrameSettings.requireMaxFrameSize(bytes, "h2MaxFrameSize");
            return this;
        }

        /**
         * SETTINGS_INITIAL_WINDOW_SIZE: each HTTP/2 socket's receive window, what the server may
         * have in flight on one socket and what a socket that is not read leaves buffered. Default
         * 256 KiB; 1..2^31-1. A socket's download rate is at most window / round trip.
         */
        public Builder h2InitialStreamWindow(int bytes) {
            this.h2InitialStreamWindow = io.h2ws.h2.internal.H2FrameSettings.requireStreamWindow(bytes, "h2InitialStreamWindow");
            return this;
        }

        /**
         * The connection receive window, for all sockets of a connection together. Default 1 GiB,
         * so that sockets that stop reading cannot starve their siblings (the stream windows bound
         * the memory); 65,535..2^31-1 (the window starts at 65,535 and can only grow, RFC 9113
         * section 6.9.2).
         */
        public Builder h2InitialSessionWindow(int bytes) {
            this.h2InitialSessionWindow = io.h2ws.h2.internal.H2FrameSettings.requireSessionWindow(bytes, "h2InitialSessionWindow");
            return this;
        }

        /** Starts the client. */
        public H2wsClient build() throws Exception {
            return new H2wsClient(this);
        }
    }

    /** The smallest {@code maxThreads}: two selectors plus two threads to read and run listeners. */
    static final int MIN_THREADS = 4;
}
