package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;

/** Vectors for the client's side of the RFC 6455 opening handshake (section 4.1), the sample nonce of section 1.3. */
class Rfc6455ClientHandshakeTest {

    /** RFC 6455 section 1.3: this key's accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private static ClientRequest request(List<String> subprotocols) {
        return new ClientRequest(URI.create("ws://server.example.com/chat?x=1"), List.of(Map.entry("Origin", "http://example.com")),
                subprotocols, null, WebSocketOptions.DEFAULTS, Transport.H1);
    }

    private static Map<String, List<String>> fields(String... nameValue) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
        }
        return m;
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: the request head has GET, Host, Upgrade, Connection, key, version 13, then the user's headers")
    void requestHead() {
        String head = StandardCharsets.UTF_8.decode(Rfc6455ClientHandshake.request(request(List.of("chat", "superchat")), KEY)).toString();
        assertEquals("GET /chat?x=1 HTTP/1.1\r\n"
                + "Host: server.example.com\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: chat, superchat\r\n"
                + "Origin: http://example.com\r\n"
                + "\r\n", head);
    }

    @Test
    @DisplayName("RFC 6455 sections 1.3 and 4.1: the section 1.3 response is accepted, with its subprotocol")
    void section13ResponseAccepted() throws Exception {
        ClientHandshake.Agreed agreed = Rfc6455ClientHandshake.check(request(List.of("chat", "superchat")), KEY, 101,
                "Switching Protocols", "", fields("upgrade", "websocket", "connection", "Upgrade",
                        "sec-websocket-accept", ACCEPT, "sec-websocket-protocol", "chat"));
        assertEquals("chat", agreed.subprotocol());
        assertNull(agreed.deflate());
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 (client rule 1): a status other than 101 fails with that status and the body's start")
    void refusalKeepsTheStatus() {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class, () -> Rfc6455ClientHandshake.check(
                request(List.of()), KEY, 404, "Not Found", "no such endpoint", fields()));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("Not Found: no such endpoint"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 (client rules 2-4): a 101 without Upgrade, without Connection, or with a wrong accept fails")
    void rulesOfThe101() {
        assertFails("Upgrade: websocket", fields("connection", "Upgrade", "sec-websocket-accept", ACCEPT));
        assertFails("Connection: Upgrade", fields("upgrade", "websocket", "sec-websocket-accept", ACCEPT));
        assertFails("Sec-WebSocket-Accept is missing", fields("upgrade", "websocket", "connection", "Upgrade"));
        assertFails("Sec-WebSocket-Accept is wrong", fields("upgrade", "websocket", "connection", "Upgrade",
                "sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOp="));
        assertFails("Sec-WebSocket-Accept is wrong", fields("upgrade", "websocket", "connection", "Upgrade",
                "sec-websocket-accept", ACCEPT, "sec-websocket-accept", ACCEPT));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 (client rule 6): a subprotocol the client did not offer fails")
    void unofferedSubprotocol() {
        assertFails("", fields("upgrade", "websocket", "connection", "upgrade, keep-alive",
                "sec-websocket-accept", ACCEPT, "sec-websocket-protocol", "mqtt"));
    }

    private static void assertFails(String inMessage, Map<String, List<String>> fields) {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class, () -> Rfc6455ClientHandshake.check(
                request(List.of("chat")), KEY, 101, "Switching Protocols", "", fields));
        assertEquals(-1, e.status());
        assertTrue(e.getMessage().contains(inMessage), e.getMessage());
    }
}
