package io.h2ws.h1;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.BufferUtil;
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
import io.h2ws.core.handshake.AcceptKey;
import io.h2ws.client.ClientHandshake;
import io.h2ws.core.handshake.HandshakeException;
import io.h2ws.core.handshake.HandshakeHeaders;
import io.h2ws.core.handshake.HeaderTokens;
import io.h2ws.core.session.RealWebSocket;
import io.h2ws.core.Role;
import io.h2ws.core.session.Timers;
import io.h2ws.core.wire.Rfc6455Mapping;

/**
 * The client side of the RFC 6455 section 4.1 opening handshake over TCP or TLS (JDK JSSE through
 * Jetty's {@link ClientConnector}), one connection per socket. It sends the GET with Upgrade,
 * reads the response head incrementally (at most {@link #MAX_RESPONSE_HEAD} bytes) and fails the
 * future with a {@link HandshakeFailedException} on any answer section 4.1 says to fail on; bytes
 * after the head are the first WebSocket bytes. Call {@link #start()} before use and
 * {@link #stop()} when done.
 */
public final class H1Connector implements Connector {

    private static final Logger LOG = LoggerFactory.getLogger(H1Connector.class);

    /** The largest response head accepted; a server sending more is broken or hostile. */
    public static final int MAX_RESPONSE_HEAD = 16 * 1024;
    /** Bound on connecting plus the handshake when the request names none. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ClientConnector clientConnector;
    private final SecureRandom random = new SecureRandom();
    private volatile io.h2ws.trace.TraceListener trace;

    /** A connector whose TLS trusts the JDK's default trust store. */
    public H1Connector() {
        this(null);
    }

    /**
     * @param sslContext the TLS context for wss URIs, or null for the JDK default; host names are
     *                   verified either way
     */
    public H1Connector(SSLContext sslContext) {
        this(sslContext, null);
    }

    /**
     * A connector whose I/O runs on {@code executor}: its selector (one thread for as long as the
     * connector runs) and every read, and so every listener call of its sockets, which runs on the
     * thread that read the bytes. A listener that blocks holds that thread and its own socket's
     * reading; with every thread held, no socket of this connector reads until one returns, while
     * connect and close timeouts still fire (on h2ws's own timer thread). See
     * {@code spec-notes/api.md}, "Threads".
     *
     * @param sslContext the TLS context for wss URIs, or null for the JDK default
     * @param executor   the threads, e.g. a Jetty {@link QueuedThreadPool}; the caller starts it
     *                   before {@link #start} and stops it after {@link #stop}. Null for a pool of
     *                   the connector's own (up to 200 daemon threads named {@code h2ws-h1-client})
     */
    public H1Connector(SSLContext sslContext, Executor executor) {
        clientConnector = new ClientConnector();
        if (executor == null) {
            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setName("h2ws-h1-client");
            threads.setDaemon(true);
            executor = threads;
        }
        clientConnector.setExecutor(executor);
        SslContextFactory.Client tls = new SslContextFactory.Client();
        if (sslContext != null) {
            tls.setSslContext(sslContext);
        }
        clientConnector.setSslContextFactory(tls);
        // each attempt has its own timer; this only bounds sockets abandoned by a timed-out attempt
        clientConnector.setConnectTimeout(Duration.ofSeconds(60));
        // covers the handshake only: the carrier replaces it with the socket's idle timeout
        clientConnector.setIdleTimeout(Duration.ofSeconds(60));
    }

    /** Traces each handshake's request and status lines and each socket's frames; null for none. */
    public void setTrace(io.h2ws.trace.TraceListener trace) {
        this.trace = trace;
    }

    /** Starts the selector and threads; call once before {@link #connect}. */
    public void start() throws Exception {
        clientConnector.start();
    }

    /** Stops the selector and threads, closing every connection still open. */
    public void stop() throws Exception {
        clientConnector.stop();
    }

