package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Jetty's own WebSocket implementation (HTTP/1.1) as the peer of each of our ends. */
class JettyInteropTest {

    /** A Jetty-API endpoint recording what arrives, as strings: "text:..", "binary:n", "pong:..", "close:code:reason". */
    public static final class JettyRecorder implements Session.Listener.AutoDemanding {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        volatile Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            events.add("text:" + message);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            binaries.add(b);
            callback.succeed();
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            events.add("pong:" + StandardCharsets.UTF_8.decode(payload));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            events.add("close:" + statusCode + ":" + reason);
            callback.succeed();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            events.add("error:" + cause);
        }

        String next() throws InterruptedException {
            String s = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "nothing from the Jetty endpoint within 10 s");
            return s;
        }
    }

    /** A Jetty-API echo endpoint obeying "close:code:reason". */
    public static final class JettyEcho implements Session.Listener.AutoDemanding {
        final BlockingQueue<String> closes;
        volatile Session session;

        JettyEcho(BlockingQueue<String> closes) {
            this.closes = closes;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.startsWith("close:")) {
                String[] p = message.split(":", 3);
                session.close(Integer.parseInt(p[1]), p[2], Callback.NOOP);
            } else {
                session.sendText(message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
            copy.put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            closes.add(statusCode + " " + reason);
            callback.succeed();
        }
    }

    // ------------------------------------------------------------------ Jetty's client, our server

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void jettyClientAgainstOurServer(boolean tls) throws Exception {
        HttpClient http = new HttpClient();
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(TestServer.CERT.clientContext());
        http.setSslContextFactory(ssl);
        WebSocketClient client = new WebSocketClient(http);
        client.setMaxTextMessageSize(2 << 20);
        client.setMaxBinaryMessageSize(2 << 20);
        try (TestServer server = new TestServer(tls)) {
            client.start();
            JettyRecorder r = new JettyRecorder();
            Session session = client.connect(r, server.uri("/echo")).get(10, TimeUnit.SECONDS);

            String text = "ß".repeat(300_000);
            session.sendText(text, Callback.NOOP);
            assertEquals("text:" + text, r.next());
            byte[] data = new byte[1 << 20];
            new Random(3).nextBytes(data);
            session.sendBinary(ByteBuffer.wrap(data), Callback.NOOP);
            assertArrayEquals(data, r.binaries.poll(10, TimeUnit.SECONDS));
            session.sendPartialText("frag", false, Callback.NOOP);
            session.sendPartialText("ment", true, Callback.NOOP);
            assertEquals("text:fragment", r.next());
            session.sendPing(ByteBuffer.wrap("jp".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
            assertEquals("pong:jp", r.next());

            session.sendText("close:4004:ours first", Callback.NOOP);
            assertEquals("close:4004:ours first", r.next());
            // Jetty's reply echoes code and reason
            assertEquals("4004 ours first", server.serverCloses.poll(10, TimeUnit.SECONDS));

            JettyRecorder r2 = new JettyRecorder();
            Session s2 = client.connect(r2, server.uri("/echo")).get(10, TimeUnit.SECONDS);
            s2.close(4005, "jetty first", Callback.NOOP);
            assertEquals("4005 jetty first", server.serverCloses.poll(10, TimeUnit.SECONDS));
            assertEquals("close:4005:null", r2.next(), "Jetty reports an empty reason as null");
        } finally {
            client.stop();
        }
    }

    // ------------------------------------------------------------------ our client, Jetty's server

    @Test
    void ourClientAgainstJettyServer() throws Exception {
        BlockingQueue<String> jettyCloses = new LinkedBlockingQueue<>();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory());
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(2 << 20);
            container.setMaxBinaryMessageSize(2 << 20);
            container.addMapping("/echo", (req, resp, cb) -> new JettyEcho(jettyCloses));
        }));
        H1Connector ours = new H1Connector();
        try {
            server.start();
            ours.start();
            URI uri = URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo");
            ClientBuilder builder = new ClientBuilder(ours).transport(Transport.H1)
                    // a long close timeout: the socket closing quickly then shows Jetty closed TCP (7.1.1)
                    .options(io.h2ws.socket.WebSocketOptions.builder().closeTimeout(Duration.ofSeconds(60)).build());
            Recorder r = new Recorder();
            H2wsSocket ws = builder.buildH2ws(uri, r).get(10, TimeUnit.SECONDS);

            String text = "ç".repeat(300_000);
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertEquals(text, r.next(Rec.Text.class).text());
            byte[] data = new byte[1 << 20];
            new Random(4).nextBytes(data);
            ws.sendBinary(ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(data, r.next(Rec.Binary.class).data());
            ws.sendText("frag", false).get(10, TimeUnit.SECONDS);
            ws.sendText("ment", true).get(10, TimeUnit.SECONDS);
            assertEquals("fragment", r.next(Rec.Text.class).text());
            ws.sendPing(ByteBuffer.wrap("op".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            assertArrayEquals("op".getBytes(StandardCharsets.UTF_8), r.next(Rec.Pong.class).data());

            ws.sendClose(4006, "ours first").get(10, TimeUnit.SECONDS);
            assertEquals("4006 ours first", jettyCloses.poll(10, TimeUnit.SECONDS));
            assertEquals(4006, ((Rec.Close) r.awaitTerminal()).code());
            ((RealWebSocket) ws).whenCarrierDone().get(10, TimeUnit.SECONDS);

            Recorder r2 = new Recorder();
            H2wsSocket ws2 = builder.buildH2ws(uri, r2).get(10, TimeUnit.SECONDS);
            ws2.sendText("close:4007:jetty first", true).get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Close(4007, "jetty first"), r2.awaitTerminal());
            ((RealWebSocket) ws2).whenCarrierDone().get(10, TimeUnit.SECONDS);
        } finally {
            ours.stop();
            server.stop();
        }
    }
}
