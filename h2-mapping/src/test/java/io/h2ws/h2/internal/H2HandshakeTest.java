package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.api.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server's side of RFC 8441 sections 3, 4 and 5, checked on the wire with a bare HTTP/2 client. */
class H2HandshakeTest {

    static H2Fixture fixture;
    static RawH2 raw;

    @BeforeAll
    static void start() throws Exception {
        fixture = new H2Fixture();
        raw = new RawH2(fixture.clear.getLocalPort());
    }

    @AfterAll
    static void stop() throws Exception {
        raw.close();
        fixture.close();
    }

    private static String authority() {
        return "127.0.0.1:" + fixture.clear.getLocalPort();
    }

    private static MetaData.ConnectRequest connect(String path, String protocol, HttpFields fields) {
        return new MetaData.ConnectRequest("http", new HostPortHttpField(authority()), path, fields, protocol);
    }

    private static HttpFields.Mutable v13() {
        return HttpFields.build().put("sec-websocket-version", "13");
    }

    /** RFC 8441 section 3: the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
    @Test
    void settingsAllowExtendedConnectAndLimitStreams() throws Exception {
        Map<Integer, Integer> s = raw.settings.get().getSettings();
        assertEquals(1, s.get(SettingsFrame.ENABLE_CONNECT_PROTOCOL), "ENABLE_CONNECT_PROTOCOL (0x8) in " + s);
        assertEquals(H2ServerConnectionFactory.DEFAULT_MAX_CONCURRENT_STREAMS, s.get(SettingsFrame.MAX_CONCURRENT_STREAMS));
    }

    /** Over TLS the connector only proceeds after SETTINGS with ENABLE_CONNECT_PROTOCOL, so this opening proves them. */
    @Test
    void extendedConnectOpensOverTlsWithAlpnH2() throws Exception {
        try (H2Connector c = H2Fixture.connector().build()) {
            var ws = new io.h2ws.client.ClientBuilder(c).buildH2ws(fixture.wss("/echo"), new io.h2ws.testing.Recorder())
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(ws.isSecure());
            ws.abort();
        }
    }