    @Override
    public CompletableFuture<H2wsSocket> connect(ClientRequest request, WebSocket.Listener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        CompletableFuture<H2wsSocket> future = new CompletableFuture<>();
        if (request.transport() == Transport.H2) {
            future.completeExceptionally(new IllegalArgumentException("H1Connector speaks HTTP/1.1 only, not " + request.transport()));
            return future;
        }
        if (!clientConnector.isStarted()) {
            future.completeExceptionally(new IllegalStateException("H1Connector is not started"));
            return future;
        }
        Attempt attempt = new Attempt(request, listener, AcceptKey.newClientKey(random), future);
        Duration timeout = request.connectTimeout() != null ? request.connectTimeout() : DEFAULT_CONNECT_TIMEOUT;
        ScheduledFuture<?> timer = Timers.shared().schedule(() -> attempt.fail(new HttpConnectTimeoutException(
                request.uri() + ": no WebSocket handshake within " + timeout)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        future.whenComplete((s, e) -> timer.cancel(false));

        Map<String, Object> context = new ConcurrentHashMap<>();
        context.put(org.eclipse.jetty.io.Transport.CONTEXT_KEY, org.eclipse.jetty.io.Transport.TCP_IP);
        ClientConnectionFactory factory = attempt;
        if (request.secure()) {
            factory = new SslClientConnectionFactory(clientConnector.getSslContextFactory(),
                    clientConnector.getByteBufferPool(), clientConnector.getExecutor(), factory) {
                @Override
                public Connection customize(Connection connection, Map<String, Object> ctx) {
                    if (connection instanceof SslConnection ssl) {
                        // the TLS failure reaches us before the close it causes, which would otherwise
                        // be reported as a bare "connection closed"
                        ssl.addHandshakeListener(new SslHandshakeListener() {
                            @Override
                            public void handshakeFailed(Event event, Throwable failure) {
                                attempt.fail(attempt.describe(failure, "TLS handshake failed"));
                            }
                        });
                    }
                    return super.customize(connection, ctx);
                }
            };
        }
        context.put(ClientConnectionFactory.CONTEXT_KEY, factory);
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, Promise.from(c -> { }, attempt::connectFailed));
        String host = request.uri().getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            clientConnector.connect(new InetSocketAddress(host, request.port()), context);
        } catch (RuntimeException e) {
            attempt.connectFailed(e);
        }
        return future;
    }

    /** One connection attempt: the TCP/TLS connect, the handshake, then the socket. */
    private final class Attempt implements ClientConnectionFactory {
        private final ClientRequest request;
        private final URI uri;
        private final WebSocket.Listener listener;
        private final String key;
        private final CompletableFuture<H2wsSocket> future;
        private volatile EndPoint endPoint;
        private final io.h2ws.trace.TraceListener trace = H1Connector.this.trace;
        private final String traceConn = trace == null ? null : io.h2ws.trace.TraceIds.nextConnection();
        private final String traceSocket = trace == null ? null : io.h2ws.trace.TraceIds.nextSocket();

        void traceLine(boolean out, String line) {
            if (trace != null) {
                io.h2ws.trace.TraceListener.safely(trace, new io.h2ws.trace.TraceEvent.Http1(System.nanoTime(), traceConn,
                        traceSocket, out, line));
            }
        }

        Attempt(ClientRequest request, WebSocket.Listener listener, String key, CompletableFuture<H2wsSocket> future) {
            this.request = request;
            this.uri = request.uri();
            this.listener = listener;
            this.key = key;
            this.future = future;
        }

        @Override
        public Connection newConnection(EndPoint endPoint, Map<String, Object> context) {
            this.endPoint = endPoint;
            return new HandshakeConnection(endPoint, this);
        }

        void connectFailed(Throwable cause) {
            fail(describe(cause, "cannot connect"));
        }

        /** The failure as an IOException naming the URI, keeping its kind (TLS, refused, timeout). */
        IOException describe(Throwable cause, String what) {
            if (cause instanceof HandshakeFailedException || cause instanceof HttpConnectTimeoutException) {
                return (IOException) cause;
            }
            String message = uri + ": " + what + ": " + cause.getMessage();
            IOException e;
            if (cause instanceof SSLHandshakeException) {
                e = new SSLHandshakeException(message);
            } else if (cause instanceof SSLException) {
                e = new SSLException(message);
            } else if (cause instanceof ConnectException) {
                e = new ConnectException(message);
            } else {
                e = new IOException(uri + ": " + what + ": " + cause);
            }
            e.initCause(cause);
            return e;
        }

        void fail(Throwable cause) {
            if (future.completeExceptionally(cause)) {
                LOG.debug("WebSocket handshake with {} failed", uri, cause);
                EndPoint ep = endPoint;
                if (ep != null) {
                    ep.close(cause);
                }
            }
        }

