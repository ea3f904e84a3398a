package io.h2ws.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.ExtensionConfig;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * permessage-deflate (RFC 7692) against Jetty's own WebSocket implementation, both ways, over
 * HTTP/1.1 (RFC 6455 section 4, extension negotiation in section 9.1) and over HTTP/2 (RFC 8441
 * section 5: Sec-WebSocket-Extensions travels in the extended CONNECT and its 200). Both sides
 * must report the extension, and JSON-like text of 1 KiB and 64 KiB and random binary echo intact.
 */
class DeflateJettyInteropTest {

    static H2wsServer ours;
    static final BlockingQueue<WebSocket> ourServerSockets = new LinkedBlockingQueue<>();
    static Server jetty;
    static ServerConnector jettyConnector;
    static final BlockingQueue<Session> jettyServerSessions = new LinkedBlockingQueue<>();

    static final String JSON_1K = Payloads.json(1024, 1);
    static final String JSON_64K = Payloads.json(64 * 1024, 2);
    static final byte[] RANDOM = Payloads.random(100_000, 3);

    @BeforeAll
    static void start() throws Exception {
        ours = H2wsServer.builder().port(0).tlsPort(-1)
                .endpoint(Endpoint.builder("/echo").acceptor(req -> new EchoListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ourServerSockets.add(ws);
                        ws.request(1);
                    }
                }).build())
                .build().start();

        jetty = new Server();
        HttpConfiguration config = new HttpConfiguration();
        jettyConnector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
        jettyConnector.setHost("127.0.0.1");
        jettyConnector.setPort(0);
        jetty.addConnector(jettyConnector);
        jetty.setHandler(WebSocketUpgradeHandler.from(jetty, container -> {
            container.setMaxBinaryMessageSize(1 << 20);
            container.setMaxTextMessageSize(1 << 20);
            container.addMapping("/echo", (request, response, callback) -> new JettyEcho());
        }));
        jetty.start();
    }

    @AfterAll
    static void stop() throws Exception {
        ours.close();
        jetty.stop();
    }

    /** Jetty's echo endpoint, remembering its session so the test can read the negotiated extensions. */
    public static final class JettyEcho implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            jettyServerSessions.add(session);
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }
    }

    /** Jetty's client endpoint recording whole messages. */
    public static final class JettyRecorder implements Session.Listener.AutoDemanding {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onWebSocketText(String message) {
            received.add(message);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            received.add(b);
            callback.succeed();
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            closed.complete(statusCode);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            received.add(cause);
        }

        Object next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(o, "nothing received within 10 s");
            return o;
        }
    }

    static boolean hasDeflate(List<ExtensionConfig> extensions) {
        return extensions.stream().anyMatch(e -> e.getName().equals("permessage-deflate"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    @DisplayName("RFC 7692: Jetty's client offering permessage-deflate against our server, HTTP/1.1 and HTTP/2 (h2c)")
    void jettyClientAgainstOurServer(Transport transport) throws Exception {
        HttpClient http = transport == Transport.H2
                ? new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(new ClientConnector())))
                : new HttpClient();
        WebSocketClient client = new WebSocketClient(http);
        client.setMaxBinaryMessageSize(1 << 20);
        client.setMaxTextMessageSize(1 << 20);
        client.start();
        ourServerSockets.clear();
        try {
            JettyRecorder rec = new JettyRecorder();
            ClientUpgradeRequest request = new ClientUpgradeRequest();
            request.addExtensions("permessage-deflate");
            // Jetty's HTTP/2 client can read the tunnel's first DATA as CONNECT response content and
            // drop it (spec-notes/jetty-client-tunnel-race.md): a content listener that never reads
            // leaves those bytes to the WebSocket
            Session session = client.connect(rec, URI.create("ws://127.0.0.1:" + ours.port() + "/echo"), request,
                    new org.eclipse.jetty.websocket.client.JettyUpgradeListener() {
                        @Override
                        public void onHandshakeRequest(org.eclipse.jetty.client.Request r) {
                            r.onResponseContentSource((response, source) -> { });
                        }
                    }).get(10, TimeUnit.SECONDS);
            assertEquals(transport == Transport.H2 ? "HTTP/2.0" : "HTTP/1.1",
                    session.getUpgradeRequest().getHttpVersion(), "the transport Jetty used");
            assertTrue(hasDeflate(session.getUpgradeResponse().getExtensions()),
                    "Jetty's client sees permessage-deflate accepted: " + session.getUpgradeResponse().getExtensions());
            WebSocket serverSide = ourServerSockets.poll(10, TimeUnit.SECONDS);
            assertNotNull(serverSide, "our server opened a socket");
            assertTrue(((RealWebSocket) serverSide).isCompressing(), "our server socket compresses");
            assertEquals(transport, ((H2wsSocket) serverSide).transport());

            for (String text : List.of(JSON_1K, JSON_64K, JSON_1K)) { // context takeover across messages
                session.sendText(text, Callback.NOOP);
                assertEquals(text, rec.next());
            }
            session.sendBinary(ByteBuffer.wrap(RANDOM), Callback.NOOP);
            assertArrayEquals(RANDOM, (byte[]) rec.next());

            session.close(1000, "bye", Callback.NOOP);
            assertEquals(1000, rec.closed.get(10, TimeUnit.SECONDS));
        } finally {
            client.stop();
            http.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    @DisplayName("RFC 7692: our client offering permessage-deflate against Jetty's server, HTTP/1.1 and HTTP/2 (RFC 8441)")
    void ourClientAgainstJettyServer(Transport transport) throws Exception {
        jettyServerSessions.clear();
        try (H2wsClient client = H2wsClient.create()) {
            Recorder r = new Recorder();
            H2wsSocket ws = client.newWebSocketBuilder().transport(transport).deflate(DeflateConfig.defaults())
                    .buildH2ws(URI.create("ws://127.0.0.1:" + jettyConnector.getLocalPort() + "/echo"), r)
                    .get(10, TimeUnit.SECONDS);
            assertEquals(transport, ws.transport());
            assertTrue(((RealWebSocket) ws).isCompressing(), "our client negotiated permessage-deflate");
            Session jettySide = jettyServerSessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(jettySide, "Jetty opened a session");
            assertTrue(hasDeflate(jettySide.getUpgradeResponse().getExtensions()),
                    "Jetty's server accepted permessage-deflate: " + jettySide.getUpgradeResponse().getExtensions());

            for (String text : List.of(JSON_1K, JSON_64K, JSON_1K)) {
                ws.sendText(text, true).get(10, TimeUnit.SECONDS);
                assertEquals(text, r.next(Rec.Text.class).text());
            }
            ws.sendBinary(ByteBuffer.wrap(RANDOM), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(RANDOM, r.next(Rec.Binary.class).data());

            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            assertEquals(1000, ((Rec.Close) r.awaitTerminal()).code());
        }
    }
}
