package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AcceptKeyTest {

    private static String base64Of(int n) {
        return Base64.getEncoder().encodeToString(new byte[n]);
    }

    @Test
    @DisplayName("RFC 6455 section 1.3: the worked example key gives the worked example accept")
    void rfcExample() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.2: the key is used minus leading and trailing whitespace")
    void acceptTrimsWhitespace() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey.accept(" \tdGhlIHNhbXBsZSBub25jZQ== "));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 item 7: a new key is 16 random bytes in base64")
    void newKeyIsSixteenBytes() {
        String key = AcceptKey.newClientKey();
        assertEquals(24, key.length());
        assertEquals(16, Base64.getDecoder().decode(key).length);
        assertTrue(AcceptKey.isValidClientKey(key));
        assertNotEquals(key, AcceptKey.newClientKey(), "nonce must differ per connection");
    }

    @Test
    @DisplayName("RFC 6455 section 4.1 item 7: the key comes from the caller's random source")
    void newKeyUsesGivenRandom() {
        assertEquals(AcceptKey.newClientKey(new Random(42)), AcceptKey.newClientKey(new Random(42)));
        assertTrue(AcceptKey.isValidClientKey(AcceptKey.newClientKey(new Random(7))));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 5: only a key decoding to exactly 16 bytes is valid")
    void keyLength() {
        assertFalse(AcceptKey.isValidClientKey(base64Of(15)));
        assertTrue(AcceptKey.isValidClientKey(base64Of(16)));
        assertFalse(AcceptKey.isValidClientKey(base64Of(17)));
        assertFalse(AcceptKey.isValidClientKey(base64Of(0)));
        assertTrue(AcceptKey.isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: the non-canonical example key AQID...PEC== is still 16 bytes")
    void rfcNonCanonicalExampleKey() {
        assertTrue(AcceptKey.isValidClientKey("AQIDBAUGBwgJCgsMDQ4PEC=="));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 5: leading and trailing OWS is ignored")
    void keyWhitespaceTrimmed() {
        assertTrue(AcceptKey.isValidClientKey("  dGhlIHNhbXBsZSBub25jZQ==\t"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @DisplayName("RFC 6455 section 4.2.1 item 5: malformed base64 is not a valid key")
    @ValueSource(strings = {
        "",
        "   ",
        "dGhlIHNhbXBs ZSBub25jZQ==",      // interior whitespace
        "dGhlIHNhbXBsZSBub25jZQ",         // padding missing (RFC 4648 section 4)
        "dGhlIHNhbXBsZSBub25jZQ=",        // padding short
        "dGhlIHNhbXBsZSBub25jZ*==",       // outside the alphabet
        "dGhlIHNhbXBsZSBub25jZQ-_",       // base64url alphabet
        "dGhlIHNhbXBsZSBub25jZQ==\r\n",   // CR LF is not OWS
        "====dGhlIHNhbXBsZSBub25j",
        "not base64 at all!!!!!!!",
    })
    void malformedKeys(String key) {
        assertFalse(AcceptKey.isValidClientKey(key));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 item 5: a missing key is not valid")
    void nullKey() {
        assertFalse(AcceptKey.isValidClientKey(null));
    }
}
