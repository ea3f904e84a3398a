package io.h2ws.internal.h1;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.core.internal.handshake.ClientHandshake;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.handshake.Http1ResponseHead;
import io.h2ws.core.internal.handshake.Rfc6455ClientHandshake;
import io.h2ws.trace.TraceListener;

/** One connection attempt of an {@link H1Connector}: the TCP/TLS connect, the handshake, then the socket. */
final class Attempt implements ClientConnectionFactory {

    // the connector's category: users who turn on its debug log expect the handshake failures there
    private static final Logger LOG = LoggerFactory.getLogger(H1Connector.class);

    final ClientRequest request;
    final URI uri;
    final WebSocket.Listener listener;
    final CompletableFuture<H2wsSocket> future;
    final ClientConnector connector;
    /** Null when untraced. */
    final HandshakeTrace trace;
    private final String key;
    private volatile EndPoint endPoint;

    Attempt(ClientRequest request, WebSocket.Listener listener, String key, CompletableFuture<H2wsSocket> future,
            ClientConnector connector, TraceListener trace) {
        this.request = request;
        this.uri = request.uri();
        this.listener = listener;
        this.key = key;
        this.future = future;
        this.connector = connector;
        this.trace = HandshakeTrace.of(trace);
    }

    void traceLine(boolean out, String line) {
        if (trace != null) {
            trace.line(out, line);
        }
    }

    /** Starts the connect; its outcome, like every later one, completes {@link #future}. */
    void connect() {
        Map<String, Object> context = new ConcurrentHashMap<>();
        context.put(org.eclipse.jetty.io.Transport.CONTEXT_KEY, org.eclipse.jetty.io.Transport.TCP_IP);
        ClientConnectionFactory factory = this;
        if (request.secure()) {
            factory = new SslClientConnectionFactory(connector.getSslContextFactory(),
                    connector.getByteBufferPool(), connector.getExecutor(), factory) {
                @Override
                public Connection customize(Connection connection, Map<String, Object> ctx) {
                    if (connection instanceof SslConnection ssl) {
                        // the TLS failure reaches us before the close it causes, which would otherwise
                        // be reported as a bare "connection closed"
                        ssl.addHandshakeListener(new SslHandshakeListener() {
                            @Override
                            public void handshakeFailed(Event event, Throwable failure) {
                                fail(describe(failure, "TLS handshake failed"));
                            }
                        });
                    }
                    return super.customize(connection, ctx);
                }
            };
        }
        context.put(ClientConnectionFactory.CONTEXT_KEY, factory);
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, Promise.from(c -> { }, this::connectFailed));
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            connector.connect(new InetSocketAddress(host, request.port()), context);
        } catch (RuntimeException e) {
            connectFailed(e);
        }
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
        return Rfc6455ClientHandshake.request(request, key);
    }

    /** Checks the head (section 4.1, the client's rules for the response) and returns what was agreed. */
    ClientHandshake.Agreed check(Http1ResponseHead head) throws HandshakeFailedException {
        return Rfc6455ClientHandshake.check(request, key, head);
    }
}
