package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.h2ws.server.HandshakeException;

class SubprotocolsTest {

    @Test
    @DisplayName("RFC 6455 section 4.1 item 10: the offer is every token of every line, in order")
    void parseOffer() {
        assertEquals(List.of("chat", "superchat", "v2.mqtt"),
                Subprotocols.parseOffer(List.of(" chat ,superchat", "", "\tv2.mqtt,")));
        assertEquals(List.of(), Subprotocols.parseOffer(List.of()));
    }

    @Test
    @DisplayName("RFC 6455 section 11.3.4: names are case-sensitive, so chat and Chat are two offers")
    void caseSensitiveOffer() {
        assertEquals(List.of("chat", "Chat"), Subprotocols.parseOffer(List.of("chat, Chat")));
    }

    @ParameterizedTest
    @DisplayName("RFC 6455 section 4.1 item 10: non-token elements are rejected")
    @ValueSource(strings = {"chat, super chat", "chat;v=1", "\"chat\"", "a/b", "caf\u00e9", "chat, x@y"})
    void nonTokenOffer(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Subprotocols.parseOffer(List.of(value)));
        assertTrue(e.getMessage().contains("not a token"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 item 10: duplicates are rejected, also across lines")
    void duplicateOffer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Subprotocols.parseOffer(List.of("chat, mqtt", "chat")));
        assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2 step 4: the server picks its most preferred offered subprotocol")
    void selectServerPreference() {
        List<String> offered = List.of("a", "b", "c");
        assertEquals(Optional.of("c"), Subprotocols.select(offered, List.of("c", "a")));
        assertEquals(Optional.of("b"), Subprotocols.select(offered, List.of("z", "b")));
        assertEquals(Optional.empty(), Subprotocols.select(offered, List.of("z")));
        assertEquals(Optional.empty(), Subprotocols.select(List.of(), List.of("a")));
        assertEquals(Optional.empty(), Subprotocols.select(offered, List.of()));
    }

    @Test
    @DisplayName("RFC 6455 section 11.3.4: selection matches case-sensitively")
    void selectCaseSensitive() {
        assertEquals(Optional.empty(), Subprotocols.select(List.of("Chat"), List.of("chat")));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: the client accepts no selection or one it offered")
    void clientAccepts() {
        assertDoesNotThrow(() -> Subprotocols.checkClientSide(List.of("chat"), null));
        assertDoesNotThrow(() -> Subprotocols.checkClientSide(List.of(), null));
        assertDoesNotThrow(() -> Subprotocols.checkClientSide(List.of("chat", "mqtt"), "mqtt"));
        assertDoesNotThrow(() -> Subprotocols.checkClientSide(List.of("chat"), " chat "));
    }

    @ParameterizedTest
    @DisplayName("RFC 6455 section 4.1: the client fails on an unoffered, multiple, empty or malformed selection")
    @ValueSource(strings = {"other", "Chat", "chat, mqtt", "chat,chat", "", " ", "ch at", "chat;x"})
    void clientRejects(String selected) {
        HandshakeException e = assertThrows(HandshakeException.class,
                () -> Subprotocols.checkClientSide(List.of("chat", "mqtt"), selected));
        assertTrue(e.status().isEmpty());
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: a selection when the client offered none fails")
    void clientRejectsUnsolicited() {
        assertThrows(HandshakeException.class, () -> Subprotocols.checkClientSide(List.of(), "chat"));
    }
}