        ByteBuffer requestBytes() {
            StringBuilder sb = new StringBuilder(256);
            sb.append("GET ").append(request.pathAndQuery()).append(" HTTP/1.1\r\n");
            sb.append("Host: ").append(request.authority()).append("\r\n");
            sb.append("Upgrade: websocket\r\n");
            sb.append("Connection: Upgrade\r\n");
            sb.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
            sb.append("Sec-WebSocket-Version: ").append(HandshakeHeaders.VERSION).append("\r\n");
            if (!request.subprotocols().isEmpty()) {
                sb.append("Sec-WebSocket-Protocol: ").append(String.join(", ", request.subprotocols())).append("\r\n");
            }
            String extensions = ClientHandshake.extensionOffer(request);
            if (extensions != null) {
                sb.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
            }
            for (Map.Entry<String, String> h : request.headers()) {
                sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
            sb.append("\r\n");
            return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        }

        /** Checks the head (section 4.1, the client's rules for the response) and returns what was agreed. */
        ClientHandshake.Agreed check(ResponseHead head) throws HandshakeFailedException {
            if (head.status != 101) {
                throw new HandshakeFailedException(uri, head.status, "server refused the WebSocket handshake: "
                        + head.reasonPhrase + (head.bodyPrefix.isEmpty() ? "" : ": " + head.bodyPrefix));
            }
            if (!HeaderTokens.containsToken(head.values(HandshakeHeaders.UPGRADE), HandshakeHeaders.WEBSOCKET)) {
                throw new HandshakeFailedException(uri, -1, "101 response without Upgrade: websocket (RFC 6455 section 4.1)");
            }
            if (!HeaderTokens.containsToken(head.values(HandshakeHeaders.CONNECTION), "upgrade")) {
                throw new HandshakeFailedException(uri, -1, "101 response without Connection: Upgrade (RFC 6455 section 4.1)");
            }
            List<String> accepts = head.values(HandshakeHeaders.SEC_WEBSOCKET_ACCEPT);
            String expected = AcceptKey.accept(key);
            if (accepts.size() != 1 || !expected.equals(accepts.get(0).strip())) {
                throw new HandshakeFailedException(uri, -1, "Sec-WebSocket-Accept is " + (accepts.isEmpty() ? "missing"
                        : "wrong") + " (RFC 6455 section 4.1)");
            }
            try {
                ClientHandshake.Agreed agreed = ClientHandshake.check(request,
                        head.values(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL),
                        head.values(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS));
                return new ClientHandshake.Agreed(agreed.subprotocol().strip(), agreed.deflate());
            } catch (HandshakeException | IllegalArgumentException e) {
                throw new HandshakeFailedException(uri, -1, e.getMessage());
            }
        }
    }

    /** Speaks HTTP/1.1 until the 101, then hands the end point (and any early bytes) to an {@link EndPointCarrier}. */
    private final class HandshakeConnection extends AbstractConnection implements Connection.UpgradeFrom {
        private final Attempt attempt;
        private final ByteBuffer head = BufferUtil.allocate(MAX_RESPONSE_HEAD);
        private ByteBuffer leftover;
        private volatile boolean upgraded;

        HandshakeConnection(EndPoint endPoint, Attempt attempt) {
            super(endPoint, clientConnector.getExecutor());
            this.attempt = attempt;
        }

        @Override
        public void onOpen() {
            super.onOpen();
            if (attempt.future.isDone()) {
                getEndPoint().close();
                return;
            }
            attempt.traceLine(true, "GET " + attempt.request.pathAndQuery() + " HTTP/1.1");
            getEndPoint().write(Callback.from(this::fillInterested,
                    x -> attempt.fail(attempt.describe(x, "cannot send the handshake"))), attempt.requestBytes());
        }

        @Override
        public void onFillable() {
            try {
                while (true) {
                    int n = getEndPoint().fill(head);
                    if (n < 0) {
                        attempt.fail(new HandshakeFailedException(attempt.uri, -1,
                                "the server closed the connection before the end of its handshake response"));
                        return;
                    }
                    ResponseHead parsed = ResponseHead.parse(head, attempt.uri);
                    if (parsed != null) {
                        finish(parsed);
                        return;
                    }
                    if (head.limit() == head.capacity()) {
                        attempt.fail(new HandshakeFailedException(attempt.uri, -1,
                                "response head larger than " + MAX_RESPONSE_HEAD + " bytes"));
                        return;
                    }
                    if (n == 0) {
                        fillInterested();
                        return;
                    }
                }
            } catch (Throwable x) {
                attempt.fail(attempt.describe(x, "cannot read the handshake response"));
            }
        }

