package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
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
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.JettyUpgradeListener;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Interoperability with Jetty's own RFC 8441 implementation, in both directions. */
public class H2InteropTest {

    /**
     * Works around a race in Jetty 12.1.14's HTTP client over HTTP/2 (not in our server): for a
     * CONNECT answered 2xx, {@code HttpReceiverOverHTTP2.onResponse} first hands the stream to the
     * WebSocket ({@code upgrade()}: the connect future completes and the application may send),
     * and only then runs {@code responseHeaders()}, whose default content handling
     * ({@code ResponseListeners.consume}, used when the request has no content-source listener)
     * reads the stream with {@code readData()}. A DATA frame that arrives in between (the echo of
     * a message sent right after open) is read as "response content" of the CONNECT and dropped;
     * the tunnel's endpoint never sees it. Seen with Jetty's own WebSocket server as well; see
     * spec-notes/jetty-client-tunnel-race.md.
     *
     * <p>Registering a content-source listener that never reads leaves the tunnel's bytes on the
     * stream for the WebSocket endpoint. Use it for every Jetty WebSocketClient over HTTP/2.
     */
    public static final JettyUpgradeListener TUNNEL_BYTES_ARE_NOT_CONTENT = new JettyUpgradeListener() {
        @Override
        public void onHandshakeRequest(org.eclipse.jetty.client.Request request) {
            request.onResponseContentSource((response, source) -> {
                // never read: after a 2xx to CONNECT the stream's bytes belong to the tunnel
            });
        }
    };

    /** Jetty's WebSocket listener that records what it gets. */
    public static final class JettyRecorder implements Session.Listener.AutoDemanding {
        final CompletableFuture<Session> opened = new CompletableFuture<>();
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onWebSocketOpen(Session session) {
            opened.complete(session);
        }

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

        Object next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(o, "nothing received within 10 s");
            return o;
        }
    }

    /** Jetty's echo endpoint. */
    public static final class JettyEcho implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
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

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void jettyClientOverHttp2AgainstOurServer(boolean secure) throws Exception {
        try (H2Fixture fixture = new H2Fixture()) {
            ClientConnector connector = new ClientConnector();
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setSslContext(H2Fixture.CERT.clientContext());
            connector.setSslContextFactory(ssl);
            HttpClient http = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
            WebSocketClient jetty = new WebSocketClient(http);
            jetty.setMaxBinaryMessageSize(1 << 20); // Jetty's default is 64 KiB
            jetty.start();
            try {
                JettyRecorder rec = new JettyRecorder();
                ClientUpgradeRequest request = new ClientUpgradeRequest();
                request.setSubProtocols(List.of("v1.echo"));
                Session session = jetty.connect(rec, fixture.uri(secure, "/echo"), request, TUNNEL_BYTES_ARE_NOT_CONTENT)
                        .get(10, TimeUnit.SECONDS);
                assertEquals("v1.echo", session.getUpgradeResponse().getAcceptedSubProtocol());
                session.sendText("hello from jetty", Callback.NOOP);
                assertEquals("hello from jetty", rec.next());
                // after the echo: the server socket is tracked before it starts, but after the 200 is written
                assertEquals(1, fixture.openSockets.size(), "the server socket is ours");
                byte[] bytes = new byte[200_000];
                new Random(3).nextBytes(bytes);
                session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
                assertArrayEquals(bytes, (byte[]) rec.next());

                session.close(1000, "bye", Callback.NOOP);
                assertEquals(1000, rec.closed.get(10, TimeUnit.SECONDS));
            } finally {
                jetty.stop();
                http.stop();
            }
        }
    }

    @Test
    @org.junit.jupiter.api.DisplayName("Interop: our client against Jetty's own WebSocket server over HTTP/2 (RFC 8441); the message mapping is refused cleanly")
    void ourClientAgainstJettyServerOverHttp2() throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(1 << 20); // Jetty's default is 64 KiB
            container.addMapping("/echo", (request, response, callback) -> new JettyEcho());
        }));
        server.start();
        try (H2Connector client = H2Connector.builder().build()) {
            URI uri = URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo");
            Recorder r = new Recorder();
            H2wsSocket ws = new ClientBuilder(client).transport(Transport.H2).buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
            assertEquals(Transport.H2, ws.transport());

            ws.sendText("hello from h2ws", true).get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Text("hello from h2ws"), r.next());
            byte[] bytes = new byte[300_000];
            new Random(5).nextBytes(bytes);
            ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(bytes, r.next(Rec.Binary.class).data());
            ws.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            assertArrayEquals("p".getBytes(StandardCharsets.UTF_8), r.next(Rec.Pong.class).data());

            // a second socket shares the HTTP/2 connection with Jetty too
            Recorder r2 = new Recorder();
            H2wsSocket ws2 = new ClientBuilder(client).transport(Transport.H2).buildH2ws(uri, r2).get(10, TimeUnit.SECONDS);
            ws2.sendText("two", true).get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Text("two"), r2.next());
            assertEquals(1, client.connectionCount(uri));

            // message mapping section 2: Jetty knows only :protocol websocket; the mapping's own
            // token is refused with a status, and our client fails with it instead of hanging
            java.util.concurrent.ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> new ClientBuilder(client).messageMapping(true).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            io.h2ws.client.HandshakeFailedException hf = org.junit.jupiter.api.Assertions.assertInstanceOf(
                    io.h2ws.client.HandshakeFailedException.class, refused.getCause());
            org.junit.jupiter.api.Assertions.assertTrue(hf.status() >= 400, "refused with a status: " + hf);

            ws.sendClose(4000, "bye jetty").get(10, TimeUnit.SECONDS);
            Rec end = r.awaitTerminal();
            assertEquals(4000, ((Rec.Close) end).code(), "Jetty echoes the close code: " + end);
            ws2.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            assertEquals(1000, ((Rec.Close) r2.awaitTerminal()).code());
        } finally {
            server.stop();
        }
    }
}
