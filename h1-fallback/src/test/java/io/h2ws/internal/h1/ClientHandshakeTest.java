package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.handshake.AcceptKey;
import io.h2ws.testing.Recorder;

/** The client's side of the opening handshake (RFC 6455 section 4.1) against a scripted raw server. */
class ClientHandshakeTest {

    private static H1Connector connector;

    @BeforeAll
    static void start() throws Exception {
        connector = new H1Connector();
        connector.start();
    }

    @AfterAll
    static void stop() throws Exception {
        connector.stop();
    }

    private static ClientBuilder builder() {
        return new ClientBuilder(connector).transport(Transport.H1);
    }

    /** Runs a handshake against a server answering {@code response(request)} and returns the failure. */
    private static Throwable failureFor(ClientBuilder b, FakeServer.Script script) throws Exception {
        try (FakeServer fake = new FakeServer(script)) {
            CompletableFuture<H2wsSocket> f = b.buildH2ws(fake.uri("/ws"), new Recorder());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            // "Fail the WebSocket Connection": the client closes TCP, which ends the script's read
            fake.awaitScript();
            return e.getCause();
        }
    }

    private static HandshakeFailedException handshakeFailure(ClientBuilder b, FakeServer.Script script) throws Exception {
        Throwable t = failureFor(b, script);
        return assertInstanceOf(HandshakeFailedException.class, t, String.valueOf(t));
    }

    private static FakeServer.Script answer(java.util.function.Function<RawConnection.Head, String> response) {
        return (c, req) -> {
            c.write(response.apply(req));
            c.read(); // hold the connection until the client gives up on it
        };
    }

