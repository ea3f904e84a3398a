package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.ServerHandshake;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.socket.Transport;

/** Vectors for the server's side of the RFC 6455 opening handshake (sections 4.2.1 and 4.2.2), built on section 1.3's sample. */
class Rfc6455ServerHandshakeTest {

    /** RFC 6455 section 1.3: this key's accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private final AtomicReference<HandshakeRequest> seen = new AtomicReference<>();
    private final Endpoints endpoints = new Endpoints()
            .add(Endpoint.builder("/chat").subprotocols("chat").deflate(DeflateConfig.disabled())
                    .acceptor(r -> {
                        seen.set(r);
                        return new EchoListener();
                    }).build())
            .add(Endpoint.builder("/deflate").listener(EchoListener::new).build())
            .add(Endpoint.builder("/strict").originPolicy("https://ok.example"::equals).listener(EchoListener::new).build());

    /** Section 1.3's client handshake, as lines "name", "value", ...; lower-case names as the transport gives them. */
    private static Map<String, List<String>> section13(String... replace) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        String[] base = {"host", "server.example.com", "upgrade", "websocket", "connection", "Upgrade",
                "sec-websocket-key", KEY, "origin", "http://example.com",
                "sec-websocket-protocol", "chat, superchat", "sec-websocket-version", "13"};
        for (int i = 0; i < base.length; i += 2) {
            m.put(base[i], List.of(base[i + 1]));
        }
        for (int i = 0; i < replace.length; i += 2) {
            if (replace[i + 1] == null) {
                m.remove(replace[i]);
            } else {
                m.computeIfAbsent(replace[i], k -> new ArrayList<>());
                m.put(replace[i], concat(m.get(replace[i]), replace[i + 1], i > 0 && replace[i].equals(replace[i - 2])));
            }
        }
        return m;
    }

    private static List<String> concat(List<String> old, String value, boolean append) {
        List<String> out = new ArrayList<>(append ? old : List.of());
        out.add(value);
        return out;
    }

    private static Rfc6455ServerHandshake.Request get(String path, Map<String, List<String>> headers) {
        return new Rfc6455ServerHandshake.Request("HTTP/1.1", "GET", path, false, headers);
    }

    private HandshakeDecision decide(Rfc6455ServerHandshake.Request request) {
        return Rfc6455ServerHandshake.decide(ServerHandshake.forPeer(endpoints, null), request, () -> false);
    }

    private HandshakeDecision.Reject refused(Rfc6455ServerHandshake.Request request, int status, String reasonFragment) {
        HandshakeDecision.Reject r = assertInstanceOf(HandshakeDecision.Reject.class, decide(request));
        assertEquals(status, r.status(), r.toString());
        assertTrue(r.reason().contains(reasonFragment), r.reason());
        return r;
    }

    @Test
    @DisplayName("RFC 6455 sections 1.3 and 4.2.2 step 5: section 1.3's request is accepted with its 101 headers and subprotocol chat")
    void section13Accepted() {
        HandshakeDecision.Accept a = assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/chat", section13())));
        assertEquals(List.of("Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol"), List.copyOf(a.headers().keySet()));
        assertEquals("websocket", a.headers().get("Upgrade"));
        assertEquals("Upgrade", a.headers().get("Connection"));
        assertEquals(ACCEPT, a.headers().get("Sec-WebSocket-Accept"));
        assertEquals("chat", a.headers().get("Sec-WebSocket-Protocol"));
        assertEquals("chat", a.subprotocol());
        assertNull(a.deflate());
        HandshakeRequest r = seen.get();
        assertEquals(Transport.H1, r.transport());
        assertEquals("server.example.com", r.authority());
        assertEquals("/chat", r.path());
        assertEquals("http://example.com", r.header("Origin"));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 1: HTTP/1.0 is refused with 400, a method other than GET (case-sensitive) with 405 + Allow: GET")
    void versionAndMethod() {
        refused(new Rfc6455ServerHandshake.Request("HTTP/1.0", "GET", "/chat", false, section13()), 400, "HTTP/1.0 has no Upgrade");
        for (String method : List.of("POST", "get", "CONNECT")) {
            HandshakeDecision.Reject r = refused(new Rfc6455ServerHandshake.Request("HTTP/1.1", method, "/chat", false,
                    section13()), 405, "GET request");
            assertEquals(Map.of("Allow", "GET"), r.headers());
        }
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 items 3-4: Upgrade and Connection are case-insensitive token lists; without them 426 / 400")
    void upgradeAndConnection() {
        assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/chat",
                section13("upgrade", "h2c, WebSocket", "connection", "keep-alive, UPGRADE"))));
        assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/chat",
                section13("connection", "keep-alive", "connection", "Upgrade"))), "two Connection lines form one list");
        HandshakeDecision.Reject r = refused(get("/chat", section13("upgrade", null)), 426, "section 4.2.1 item 3");
        assertEquals(Map.of("Upgrade", "websocket", "Connection", "Upgrade"), r.headers());
        refused(get("/chat", section13("upgrade", "websockets")), 426, "item 3");
        refused(get("/chat", section13("connection", null)), 400, "section 4.2.1 item 4");
        refused(get("/chat", section13("connection", "keep-alive, upgrades")), 400, "item 4");
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 2: a missing or blank Host is refused with 400")
    void host() {
        refused(get("/chat", section13("host", null)), 400, "section 4.2.1 item 2");
        refused(get("/chat", section13("host", " ")), 400, "item 2");
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: an upgrade request with a body (Transfer-Encoding, Content-Length not 0 or not a number) gets 400")
    void body() {
        refused(get("/chat", section13("content-length", "5")), 400, "must not carry a body");
        refused(get("/chat", section13("content-length", "five")), 400, "must not carry a body");
        refused(get("/chat", section13("transfer-encoding", "chunked")), 400, "must not carry a body");
        assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/chat", section13("content-length", " 0"))));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 5: the key must appear once and be base64 of 16 bytes; section 4.1's non-canonical example passes")
    void key() {
        refused(get("/chat", section13("sec-websocket-key", null)), 400, "section 4.2.1 item 5");
        refused(get("/chat", section13("sec-websocket-key", KEY, "sec-websocket-key", KEY)), 400, "item 5");
        refused(get("/chat", section13("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ")), 400, "item 5");
        refused(get("/chat", section13("sec-websocket-key", "c2hvcnQ=")), 400, "item 5");
        HandshakeDecision.Accept a = assertInstanceOf(HandshakeDecision.Accept.class,
                decide(get("/chat", section13("sec-websocket-key", "AQIDBAUGBwgJCgsMDQ4PEC=="))));
        assertEquals(AcceptKey.accept("AQIDBAUGBwgJCgsMDQ4PEC=="), a.headers().get("Sec-WebSocket-Accept"));
    }

    @Test
    @DisplayName("RFC 9110 section 15.6.4: at the socket limit a valid handshake gets 503 + Retry-After; the limit is asked only then")
    void socketLimit() {
        AtomicInteger asked = new AtomicInteger();
        HandshakeDecision d = Rfc6455ServerHandshake.decide(ServerHandshake.forPeer(endpoints, null), get("/chat", section13("host", null)), () -> {
            asked.incrementAndGet();
            return true;
        });
        assertEquals(400, ((HandshakeDecision.Reject) d).status());
        assertEquals(0, asked.get());
        HandshakeDecision.Reject r = (HandshakeDecision.Reject) Rfc6455ServerHandshake.decide(ServerHandshake.forPeer(endpoints, null),
                get("/chat", section13()), () -> asked.incrementAndGet() > 0);
        assertEquals(503, r.status());
        assertEquals(Map.of("Retry-After", "5"), r.headers());
        assertNull(seen.get(), "the acceptor is not asked");
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2 step 4: version other than 13 gets 426 with Sec-WebSocket-Version: 13, Upgrade and Connection")
    void version() {
        for (String v : new String[] {"8", "13, 8", ""}) {
            HandshakeDecision.Reject r = refused(get("/chat", section13("sec-websocket-version", v)), 426, "speaks 13");
            assertEquals(Map.of("Sec-WebSocket-Version", "13", "Upgrade", "websocket", "Connection", "Upgrade"), r.headers());
        }
        refused(get("/chat", section13("sec-websocket-version", null)), 426, "speaks 13");
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2 steps 1 and 4: unknown path 404, refused Origin 403, malformed subprotocol offer 400")
    void sharedRules() {
        refused(get("/nowhere", section13()), 404, "no WebSocket endpoint");
        refused(get("/strict", section13()), 403, "origin");
        assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/strict", section13("origin", "https://ok.example"))));
        refused(get("/chat", section13("sec-websocket-protocol", "chat, a b")), 400, "Sec-WebSocket-Protocol");
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2 step 4 /extensions/, RFC 7692: permessage-deflate is accepted and answered; no common subprotocol, no header")
    void extensions() {
        HandshakeDecision.Accept a = assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/deflate",
                section13("sec-websocket-extensions", "permessage-deflate; client_max_window_bits"))));
        assertTrue(a.headers().get("Sec-WebSocket-Extensions").startsWith("permessage-deflate"), a.headers().toString());
        assertFalse(a.headers().containsKey("Sec-WebSocket-Protocol"), "the endpoint has no subprotocols");
        a = assertInstanceOf(HandshakeDecision.Accept.class, decide(get("/chat",
                section13("sec-websocket-extensions", "permessage-deflate"))));
        assertFalse(a.headers().containsKey("Sec-WebSocket-Extensions"), "deflate disabled on /chat");
    }

    @Test
    @DisplayName("a request concerns the WebSocket server when it asks for Upgrade: websocket or targets an endpoint")
    void concerns() {
        assertTrue(Rfc6455ServerHandshake.concerns(endpoints, "/chat?x=1", List.of()));
        assertTrue(Rfc6455ServerHandshake.concerns(endpoints, "/other", List.of("WebSocket")));
        assertFalse(Rfc6455ServerHandshake.concerns(endpoints, "/other", List.of("h2c")));
        assertFalse(Rfc6455ServerHandshake.concerns(endpoints, null, List.of("websocket")));
    }
}
