package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.ServerHandshake;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;

/** Vectors for the extended CONNECT of RFC 8441 sections 4 and 5, both roles, built on the example of section 5.1. */
class Rfc8441HandshakeTest {

    private final AtomicReference<HandshakeRequest> seen = new AtomicReference<>();
    private final Endpoints endpoints = new Endpoints()
            .add(Endpoint.builder("/chat").subprotocols("chat").acceptor(r -> {
                seen.set(r);
                return new EchoListener();
            }).build());

    // ---- server ----

    /** Section 5.1's request: pseudo-headers as given, then the fields, each "name", "value" (null removes). */
    private static Rfc8441Handshake.Server.Request connect(String method, String protocol, String scheme, String pathQuery,
                                                           String authority, boolean endStream, String... extraFields) {
        List<Map.Entry<String, String>> fields = new ArrayList<>(List.of(
                Map.entry("sec-websocket-protocol", "chat, superchat"),
                Map.entry("sec-websocket-extensions", "permessage-deflate"),
                Map.entry("sec-websocket-version", "13"),
                Map.entry("origin", "http://www.example.com")));
        for (int i = 0; i < extraFields.length; i += 2) {
            String name = extraFields[i];
            if (extraFields[i + 1] == null) {
                fields.removeIf(f -> f.getKey().equals(name));
            } else {
                fields.add(Map.entry(name, extraFields[i + 1]));
            }
        }
        String path = pathQuery == null ? null : pathQuery.split("\\?", 2)[0];
        String host = authority == null ? null : authority.split(":", 2)[0];
        return new Rfc8441Handshake.Server.Request(method, protocol, scheme, path, pathQuery, authority, host, fields,
                -1, endStream, true);
    }

    private static Rfc8441Handshake.Server.Request section51(String... extraFields) {
        return connect("CONNECT", "websocket", "https", "/chat", "server.example.com", false, extraFields);
    }

    private Rfc8441Handshake.Server.Outcome decide(Rfc8441Handshake.Server.Request r) {
        return Rfc8441Handshake.Server.decide(ServerHandshake.forPeer(endpoints, null), r, () -> false);
    }

    private HandshakeDecision.Reject refused(Rfc8441Handshake.Server.Request r, int status, String reasonFragment) {
        Rfc8441Handshake.Server.Answer a = assertInstanceOf(Rfc8441Handshake.Server.Answer.class, decide(r));
        HandshakeDecision.Reject reject = assertInstanceOf(HandshakeDecision.Reject.class, a.decision());
        assertEquals(status, reject.status(), reject.toString());
        assertTrue(reject.reason().contains(reasonFragment), reject.reason());
        return reject;
    }

    private void malformed(Rfc8441Handshake.Server.Request r, String reasonFragment) {
        Rfc8441Handshake.Server.Malformed m = assertInstanceOf(Rfc8441Handshake.Server.Malformed.class, decide(r));
        assertTrue(m.reason().contains(reasonFragment), m.reason());
    }

    @Test
    @DisplayName("RFC 8441 sections 4 and 5.1: the example's CONNECT is accepted: 200, its subprotocol and extension, no sec-websocket-accept")
    void section51Accepted() {
        Rfc8441Handshake.Server.Answer a = assertInstanceOf(Rfc8441Handshake.Server.Answer.class, decide(section51()));
        assertFalse(a.messageMapping());
        HandshakeDecision.Accept accept = assertInstanceOf(HandshakeDecision.Accept.class, a.decision());
        assertEquals(200, Rfc8441Handshake.Server.ACCEPT_STATUS);
        assertEquals("chat", accept.headers().get("sec-websocket-protocol"));
        assertTrue(accept.headers().get("sec-websocket-extensions").startsWith("permessage-deflate"), accept.headers().toString());
        assertEquals(List.of("sec-websocket-protocol", "sec-websocket-extensions"), List.copyOf(accept.headers().keySet()),
                "lower-case names, nothing HTTP/1.1-only (RFC 8441 section 5)");
        assertNotNull(accept.deflate());
        HandshakeRequest r = seen.get();
        assertEquals(Transport.H2, r.transport());
        assertEquals("server.example.com", r.authority());
        assertEquals("http://www.example.com", r.header("origin"));
        assertTrue(r.secure());
    }

    @Test
    @DisplayName("RFC 8441 section 4: :protocol compares case-insensitively; h2ws-message asks for the message mapping")
    void protocols() {
        assertInstanceOf(HandshakeDecision.Accept.class, ((Rfc8441Handshake.Server.Answer) decide(
                connect("CONNECT", "WebSocket", "https", "/chat", "server.example.com", false))).decision());
        Rfc8441Handshake.Server.Answer mm = (Rfc8441Handshake.Server.Answer) decide(
                connect("CONNECT", "h2ws-message", "http", "/chat?x=1", "127.0.0.1:8080", false));
        assertTrue(mm.messageMapping());
        assertInstanceOf(HandshakeDecision.Accept.class, mm.decision());
        refused(connect("CONNECT", "webtransport", "https", "/chat", "server.example.com", false), 501, "unsupported :protocol");
    }

