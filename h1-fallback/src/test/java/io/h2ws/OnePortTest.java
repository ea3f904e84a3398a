package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.internal.h1.H1UpgradeHandler;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/** The one-port server and the AUTO client: every transport at once, and the fallback. */
class OnePortTest {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();
    static H2wsServer server;
    static H2wsClient client;

    @BeforeAll
    static void start() throws Exception {
        server = H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .page("/", new Page("text/plain", "hello page".getBytes()))
                .build().start();
        client = H2wsClient.create(CERT.clientContext());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    static H2wsSocket open(String uri, Transport t, Recorder r) throws Exception {
        return client.newWebSocketBuilder().transport(t).buildH2ws(URI.create(uri), r).get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("One server: HTTP/1.1, h2c, TLS+h2 and TLS+http/1.1 sockets at the same time on the same endpoint")
    void everyTransportAtOnce() throws Exception {
        String ws = "ws://127.0.0.1:" + server.port() + "/echo";
        String wss = "wss://localhost:" + server.tlsPort() + "/echo";
        List<Recorder> recs = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        Object[][] cases = {{ws, Transport.H1, Transport.H1, false}, {ws, Transport.H2, Transport.H2, false},
            {wss, Transport.H2, Transport.H2, true}, {wss, Transport.H1, Transport.H1, true}, {wss, Transport.AUTO, Transport.H2, true}};
        for (Object[] c : cases) {
            Recorder r = new Recorder();
            H2wsSocket s = open((String) c[0], (Transport) c[1], r);
            assertEquals(c[2], s.transport(), c[0] + " " + c[1]);
            assertEquals(c[3], s.isSecure());
            recs.add(r);
            sockets.add(s);
        }
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < sockets.size(); i++) {
                sockets.get(i).sendText("socket " + i + " round " + round, true);
            }
        }
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < sockets.size(); i++) {
                assertEquals("socket " + i + " round " + round, recs.get(i).next(Rec.Text.class).text());
            }
        }
        for (H2wsSocket s : sockets) {
            s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        }
        for (Recorder r : recs) {
            assertEquals(1000, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
        }
    }

    @Test
    @DisplayName("AUTO against an h2 server with extended CONNECT uses HTTP/2 (h2c and TLS)")
    void autoPrefersH2() throws Exception {
        assertEquals(Transport.H2, open("ws://127.0.0.1:" + server.port() + "/echo", Transport.AUTO, new Recorder()).transport());
        assertEquals(Transport.H2, open("wss://127.0.0.1:" + server.tlsPort() + "/echo", Transport.AUTO, new Recorder()).transport());
    }

    @Test
    @DisplayName("AUTO against an HTTP/1.1-only server falls back to HTTP/1.1 and works")
    void autoFallsBackToH1() throws Exception {
        Server h1Only = new Server();
        ServerConnector c = new ServerConnector(h1Only, new HttpConnectionFactory());
        c.setHost("127.0.0.1");
        h1Only.addConnector(c);
        h1Only.setHandler(new H1UpgradeHandler(new Endpoints().add(Endpoint.builder("/echo").listener(EchoListener::new).build()),
                new OpenSockets(), null));
        h1Only.start();
        try (H2wsClient fresh = H2wsClient.create()) {
            for (int i = 0; i < 2; i++) { // the second time the origin is known to be HTTP/1.1 only
                Recorder r = new Recorder();
                H2wsSocket s = fresh.newWebSocketBuilder().buildH2ws(URI.create("ws://127.0.0.1:" + c.getLocalPort() + "/echo"), r)
                        .get(10, TimeUnit.SECONDS);
                assertEquals(Transport.H1, s.transport());
                s.sendText("via h1", true);
                assertEquals("via h1", r.next(Rec.Text.class).text());
            }
        } finally {
            h1Only.stop();
        }
    }

    @Test
    @DisplayName("AUTO against an h2 server without extended CONNECT (RFC 8441 section 3) falls back to HTTP/1.1")
    void autoFallsBackWhenNoExtendedConnect() throws Exception {
        Server srv = new Server();
        HttpConfiguration cfg = new HttpConfiguration();
        // Jetty's ordinary h2c factory (upgrading from the HTTP/1.1 connection on the same port) with
        // extended CONNECT switched off: HTTP/2 works, WebSocket over HTTP/2 is not offered
        org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory h2c = new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(cfg);
        h2c.setConnectProtocolEnabled(false);
        // HTTP/1.1 plus Jetty's own raw h2c factory with extended CONNECT disabled, on one port
        ServerConnector plain = new ServerConnector(srv, new HttpConnectionFactory(cfg), h2c);
        plain.setHost("127.0.0.1");
        srv.addConnector(plain);
        srv.setHandler(new H1UpgradeHandler(new Endpoints().add(Endpoint.builder("/echo").listener(EchoListener::new).build()),
                new OpenSockets(), null));
        srv.start();
        try (H2wsClient fresh = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + plain.getLocalPort() + "/echo");
            ExecutionException forced = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> fresh.newWebSocketBuilder().transport(Transport.H2).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            assertTrue(forced.getCause().getMessage().contains("ENABLE_CONNECT_PROTOCOL"), forced.getCause().toString());
            Recorder r = new Recorder();
            H2wsSocket s = fresh.newWebSocketBuilder().buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
            assertEquals(Transport.H1, s.transport());
            s.sendText("fallback", true);
            assertEquals("fallback", r.next(Rec.Text.class).text());
        } finally {
            srv.stop();
        }
    }

    @Test
    @DisplayName("RFC 7692 over HTTP/1.1 and HTTP/2: our client offers permessage-deflate, the server accepts, messages round-trip")
    void deflateBothTransports() throws Exception {
        for (Transport t : new Transport[] {Transport.H1, Transport.H2}) {
            Recorder r = new Recorder();
            H2wsSocket s = client.newWebSocketBuilder().transport(t).deflate(DeflateConfig.defaults())
                    .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), r).get(10, TimeUnit.SECONDS);
            assertTrue(((RealWebSocket) s).isCompressing(), t + " negotiated permessage-deflate");
            String text = "{\"json\": \"like\", \"n\": 12345} ".repeat(100);
            s.sendText(text, true);
            assertEquals(text, r.next(Rec.Text.class).text());
            byte[] bin = new byte[200_000];
            new java.util.Random(5).nextBytes(bin);
            s.sendBinary(ByteBuffer.wrap(bin), true);
            assertArrayEquals(bin, r.next(Rec.Binary.class).data());
            s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            r.awaitTerminal();
        }
    }

    @Test
    @DisplayName("Stopping the server closes every socket on every transport with 1001 within a bounded time")
    void stopClosesAllWith1001() throws Exception {
        H2wsServer s2 = H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build()).build().start();
        List<Recorder> recs = new ArrayList<>();
        for (Transport t : new Transport[] {Transport.H1, Transport.H2}) {
            for (String uri : new String[] {"ws://127.0.0.1:" + s2.port() + "/echo", "wss://127.0.0.1:" + s2.tlsPort() + "/echo"}) {
                Recorder r = new Recorder();
                open(uri, t, r);
                recs.add(r);
            }
        }
        // the server counts a socket once its handshake answer is written; a socket still in its
        // handshake when the server stops is cut (1006), which is not what this test is about
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s2.openSockets() < recs.size() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(recs.size(), s2.openSockets());
        long t0 = System.nanoTime();
        s2.stop(Duration.ofSeconds(5));
        for (Recorder r : recs) {
            assertEquals(1001, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
        }
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000);
    }

    @Test
    @DisplayName("Ordinary GETs share the port with WebSockets: over HTTP/1.1 and over HTTP/2")
    void pagesOnBothTransports() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(CERT.clientContext())
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        var r1 = http.send(java.net.http.HttpRequest.newBuilder(URI.create("https://localhost:" + server.tlsPort() + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r1.statusCode());
        assertEquals("hello page", r1.body());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, r1.version());
        var r2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("hello page", r2.body());
    }
}
