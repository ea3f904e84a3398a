package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Jetty 12's WebSocket client, over HTTP/1.1 (one TCP connection per socket) or over HTTP/2
 * (RFC 8441: every socket a stream of ONE h2c connection, {@code maxConnectionsPerDestination=1},
 * as the anchors measured it). Sends are Jetty's async {@code sendBinary}; Jetty masks. For
 * {@code wss://} URIs the same over TLS (h2 negotiated by ALPN), trusting the given context.
 */
public final class JettyLoadClient implements LoadClient {
    private final URI uri;
    private final boolean h2;
    private final HttpClient http;
    private final WebSocketClient ws;

    private final boolean deflate;
    private final boolean tls;

    public JettyLoadClient(URI uri, boolean h2) throws Exception {
        this(uri, h2, false);
    }

    /** {@code deflate}: offer permessage-deflate (Jetty's server accepts it by default). */
    public JettyLoadClient(URI uri, boolean h2, boolean deflate) throws Exception {
        this(uri, h2, deflate, null);
    }

    /** As {@link #JettyLoadClient(URI, boolean, boolean)}; {@code ssl} is trusted for wss (null: the JDK default). */
    public JettyLoadClient(URI uri, boolean h2, boolean deflate, SSLContext ssl) throws Exception {
        this.uri = uri;
        this.h2 = h2;
        this.deflate = deflate;
        this.tls = "wss".equals(uri.getScheme());
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client sslFactory = new SslContextFactory.Client();
        if (ssl != null) {
            sslFactory.setSslContext(ssl);
        }
        connector.setSslContextFactory(sslFactory);
        if (h2) {
            http = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
            http.setMaxConnectionsPerDestination(1);
        } else {
            http = new HttpClient(new HttpClientTransportOverHTTP(connector));
            // h1: one connection per WebSocket, so the pool must hold as many as the benchmark opens
            http.setMaxConnectionsPerDestination(100_000);
        }
        http.setMaxRequestsQueuedPerDestination(100_000);
        ws = new WebSocketClient(http);
        ws.setMaxBinaryMessageSize(JettyEchoServer.MAX_MESSAGE);
        ws.setMaxTextMessageSize(JettyEchoServer.MAX_MESSAGE);
        ws.setMaxFrameSize(JettyEchoServer.MAX_MESSAGE);
        ws.start();
    }

    @Override
    public String name() {
        return (h2 ? "jetty-h2" : "jetty-h1") + (tls ? "-tls" : "") + (deflate ? "-deflate" : "");
    }

    @Override
    public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
        try {
            org.eclipse.jetty.websocket.client.ClientUpgradeRequest request = new org.eclipse.jetty.websocket.client.ClientUpgradeRequest();
            if (deflate) {
                request.addExtensions("permessage-deflate");
            }
            if (!h2) {
                return ws.connect(new Endpoint(onMessage), uri, request).thenApply(Socket::new);
            }
            // Jetty 12.1.14's HTTP/2 client may read a tunnel's first DATA as content of the CONNECT
            // response and drop it (spec-notes/jetty-client-tunnel-race.md): a listener that never
            // reads leaves those bytes to the WebSocket.
            return ws.connect(new Endpoint(onMessage), uri, request,
                    new org.eclipse.jetty.websocket.client.JettyUpgradeListener() {
                        @Override
                        public void onHandshakeRequest(org.eclipse.jetty.client.Request r) {
                            r.onResponseContentSource((response, source) -> { });
                        }
                    }).thenApply(Socket::new);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Copies each whole message out (the callee keeps it), then releases Jetty's buffer. */
    public static final class Endpoint implements Session.Listener.AutoDemanding {
        private final Consumer<ByteBuffer> onMessage;

        public Endpoint(Consumer<ByteBuffer> onMessage) {
            this.onMessage = onMessage;
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
            copy.put(payload).flip();
            callback.succeed();
            onMessage.accept(copy);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // closing a socket with messages in flight ends here at every trial's end
        }
    }

    private record Socket(Session session) implements LoadSocket {
        @Override
        public CompletableFuture<?> send(ByteBuffer message) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            session.sendBinary(message, Callback.from(() -> done.complete(null), done::completeExceptionally));
            return done;
        }

        @Override
        public void close() {
            session.close();
        }
    }

    @Override
    public void close() {
        try {
            ws.stop();
            http.stop();
        } catch (Exception e) {
            System.err.println(name() + " stop: " + e);
        }
    }
}
