package io.h2ws.internal.h1;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * A Jetty server on 127.0.0.1, port 0, with HTTP/1.1 only (TLS optional) and an
 * {@link H1UpgradeHandler} serving:
 * <ul>
 *   <li>{@code /echo}: {@link EchoListener};</li>
 *   <li>{@code /chat}: subprotocols v2, v1 (server preference) and echo;</li>
 *   <li>{@code /strict}: echo, only for Origin https://good.example;</li>
 *   <li>{@code /info}: sends one text describing the server-side socket.</li>
 * </ul>
 * More endpoints can be added to {@link #endpoints} before or after start.
 */
final class TestServer implements AutoCloseable {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    final Endpoints endpoints = new Endpoints();
    final OpenSockets openSockets = new OpenSockets();
    final BlockingQueue<String> serverCloses = new LinkedBlockingQueue<>();
    final Server server;
    final ServerConnector connector;
    final boolean tls;

    TestServer(boolean tls) throws Exception {
        this.tls = tls;
        endpoints.add(Endpoint.builder("/echo").listener(() -> new EchoListener(serverCloses)).build());
        endpoints.add(Endpoint.builder("/chat").subprotocols("v2", "v1").listener(() -> new EchoListener(serverCloses)).build());
        endpoints.add(Endpoint.builder("/strict").originPolicy("https://good.example"::equals)
                .listener(() -> new EchoListener(serverCloses)).build());
        endpoints.add(Endpoint.builder("/info").listener(() -> new java.net.http.WebSocket.Listener() {
            @Override
            public void onOpen(java.net.http.WebSocket ws) {
                io.h2ws.socket.H2wsSocket s = (io.h2ws.socket.H2wsSocket) ws;
                ws.sendText(s.transport() + " secure=" + s.isSecure() + " path=" + s.path()
                        + " remote=" + (s.remoteAddress() != null), true);
                ws.request(1);
            }
        }).build());
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("test-server");
        server = new Server(threads);
        HttpConnectionFactory http = new HttpConnectionFactory();
        if (tls) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(CERT.keyStore());
            ssl.setKeyStorePassword(new String(SelfSignedCertificate.PASSWORD));
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, http.getProtocol()), http);
        } else {
            connector = new ServerConnector(server, http);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new H1UpgradeHandler(endpoints, openSockets, null));
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    URI uri(String path) {
        return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + port() + path);
    }

    @Override
    public void close() {
        openSockets.closeAll("test over", Duration.ofSeconds(5));
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the test server", e);
        }
    }
}