    @Test
    @DisplayName("RFC 8441 section 4: :scheme must be http or https, :path origin-form, :authority present, and the stream must stay open")
    void pseudoHeaders() {
        refused(connect("CONNECT", "websocket", "ws", "/chat", "server.example.com", false), 400, ":scheme http or https");
        refused(connect("CONNECT", "websocket", null, "/chat", "server.example.com", false), 400, ":scheme");
        refused(connect("CONNECT", "websocket", "https", "*", "server.example.com", false), 400, "origin-form :path");
        refused(connect("CONNECT", "websocket", "https", "", "server.example.com", false), 400, "origin-form :path");
        refused(connect("CONNECT", "websocket", "https", null, "server.example.com", false), 400, "origin-form :path");
        malformed(connect("CONNECT", "websocket", "https", "/chat", null, false), "needs :authority (RFC 8441 section 4)");
        malformed(connect("CONNECT", "websocket", "https", "/chat", "", false), "needs :authority");
        refused(connect("CONNECT", "websocket", "https", "/chat", "server.example.com", true), 400, "must not end the stream");
    }

    @Test
    @DisplayName("RFC 9113 section 8.5: a CONNECT without :protocol is a tunnel: with :scheme/:path or without :authority malformed, else 405")
    void classicConnect() {
        malformed(connect("CONNECT", null, "https", null, "server.example.com:443", false), "must not carry :scheme or :path");
        malformed(connect("CONNECT", null, null, "/chat", "server.example.com:443", false), "must not carry :scheme or :path");
        malformed(connect("CONNECT", null, null, null, null, false), "needs :authority (RFC 9113 section 8.5)");
        HandshakeDecision.Reject r = refused(connect("CONNECT", null, null, null, "server.example.com:443", false), 405, "tunnel");
        assertEquals(Map.of("allow", ""), r.headers());
    }

    @Test
    @DisplayName("RFC 9113 sections 8.2.2 and 8.1.1: connection-specific fields and a content-length on an ended request are malformed, whatever the method")
    void malformedRequests() {
        for (String name : List.of("connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade")) {
            malformed(section51(name, "x"), "connection-specific field " + name);
        }
        malformed(section51("te", "gzip\u0001"), "te: gzip?");
        assertInstanceOf(Rfc8441Handshake.Server.Answer.class, decide(section51("te", " Trailers ")));
        malformed(section51("upgrade", "websocket", "connection", "upgrade"), "field upgrade");
        malformed(connect("GET", null, "https", "/page", "server.example.com", false, "keep-alive", "5"), "keep-alive");
        Rfc8441Handshake.Server.Request withLength = new Rfc8441Handshake.Server.Request("GET", null, "https", "/", "/",
                "h", "h", List.of(), 3, true, true);
        malformed(withLength, "content-length 3");
    }

    @Test
    @DisplayName("a request that is not a CONNECT goes to the ordinary handler")
    void notConnect() {
        assertInstanceOf(Rfc8441Handshake.Server.NotWebSocket.class,
                decide(connect("GET", null, "https", "/chat", "server.example.com", true)));
        assertInstanceOf(Rfc8441Handshake.Server.NotWebSocket.class,
                decide(connect("POST", null, "https", "/chat", "server.example.com", false)));
    }

    @Test
    @DisplayName("RFC 8441 section 5 keeps RFC 6455's version rule: not 13 gets 426 + sec-websocket-version: 13, and no Upgrade (RFC 9113 section 8.2.2)")
    void version() {
        HandshakeDecision.Reject r = refused(section51("sec-websocket-version", null, "sec-websocket-version", "8"), 426, "13");
        assertEquals(Map.of("Sec-WebSocket-Version", "13"), r.headers());
        refused(connect("CONNECT", "websocket", "https", "/other", "server.example.com", false), 404, "no WebSocket endpoint");
    }

    @Test
    @DisplayName("RFC 9110 section 15.6.4: at the socket limit a valid CONNECT gets 503 + retry-after; the limit is asked only then")
    void socketLimit() {
        AtomicInteger asked = new AtomicInteger();
        Rfc8441Handshake.Server.Outcome o = Rfc8441Handshake.Server.decide(ServerHandshake.forPeer(endpoints, null),
                connect("CONNECT", "websocket", "ftp", "/chat", "server.example.com", false), () -> asked.incrementAndGet() > 0);
        assertEquals(400, ((HandshakeDecision.Reject) ((Rfc8441Handshake.Server.Answer) o).decision()).status());
        assertEquals(0, asked.get());
        o = Rfc8441Handshake.Server.decide(ServerHandshake.forPeer(endpoints, null), section51(), () -> asked.incrementAndGet() > 0);
        HandshakeDecision.Reject r = (HandshakeDecision.Reject) ((Rfc8441Handshake.Server.Answer) o).decision();
        assertEquals(503, r.status());
        assertEquals(Map.of("retry-after", "5"), r.headers());
        assertNull(seen.get(), "the acceptor is not asked");
    }

