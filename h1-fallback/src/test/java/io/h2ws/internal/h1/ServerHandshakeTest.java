package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.h2ws.internal.h1.RawConnection.Head;

/**
 * The server's opening handshake, driven by literal requests on a raw socket: what RFC 6455
 * sections 4.2.1, 4.2.2 and 4.4 ask of the answer to each request.
 */
class ServerHandshakeTest {

    /** The key and accept value of RFC 6455 section 1.3. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(false);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A valid handshake for {@code path}, with {@code extra} header lines (each ending in CRLF) before the blank line. */
    private static String request(String path, String extra) {
        return "GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + extra
                + "\r\n";
    }

    private static Head send(String request) throws Exception {
        return RawConnection.exchange(server.port(), request);
    }

    private static void assertRefused(Head h, int status, String reasonFragment) {
        assertEquals(status, h.status(), h.toString());
        assertTrue(h.body().contains(reasonFragment), "reason \"" + reasonFragment + "\" not in body: " + h.body());
    }

    /** Section 4.2.2 step 5: 101, Upgrade, Connection and the accept value of section 1.3's example. */
    @Test
    void validHandshakeIsAnswered101WithTheAcceptValue() throws Exception {
        Head h = send(request("/echo", ""));
        assertEquals(101, h.status(), h.toString());
        assertEquals("websocket", h.header("Upgrade"));
        assertTrue(h.header("Connection").equalsIgnoreCase("Upgrade"), h.toString());
        assertEquals(ACCEPT, h.header("Sec-WebSocket-Accept"));
        assertNull(h.header("Sec-WebSocket-Protocol"), "no subprotocol was offered");
        assertNull(h.header("Sec-WebSocket-Extensions"), "no extension is accepted");
    }

    /** Section 4.2.1 items 3 and 4: the tokens compare case-insensitively, within lists. */
    @Test
    void upgradeAndConnectionAreCaseInsensitiveTokenLists() throws Exception {
        String req = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\n"
                + "Connection: keep-alive, UPGRADE\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        assertEquals(101, send(req).status());
    }

    /** Section 4.2.2 step 4 /subprotocol/: the server's preference among those offered. */
    @Test
    void subprotocolIsSelectedByServerPreference() throws Exception {
        Head h = send(request("/chat", "Sec-WebSocket-Protocol: v1, v2\r\n"));
        assertEquals(101, h.status());
        assertEquals("v2", h.header("Sec-WebSocket-Protocol"));
        Head none = send(request("/chat", "Sec-WebSocket-Protocol: v3\r\n"));
        assertEquals(101, none.status());
        assertNull(none.header("Sec-WebSocket-Protocol"), "no common subprotocol: the field is absent");
    }

