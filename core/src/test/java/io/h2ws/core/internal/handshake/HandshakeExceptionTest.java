package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import io.h2ws.server.HandshakeException;

class HandshakeExceptionTest {

    @Test
    @DisplayName("RFC 6455 section 4.1: a client-side failure has a reason and no status")
    void clientSide() {
        HandshakeException e = new HandshakeException("bad accept");
        assertEquals("bad accept", e.reason());
        assertEquals(OptionalInt.empty(), e.status());
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2 item 4: a server-side failure carries its status, e.g. 426")
    void serverSide() {
        HandshakeException e = new HandshakeException(426, "version 8 not supported");
        assertEquals("version 8 not supported", e.reason());
        assertEquals(OptionalInt.of(426), e.status());
        assertTrue(e.getMessage().contains("426"));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2: a failure status is never 1xx/2xx/3xx")
    void statusRange() {
        assertThrows(IllegalArgumentException.class, () -> new HandshakeException(101, "x"));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeException(200, "x"));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeException(302, "x"));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeException(600, "x"));
    }
}