    /** Section 4.1 items 1-12: what the request carries. */
    @Test
    void requestCarriesTheHandshakeFields() throws Exception {
        try (FakeServer fake = new FakeServer(answer(FakeServer::goodHead))) {
            URI uri = URI.create("ws://127.0.0.1:" + fake.listening.getLocalPort() + "/chat?room=1");
            H2wsSocket ws = builder().subprotocols("v1", "v2").header("X-Trace", "abc")
                    .buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS);
            RawConnection.Head req = fake.request.get(10, TimeUnit.SECONDS);
            assertEquals("GET /chat?room=1 HTTP/1.1", req.startLine());
            assertEquals("127.0.0.1:" + fake.listening.getLocalPort(), req.header("Host"));
            assertEquals("websocket", req.header("Upgrade"));
            assertEquals("Upgrade", req.header("Connection"));
            assertTrue(AcceptKey.isValidClientKey(req.header("Sec-WebSocket-Key")));
            assertEquals("13", req.header("Sec-WebSocket-Version"));
            assertEquals("v1, v2", req.header("Sec-WebSocket-Protocol"));
            assertEquals("abc", req.header("X-Trace"));
            assertNull(req.header("Sec-WebSocket-Extensions"), "we offer no extension");
            assertEquals("", ws.getSubprotocol());
            ws.abort();
        }
    }

    @Test
    void eachConnectionUsesAFreshKey() throws Exception {
        String first;
        try (FakeServer fake = new FakeServer(answer(FakeServer::goodHead))) {
            builder().buildH2ws(fake.uri("/"), new Recorder()).get(10, TimeUnit.SECONDS).abort();
            first = fake.request.get().header("Sec-WebSocket-Key");
        }
        try (FakeServer fake = new FakeServer(answer(FakeServer::goodHead))) {
            builder().buildH2ws(fake.uri("/"), new Recorder()).get(10, TimeUnit.SECONDS).abort();
            assertTrue(!first.equals(fake.request.get().header("Sec-WebSocket-Key")));
        }
    }

    @Test
    void non101StatusIsReportedWithItsReason() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req -> "HTTP/1.1 403 Forbidden\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 24\r\n\r\norigin x is not allowed\n"));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("origin x is not allowed"), e.getMessage());
        assertTrue(e.getMessage().contains("/ws"), "names the URI: " + e.getMessage());
    }

    @Test
    void wrongAcceptFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req -> "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + AcceptKey.accept("dGhlIHNhbXBsZSBub25jZQ==") + "\r\n\r\n"));
        assertEquals(-1, e.status());
        assertTrue(e.getMessage().contains("Sec-WebSocket-Accept"), e.getMessage());
    }

    @Test
    void missingAcceptFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req ->
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
        assertTrue(e.getMessage().contains("Sec-WebSocket-Accept is missing"), e.getMessage());
    }

    @Test
    void missingUpgradeFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req -> FakeServer.goodHead(req).replace("Upgrade: websocket\r\n", "")));
        assertTrue(e.getMessage().contains("Upgrade: websocket"), e.getMessage());
        HandshakeFailedException other = handshakeFailure(builder(), answer(req -> FakeServer.goodHead(req).replace("Upgrade: websocket", "Upgrade: h2c")));
        assertTrue(other.getMessage().contains("Upgrade: websocket"), other.getMessage());
    }

    @Test
    void missingConnectionUpgradeFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req -> FakeServer.goodHead(req).replace("Connection: Upgrade", "Connection: keep-alive")));
        assertTrue(e.getMessage().contains("Connection: Upgrade"), e.getMessage());
    }

    @Test
    void upgradeAndConnectionTokensAreCaseInsensitive() throws Exception {
        try (FakeServer fake = new FakeServer(answer(req -> FakeServer.goodHead(req)
                .replace("Upgrade: websocket", "UPGRADE: WebSocket").replace("Connection: Upgrade", "connection: keep-alive, upgrade")))) {
            builder().buildH2ws(fake.uri("/"), new Recorder()).get(10, TimeUnit.SECONDS).abort();
        }
    }

    @Test
    void subprotocolNotOfferedFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder().subprotocols("v1"),
                answer(req -> FakeServer.goodHeadWithout(req, "Sec-WebSocket-Protocol: v9\r\n") + "\r\n"));
        assertTrue(e.getMessage().contains("v9"), e.getMessage());
        HandshakeFailedException none = handshakeFailure(builder(),
                answer(req -> FakeServer.goodHeadWithout(req, "Sec-WebSocket-Protocol: v1\r\n") + "\r\n"));
        assertTrue(none.getMessage().contains("v1"), none.getMessage());
    }

    @Test
    void offeredSubprotocolIsReported() throws Exception {
        try (FakeServer fake = new FakeServer(answer(req -> FakeServer.goodHeadWithout(req, "Sec-WebSocket-Protocol: v2\r\n") + "\r\n"))) {
            H2wsSocket ws = builder().subprotocols("v1", "v2").buildH2ws(fake.uri("/"), new Recorder()).get(10, TimeUnit.SECONDS);
            assertEquals("v2", ws.getSubprotocol());
            ws.abort();
        }
    }

    @Test
    void extensionNotOfferedFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(),
                answer(req -> FakeServer.goodHeadWithout(req, "Sec-WebSocket-Extensions: permessage-deflate\r\n") + "\r\n"));
        assertTrue(e.getMessage().contains("permessage-deflate"), e.getMessage());
    }

    @Test
    void oversizedResponseHeadFails() throws Exception {
        HandshakeFailedException e = handshakeFailure(builder(), answer(req ->
                FakeServer.goodHeadWithout(req, ("X-Filler: " + "a".repeat(1000) + "\r\n").repeat(20)) + "\r\n"));
        assertTrue(e.getMessage().contains(String.valueOf(H1Connector.MAX_RESPONSE_HEAD)), e.getMessage());
    }

    @Test
    void headArrivingByteByByteIsParsed() throws Exception {
        try (FakeServer fake = new FakeServer((c, req) -> {
            for (byte b : FakeServer.goodHead(req).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) {
                c.out.write(b);
                c.out.flush();
            }
            c.read();
        })) {
            builder().buildH2ws(fake.uri("/"), new Recorder()).get(10, TimeUnit.SECONDS).abort();
        }
    }

    @Test
    void connectionClosedBeforeTheHeadEndsFails() throws Exception {
        Throwable t = failureFor(builder(), (c, req) -> {
            c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs");
            c.socket.shutdownOutput();
            c.read();
        });
        assertInstanceOf(IOException.class, t);
        assertTrue(t.getMessage().contains("/ws"), t.getMessage());
    }

    @Test
    void connectionRefusedNamesTheUri() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI uri = URI.create("ws://127.0.0.1:" + port + "/gone");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> builder().buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
        IOException io = assertInstanceOf(IOException.class, e.getCause());
        assertTrue(io.getMessage().contains(uri.toString()), io.getMessage());
    }

    /** wss with a certificate the client does not trust fails as an IOException naming the URI. */
    @Test
    void untrustedCertificateFailsNamingTheUri() throws Exception {
        try (TestServer tls = new TestServer(true)) {
            URI uri = tls.uri("/echo");
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> builder().buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            IOException io = assertInstanceOf(javax.net.ssl.SSLException.class, e.getCause(), String.valueOf(e.getCause()));
            assertTrue(io.getMessage().contains(uri.toString()), io.getMessage());
        }
    }

    @Test
    void silentServerHitsTheConnectTimeout() throws Exception {
        Throwable t = failureFor(builder().connectTimeout(Duration.ofMillis(300)), (c, req) -> c.read());
        assertInstanceOf(HttpConnectTimeoutException.class, t);
        assertTrue(t.getMessage().contains("/ws"), t.getMessage());
    }
}
