package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HandshakeHeadersTest {

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 6: exactly one version, \"13\", is supported")
    void supportedVersion() {
        assertTrue(HandshakeHeaders.isSupportedVersion(List.of("13")));
        assertTrue(HandshakeHeaders.isSupportedVersion(List.of(" 13\t")));
    }

    @Test
    @DisplayName("RFC 6455 sections 4.2.1 item 6 and 11.3.5: other, missing or several versions are not")
    void unsupportedVersions() {
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of()));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("8")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("013")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("13.0")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("13, 8")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("13", "13")));
        assertFalse(HandshakeHeaders.isSupportedVersion(List.of("8", "13")));
    }

    @Test
    @DisplayName("RFC 9113 section 8.2.1: field names are lower case so HTTP/2 can use them as they are")
    void namesAreLowerCase() {
        for (String name : List.of(HandshakeHeaders.SEC_WEBSOCKET_KEY, HandshakeHeaders.SEC_WEBSOCKET_ACCEPT,
                HandshakeHeaders.SEC_WEBSOCKET_VERSION, HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL,
                HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, HandshakeHeaders.ORIGIN, HandshakeHeaders.UPGRADE,
                HandshakeHeaders.CONNECTION, HandshakeHeaders.HOST, HandshakeHeaders.WEBSOCKET)) {
            assertEquals(name.toLowerCase(Locale.ROOT), name);
            assertTrue(HeaderTokens.isToken(name));
        }
        assertEquals("13", HandshakeHeaders.VERSION);
    }
}
