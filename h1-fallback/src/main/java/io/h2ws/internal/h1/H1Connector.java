package io.h2ws.internal.h1;

import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.Connector;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.handshake.AcceptKey;
import io.h2ws.core.internal.socket.Timers;

/**
 * The client side of the RFC 6455 section 4.1 opening handshake over TCP or TLS (JDK JSSE through
 * Jetty's {@link ClientConnector}), one connection per socket. It sends the GET with Upgrade,
 * reads the response head incrementally (at most {@link #MAX_RESPONSE_HEAD} bytes) and fails the
 * future with a {@link HandshakeFailedException} on any answer section 4.1 says to fail on; bytes
 * after the head are the first WebSocket bytes. Call {@link #start()} before use and
 * {@link #stop()} when done.
 */
public final class H1Connector implements Connector {

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
        Attempt attempt = new Attempt(request, listener, AcceptKey.newClientKey(random), future, clientConnector, trace);
        Duration timeout = request.connectTimeout() != null ? request.connectTimeout() : DEFAULT_CONNECT_TIMEOUT;
        ScheduledFuture<?> timer = Timers.shared().schedule(() -> attempt.fail(new HttpConnectTimeoutException(
                request.uri() + ": no WebSocket handshake within " + timeout)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        future.whenComplete((s, e) -> timer.cancel(false));
        attempt.connect();
        return future;
    }
}