    /** RFC 8441 section 5: a 2xx without END_STREAM opens the tunnel; no Sec-WebSocket-Accept on HTTP/2. */
    @Test
    void acceptIs200WithoutEndStreamAndWithoutAcceptKey() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/echo", "websocket", v13()), true);
        assertEquals(200, a.status());
        assertFalse(a.headersEndStream());
        assertNull(a.fields().get("sec-websocket-accept"));
        assertNull(a.fields().get("sec-websocket-protocol"), "nothing offered, nothing selected");
    }

    /** RFC 6455 section 4.2.2 / 11.3.4 via RFC 8441 section 5: the server picks by its own preference. */
    @Test
    void subprotocolIsSelected() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/echo", "websocket", v13().put("sec-websocket-protocol", "v1.echo, v2.echo")), true);
        assertEquals(200, a.status());
        assertEquals("v2.echo", a.fields().get("sec-websocket-protocol"));
    }

    @Test
    void unknownPathIs404WithEndStream() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/nowhere", "websocket", v13()), true);
        assertEquals(404, a.status());
        assertTrue(a.ended(), "END_STREAM after the refusal");
    }

    /** RFC 6455 section 4.2.2 item 4 kept by RFC 8441 section 5: 426 names the version we speak. */
    @Test
    void badVersionIs426WithVersionHeader() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/echo", "websocket", HttpFields.build().put("sec-websocket-version", "8")), true);
        assertEquals(426, a.status());
        assertEquals("13", a.fields().get("sec-websocket-version"));
        assertTrue(a.ended());
    }

    @Test
    void missingVersionIs426() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/echo", "websocket", HttpFields.build()), true);
        assertEquals(426, a.status());
        assertTrue(a.ended());
    }

    /** RFC 6455 section 10.2: the origin policy refuses with 403. */
    @Test
    void refusedOriginIs403() throws Exception {
        RawH2.Answer bad = raw.exchange(connect("/origin", "websocket", v13().put("origin", "https://evil.example")), true);
        assertEquals(403, bad.status());
        assertTrue(bad.ended());
        RawH2.Answer good = raw.exchange(connect("/origin", "websocket", v13().put("origin", "https://good.example")), true);
        assertEquals(200, good.status());
    }

    /** RFC 8441 section 4: :protocol names the tunnelled protocol; one we do not speak is 501. */
    @Test
    void otherProtocolIs501() throws Exception {
        RawH2.Answer a = raw.exchange(connect("/echo", "not-websocket", v13()), true);
        assertEquals(501, a.status());
        assertTrue(a.ended());
    }

    /** RFC 9113 section 8.5: a classic CONNECT (no :protocol) asks for a tunnel; we are no proxy: 405. */
    @Test
    void plainConnectIs405() throws Exception {
        MetaData.ConnectRequest plain = new MetaData.ConnectRequest((String) null, new HostPortHttpField(authority()), null, v13(), null);
        RawH2.Answer a = raw.exchange(plain, true);
        assertEquals(405, a.status());
        assertTrue(a.ended());
    }

    /** RFC 8441 section 4: :authority is required on an extended CONNECT; without it, 400. */
    @Test
    void missingAuthorityIs400() throws Exception {
        MetaData.ConnectRequest noAuthority = new MetaData.ConnectRequest("http", (HostPortHttpField) null, "/echo", v13(), "websocket");
        RawH2.Answer a = raw.exchange(noAuthority, true);
        assertEquals(400, a.status(), "answer " + a);
        assertTrue(a.ended());
    }

    /**
     * RFC 8441 section 4: :path is required. Jetty's HPACK decoder refuses an extended CONNECT
     * without :path itself (malformed, RFC 9113 section 8.1.1) before our listener runs and
     * reports it only through {@code HTTP2ServerSession.Listener.onStreamFailure}; our session
     * listener answers 400 with END_STREAM, then RST_STREAM(PROTOCOL_ERROR). (Before, nothing
     * was sent at all and the client waited forever.) No socket opens; the connection goes on.
     */
    @Test
    void missingPathIsAnswered400AndNeverOpensASocket() throws Exception {
        // a fixture of its own: the shared one may still be counting sockets of earlier tests
        try (H2Fixture own = new H2Fixture(); RawH2 client = new RawH2(own.clear.getLocalPort())) {
            String authority = "127.0.0.1:" + own.clear.getLocalPort();
            MetaData.ConnectRequest noPath = new MetaData.ConnectRequest("http", new HostPortHttpField(authority), null, v13(), "websocket");
            long t0 = System.nanoTime();
            RawH2.Answer a = client.exchange(noPath, true, 5_000);
            System.out.printf("[h2] extended CONNECT without :path answered %d in %d ms%n", a.status(), (System.nanoTime() - t0) / 1_000_000);
            assertEquals(400, a.status(), "answer " + a);
            assertTrue(a.ended(), "answer " + a);
            assertEquals(0, own.openSockets.size());
            MetaData.ConnectRequest unknown = new MetaData.ConnectRequest("http", new HostPortHttpField(authority), "/nowhere", v13(), "websocket");
            assertEquals(404, client.exchange(unknown, true).status(), "the connection still works");
        }
    }

    /**
     * RFC 8441 section 3: a server's receipt of SETTINGS_ENABLE_CONNECT_PROTOCOL has no effect.
     * Jetty applied a client's 0 to the session and reset every extended CONNECT with
     * PROTOCOL_ERROR (hyper-h2 sends 0 by default); the server now keeps its own 1.
     */
    @Test
    @org.junit.jupiter.api.DisplayName("RFC 8441 section 3: a client sending SETTINGS_ENABLE_CONNECT_PROTOCOL = 0 still gets its extended CONNECT")
    void clientSettingEnableConnectProtocolZeroIsIgnored() throws Exception {
        try (RawH2 client = new RawH2(fixture.clear.getLocalPort(), Map.of(SettingsFrame.ENABLE_CONNECT_PROTOCOL, 0))) {
            RawH2.Answer a = client.exchange(connect("/echo", "websocket", v13()), true, 5_000);
            assertEquals(200, a.status(), "answer " + a);
            assertEquals(-1, a.resetError(), "answer " + a);
        }
    }

    /** An ordinary request on the same connection goes to the NonWebSocketHandler: 404 by default. */
    @Test
    void ordinaryGetIsStillAnswered() throws Exception {
        MetaData.Request get = new MetaData.Request("GET", HttpURI.build("http://" + authority() + "/index.html"), HttpVersion.HTTP_2, HttpFields.EMPTY);
        RawH2.Answer a = raw.exchange(get, false);
        assertEquals(404, a.status());
        assertTrue(a.ended());
    }

    @Test
    void customHandlerServesOrdinaryRequests() throws Exception {
        NonWebSocketHandler previous = fixture.clearH2.getNonWebSocketHandler();
        fixture.clearH2.setNonWebSocketHandler((stream, request, endStream) -> {
            NonWebSocketHandler.respond(stream, 200, Map.of(), "page " + request.getHttpURI().getPath(), endStream);
            return Stream.Listener.AUTO_DISCARD;
        });
        try {
            MetaData.Request get = new MetaData.Request("GET", HttpURI.build("http://" + authority() + "/page"), HttpVersion.HTTP_2, HttpFields.EMPTY);
            RawH2.Answer a = raw.exchange(get, false);
            assertEquals(200, a.status());
            assertEquals("page /page", a.body());
            assertTrue(a.ended());
            // and a WebSocket still opens on the same connection
            assertEquals(200, raw.exchange(connect("/echo", "websocket", v13()), true).status());
        } finally {
            fixture.clearH2.setNonWebSocketHandler(previous);
        }
    }

    /** The cleartext port is shared: HTTP/1.1 requests still reach the server's handler. */
    @Test
    void http11SharesThePort() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + authority() + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("h1 ok\n", r.body());
    }
}
