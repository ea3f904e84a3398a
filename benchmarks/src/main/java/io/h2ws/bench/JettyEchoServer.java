package io.h2ws.bench;

import java.nio.ByteBuffer;
import java.security.KeyStore;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Jetty 12's WebSocket echo, over HTTP/1.1 Upgrade or over h2c with extended CONNECT (RFC 8441),
 * and the same two over TLS (h1: http/1.1 only; h2: ALPN h2, then http/1.1).
 * The echo is Jetty's natural one: the received message's callback completes when the echo's
 * write does, and auto-demand then asks for the next message.
 */
public final class JettyEchoServer {
    /** Larger than the biggest message benchmarked (1 MiB); Jetty's default is 64 KiB. */
    static final int MAX_MESSAGE = 16 << 20;

    private JettyEchoServer() {}

    static EchoServers.Running start(int port, boolean h2) throws Exception {
        return start(port, h2, null, null);
    }

    /**
     * As {@link #start(int, boolean)}, over TLS with the key in {@code keyStore} (PKCS12,
     * {@code password}) when it is not null.
     */
    static EchoServers.Running start(int port, boolean h2, KeyStore keyStore, char[] password) throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        ConnectionFactory[] factories;
        if (keyStore != null) {
            SecureRequestCustomizer src = new SecureRequestCustomizer();
            src.setSniHostCheck(false); // the clients connect to 127.0.0.1, which sends no SNI
            config.addCustomizer(src);
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(keyStore);
            ssl.setKeyStorePassword(new String(password));
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2"); // as the h2ws server
            HttpConnectionFactory h1 = new HttpConnectionFactory(config);
            if (h2) {
                ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
                HTTP2ServerConnectionFactory h2tls = new HTTP2ServerConnectionFactory(config);
                h2tls.setConnectProtocolEnabled(true);
                h2tls.setMaxConcurrentStreams(20_000);
                ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
                alpn.setDefaultProtocol("http/1.1");
                factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2tls, h1};
            } else {
                factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, h1.getProtocol()), h1};
            }
        } else if (h2) {
            HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(config);
            h2c.setConnectProtocolEnabled(true);
            // as the anchors: enough for 10,000 WebSockets as streams of one connection
            h2c.setMaxConcurrentStreams(20_000);
            factories = new ConnectionFactory[] {h2c};
        } else {
            factories = new ConnectionFactory[] {new HttpConnectionFactory(config)};
        }
        ServerConnector connector = new ServerConnector(server, factories);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxFrameSize(MAX_MESSAGE);
            container.addMapping("/*", (request, response, callback) -> new Echo());
        }));
        server.start();
        int bound = connector.getLocalPort();
        return new EchoServers.Running() {
            @Override
            public int port() {
                return bound;
            }

            @Override
            public void close() {
                try {
                    server.setStopTimeout(0); // no graceful drain: the benchmark is over
                    server.stop();
                } catch (Exception e) {
                    System.err.println("jetty stop: " + e);
                }
            }
        };
    }

    /** Echoes whole messages; the receive callback completes with the echo's write. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, callback);
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // a client closing with echoes in flight ends here; not worth a WARN per socket
        }
    }
}