    /** Section 4.2.2 step 4 and 4.4: an unsupported version gets 426 naming the version we speak. */
    @Test
    void unsupportedVersionGets426WithVersion13() throws Exception {
        Head h = send(request("/echo", "").replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"));
        assertRefused(h, 426, "Sec-WebSocket-Version");
        assertEquals("13", h.header("Sec-WebSocket-Version"));
        assertEquals("websocket", h.header("Upgrade"), "RFC 9110 section 15.5.22: a 426 carries Upgrade");
        Head missing = send(request("/echo", "").replace("Sec-WebSocket-Version: 13\r\n", ""));
        assertEquals(426, missing.status());
        assertEquals("13", missing.header("Sec-WebSocket-Version"));
    }

    /** Section 4.2.1 item 5: the key must be base64 of 16 bytes, and present once. */
    @Test
    void badMissingOrRepeatedKeyGets400() throws Exception {
        assertRefused(send(request("/echo", "").replace(KEY, "c2hvcnQ=")), 400, "Sec-WebSocket-Key");
        assertRefused(send(request("/echo", "").replace(KEY, "not base64 at all!!!!!==")), 400, "Sec-WebSocket-Key");
        assertRefused(send(request("/echo", "").replace("Sec-WebSocket-Key: " + KEY + "\r\n", "")), 400, "Sec-WebSocket-Key");
        assertRefused(send(request("/echo", "Sec-WebSocket-Key: " + KEY + "\r\n")), 400, "Sec-WebSocket-Key");
    }

    /** A GET without Upgrade to a WebSocket resource: 426 with the protocol to upgrade to (RFC 9110 section 15.5.22). */
    @Test
    void missingUpgradeGets426NamingWebSocket() throws Exception {
        Head h = send("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertRefused(h, 426, "Upgrade: websocket");
        assertEquals("websocket", h.header("Upgrade"));
        assertTrue(h.header("Connection").toLowerCase().contains("upgrade"), h.toString());
        Head other = send(request("/echo", "").replace("Upgrade: websocket", "Upgrade: h2c"));
        assertEquals(426, other.status());
    }

    /**
     * Section 4.2.1 item 4: Connection must carry the Upgrade token. Jetty's HTTP/1.1 parser gets
     * there first: an Upgrade header without the Connection option is "Invalid h2c upgrade
     * headers" to it, a 400 before any handler runs, so only the status is ours to check.
     */
    @Test
    void missingConnectionUpgradeGets400() throws Exception {
        assertEquals(400, send(request("/echo", "").replace("Connection: Upgrade", "Connection: keep-alive")).status());
        assertEquals(400, send(request("/echo", "").replace("Connection: Upgrade\r\n", "")).status());
    }

    /** Section 4.1 item 2 / 4.2.1 item 1: only GET; 405 tells the client which method the resource takes. */
    @Test
    void otherMethodsGet405AllowGet() throws Exception {
        Head h = send(request("/echo", "Content-Length: 0\r\n").replace("GET ", "POST "));
        assertRefused(h, 405, "GET");
        assertEquals("GET", h.header("Allow"));
    }

    /** Section 4.1 item 2: HTTP/1.1 or higher; 1.0 has no Upgrade. */
    @Test
    void http10Gets400() throws Exception {
        assertRefused(send(request("/echo", "").replace("HTTP/1.1", "HTTP/1.0")), 400, "HTTP/1.1");
    }

    /** Section 4.2.1 item 2: Host is required (Jetty's parser itself refuses a 1.1 request without it). */
    @Test
    void missingHostGets400() throws Exception {
        assertEquals(400, send(request("/echo", "").replace("Host: 127.0.0.1\r\n", "")).status());
    }

    /** Section 4.2.1: a handshake for a resource we do not serve gets 404. */
    @Test
    void unknownPathGets404() throws Exception {
        assertRefused(send(request("/nowhere", "")), 404, "no WebSocket endpoint"); // the path is not quoted back
    }

    /** Requests that are not WebSocket requests go to the next handler (none here: Jetty's 404). */
    @Test
    void plainRequestsPassThrough() throws Exception {
        assertEquals(404, send("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status());
    }

    /** Section 4.2.2 step 4 / 10.2: an origin the endpoint does not accept gets 403. */
    @Test
    void refusedOriginGets403() throws Exception {
        assertRefused(send(request("/strict", "Origin: https://evil.example\r\n")), 403, "origin not allowed"); // not quoted back
        assertRefused(send(request("/strict", "")), 403, "origin");
        assertEquals(101, send(request("/strict", "Origin: https://good.example\r\n")).status());
    }

    /** The bytes after the request belong to the WebSocket, so an upgrade with a body is malformed. */
    @Test
    void bodyOnTheUpgradeGets400() throws Exception {
        assertRefused(send(request("/echo", "Content-Length: 5\r\n") + "hello"), 400, "body");
        assertRefused(send(request("/echo", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n"), 400, "body");
    }

    /** Section 4.2.1 items 8 and 9: malformed Sec-WebSocket-Protocol / -Extensions get 400. */
    @Test
    void malformedProtocolOrExtensionsGet400() throws Exception {
        assertEquals(400, send(request("/chat", "Sec-WebSocket-Protocol: v1, v1\r\n")).status());
        assertEquals(400, send(request("/chat", "Sec-WebSocket-Protocol: v(1)\r\n")).status());
        assertEquals(400, send(request("/echo", "Sec-WebSocket-Extensions: ;bad\r\n")).status());
        Head ok = send(request("/echo", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
        assertEquals(101, ok.status(), "a well-formed offer is accepted");
        // RFC 7692 section 7.1: the server accepts permessage-deflate (client_max_window_bits is optional in the answer)
        assertEquals("permessage-deflate", ok.header("Sec-WebSocket-Extensions"));
    }

    /** A refusal leaves the HTTP/1.1 connection usable: the next request on it can still upgrade. */
    @Test
    void connectionStaysUsableAfterARefusal() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write(request("/nowhere", ""));
            assertEquals(404, c.readHead(true).status());
            c.write(request("/echo", ""));
            assertEquals(101, c.readHead(false).status());
        }
    }

    /** The body names the rule broken, as plain text that a browser will not sniff. */
    @Test
    void refusalsArePlainText() throws Exception {
        Head h = send(request("/nowhere", ""));
        assertTrue(h.header("Content-Type").startsWith("text/plain"), h.toString());
        assertEquals("nosniff", h.header("X-Content-Type-Options"));
        assertTrue(h.body().getBytes(StandardCharsets.UTF_8).length > 0);
    }
}