        private void finish(ResponseHead parsed) throws HandshakeFailedException {
            if (attempt.future.isDone()) {
                return; // timed out meanwhile: fail() closed the end point
            }
            attempt.traceLine(false, "HTTP/1.1 " + parsed.status + " " + parsed.reasonPhrase);
            ClientHandshake.Agreed agreed = attempt.check(parsed);
            ClientRequest request = attempt.request;
            EndPointCarrier carrier = new EndPointCarrier(getEndPoint(), clientConnector.getExecutor(),
                    clientConnector.getByteBufferPool(), Role.CLIENT, EndPointCarrier.backstopIdleTimeout(request.options()));
            RealWebSocket socket = new RealWebSocket(carrier, Role.CLIENT, new Rfc6455Mapping(Role.CLIENT),
                    attempt.listener, request.options(), agreed.subprotocol(), request.pathAndQuery(), 0, Timers.shared(),
                    agreed.deflate(), request.deflate());
            carrier.onOpened(() -> {
                if (attempt.trace != null) {
                    io.h2ws.core.session.SocketTracer.attach(attempt.trace, socket, attempt.traceConn, attempt.traceSocket,
                            io.h2ws.trace.TraceEvent.ABSENT, "client");
                }
                socket.start();
                if (!attempt.future.complete(socket)) {
                    socket.abort();
                }
            });
            leftover = head.slice(); // position was moved past the head by parse
            upgraded = true;
            getEndPoint().upgrade(carrier);
        }

        @Override
        public ByteBuffer onUpgradeFrom() {
            return leftover;
        }

        @Override
        public void onFillInterestedFailed(Throwable cause) {
            attempt.fail(attempt.describe(cause, "cannot read the handshake response"));
        }

        @Override
        public boolean onIdleExpired(TimeoutException timeout) {
            attempt.fail(new HttpConnectTimeoutException(attempt.uri + ": the server went quiet during the handshake"));
            return true;
        }

        @Override
        public void onClose(Throwable cause) {
            super.onClose(cause);
            if (!upgraded) {
                attempt.fail(cause != null ? attempt.describe(cause, "connection closed during the handshake")
                        : new IOException(attempt.uri + ": connection closed during the handshake"));
            }
        }
    }

    /** A parsed response head: status, reason phrase, fields by lower-case name. */
    private static final class ResponseHead {
        final int status;
        final String reasonPhrase;
        final Map<String, List<String>> fields;
        final String bodyPrefix;

        private ResponseHead(int status, String reasonPhrase, Map<String, List<String>> fields, String bodyPrefix) {
            this.status = status;
            this.reasonPhrase = reasonPhrase;
            this.fields = fields;
            this.bodyPrefix = bodyPrefix;
        }

        List<String> values(String lowerCaseName) {
            List<String> v = fields.get(lowerCaseName);
            return v == null ? List.of() : v;
        }

        /**
         * Parses the head if {@code buffer} holds all of it, moving the position past it so the
         * remaining bytes are what follows; null (position unchanged) if more is needed.
         */
        static ResponseHead parse(ByteBuffer buffer, URI uri) throws HandshakeFailedException {
            int start = buffer.position();
            int end = -1;
            int bodyStart = -1;
            for (int i = start; i < buffer.limit(); i++) {
                if (buffer.get(i) != '\n') {
                    continue;
                }
                // a blank line ends the head; bare LF is tolerated as RFC 9112 section 2.2 allows
                if (i + 1 < buffer.limit() && buffer.get(i + 1) == '\n') {
                    end = i;
                    bodyStart = i + 2;
                    break;
                }
                if (i + 2 < buffer.limit() && buffer.get(i + 1) == '\r' && buffer.get(i + 2) == '\n') {
                    end = i;
                    bodyStart = i + 3;
                    break;
                }
            }
            if (end < 0) {
                return null;
            }
            byte[] bytes = new byte[end - start];
            buffer.duplicate().position(start).limit(end).slice().get(bytes);
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r?\n", -1);
            String statusLine = lines[0];
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new HandshakeFailedException(uri, -1, "not an HTTP/1.1 status line: \"" + printable(statusLine) + "\"");
            }
            int status;
            try {
                status = Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new HandshakeFailedException(uri, -1, "bad status in \"" + printable(statusLine) + "\"");
            }
            String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
            Map<String, List<String>> fields = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int colon = line.indexOf(':');
                if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t' || colon <= 0
                        || !HeaderTokens.isToken(line.substring(0, colon))) {
                    throw new HandshakeFailedException(uri, -1, "malformed response header line \"" + printable(line) + "\"");
                }
                String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
                fields.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
            }
            buffer.position(bodyStart);
            String bodyPrefix = "";
            if (status != 101 && buffer.hasRemaining()) {
                byte[] b = new byte[Math.min(buffer.remaining(), 256)];
                buffer.duplicate().get(b);
                bodyPrefix = printable(new String(b, StandardCharsets.UTF_8).strip());
            }
            return new ResponseHead(status, reason, fields, bodyPrefix);
        }

        private static String printable(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                sb.append(c >= 0x20 && c != 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
            }
            return sb.toString();
        }
    }
}