    @Test
    @DisplayName("RFC 8441 section 4: :protocol on a request other than CONNECT makes it malformed")
    void protocolMisplaced() {
        assertTrue(Rfc8441Handshake.Server.protocolMisplaced(true, "GET"));
        assertFalse(Rfc8441Handshake.Server.protocolMisplaced(true, "CONNECT"));
        assertFalse(Rfc8441Handshake.Server.protocolMisplaced(false, "GET"));
        assertFalse(Rfc8441Handshake.Server.protocolMisplaced(true, null), "no :method: Jetty reports that itself");
    }

    // ---- client ----

    private static ClientRequest clientRequest(String uri, boolean messageMapping, DeflateConfig deflate) {
        return new ClientRequest(URI.create(uri), List.of(Map.entry("Origin", "http://www.example.com")),
                List.of("chat", "superchat"), null, WebSocketOptions.DEFAULTS, Transport.H2, messageMapping, deflate);
    }

    private static final ClientRequest SECTION_51 = clientRequest("wss://server.example.com/chat", false, DeflateConfig.disabled());

    private static Map<String, List<String>> fields(String... nameValue) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.computeIfAbsent(nameValue[i], k -> new ArrayList<>()).add(nameValue[i + 1]);
        }
        return m;
    }

    @Test
    @DisplayName("RFC 8441 sections 4 and 5.1: the client's CONNECT: https scheme for wss, :protocol websocket, version 13, offers, lower-case user fields, no key")
    void clientRequestOfSection51() {
        Rfc8441Handshake.Client.Connect c = Rfc8441Handshake.Client.request(SECTION_51);
        assertEquals("https", c.scheme());
        assertEquals("server.example.com", c.authority());
        assertEquals("/chat", c.path());
        assertEquals("websocket", c.protocol());
        assertEquals(List.of(Map.entry("sec-websocket-version", "13"), Map.entry("sec-websocket-protocol", "chat, superchat"),
                Map.entry("origin", "http://www.example.com")), c.fields());
        Rfc8441Handshake.Client.Connect mm = Rfc8441Handshake.Client.request(
                clientRequest("ws://127.0.0.1:8080/chat?x=1", true, DeflateConfig.defaults()));
        assertEquals("http", mm.scheme());
        assertEquals("127.0.0.1:8080", mm.authority());
        assertEquals("/chat?x=1", mm.path());
        assertEquals("h2ws-message", mm.protocol());
        assertTrue(mm.fields().stream().anyMatch(f -> f.getKey().equals("sec-websocket-extensions")
                && f.getValue().startsWith("permessage-deflate")), mm.fields().toString());
    }

    @Test
    @DisplayName("RFC 8441 section 5.1: the example's 200 with sec-websocket-protocol chat opens the socket; any 2xx does")
    void clientAccepts() throws Exception {
        ClientHandshake.Agreed a = Rfc8441Handshake.Client.check(SECTION_51, 200, false, fields("sec-websocket-protocol", "chat"));
        assertEquals("chat", a.subprotocol());
        assertNull(a.deflate());
        assertEquals("", Rfc8441Handshake.Client.check(SECTION_51, 204, false, fields()).subprotocol());
        assertNull(Rfc8441Handshake.Client.check(SECTION_51, 100, false, fields()), "interim: wait for the next HEADERS");
    }

    @Test
    @DisplayName("RFC 8441 section 5: 3xx-5xx refuse with the status; a 2xx with END_STREAM opens nothing")
    void clientRefusals() {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                () -> Rfc8441Handshake.Client.check(SECTION_51, 404, false, fields()));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().endsWith("the server refused the extended CONNECT"), e.getMessage());
        e = assertThrows(HandshakeFailedException.class, () -> Rfc8441Handshake.Client.check(
                clientRequest("ws://127.0.0.1:8080/chat", true, DeflateConfig.disabled()), 400, false, fields()));
        assertTrue(e.getMessage().contains("through such a proxy use the RFC 8441 mapping"), e.getMessage());
        e = assertThrows(HandshakeFailedException.class, () -> Rfc8441Handshake.Client.check(SECTION_51, 200, true, fields()));
        assertEquals(200, e.status());
        assertTrue(e.getMessage().contains("ended the stream in its 2xx answer"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 8441 section 5 with RFC 6455 section 4.1: a subprotocol or extension the client did not offer fails the connection")
    void clientRules() {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                () -> Rfc8441Handshake.Client.check(SECTION_51, 200, false, fields("sec-websocket-protocol", "mqtt")));
        assertEquals(-1, e.status());
        e = assertThrows(HandshakeFailedException.class, () -> Rfc8441Handshake.Client.check(SECTION_51, 200, false,
                fields("sec-websocket-extensions", "permessage-deflate")));
        assertEquals(-1, e.status());
        assertTrue(e.getMessage().contains("permessage-deflate"), e.getMessage());
        assertThrows(HandshakeFailedException.class, () -> Rfc8441Handshake.Client.check(SECTION_51, 200, false,
                fields("sec-websocket-extensions", "permessage-deflate;;")));
    }
}
