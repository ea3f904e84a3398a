package io.h2ws.core.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Random;

/**
 * Sec-WebSocket-Key and Sec-WebSocket-Accept of the HTTP/1.1 handshake (RFC 6455 sections 4.1,
 * 4.2.1 and 4.2.2). HTTP/2 has no use for them: RFC 8441 section 5 says the extended CONNECT
 * handshake does not carry either field, so only the HTTP/1.1 transport calls this class.
 */
public final class AcceptKey {

    /** The fixed GUID the server appends to the key (RFC 6455 section 1.3). */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static final int KEY_BYTES = 16;
    /** 16 bytes in base64 with padding: 22 data characters and "==". */
    private static final int KEY_CHARS = 24;

    // SecureRandom is thread-safe; one shared instance avoids re-seeding per handshake.
    private static final SecureRandom SHARED_RANDOM = new SecureRandom();

    private AcceptKey() {}

    /**
     * A fresh client nonce: base64 of 16 random bytes (section 4.1 item 7). Pass a
     * {@link SecureRandom} in production; a seeded {@link Random} is for reproducible tests only,
     * since the key's purpose is to be unpredictable to caches and intermediaries.
     */
    public static String newClientKey(Random random) {
        Objects.requireNonNull(random, "random");
        byte[] nonce = new byte[KEY_BYTES];
        random.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** {@link #newClientKey(Random)} with a shared {@link SecureRandom}. */
    public static String newClientKey() {
        return newClientKey(SHARED_RANDOM);
    }

    /**
     * The Sec-WebSocket-Accept value for a client key: base64(SHA-1(key + GUID)) (section 4.2.2
     * item 5.4). The key is used as sent minus leading and trailing whitespace, and is not
     * decoded, exactly as the section says; validate it first with {@link #isValidClientKey}.
     */
    public static String accept(String clientKey) {
        Objects.requireNonNull(clientKey, "clientKey");
        String key = HeaderTokens.trimOws(clientKey);
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE implementation must provide SHA-1 (MessageDigest javadoc).
            throw new IllegalStateException("SHA-1 not available", e);
        }
        // ISO-8859-1 maps each header char back to the octet it came from on the wire.
        byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(digest);
    }

    /**
     * True if the OWS-trimmed key is base64 that decodes to exactly 16 bytes (section 4.2.1
     * item 5). Padding is required, as in RFC 4648 section 4 which RFC 6455 cites, so a valid key
     * is always 24 characters. Non-zero unused bits are tolerated on purpose: the section 4.1
     * example itself, "AQIDBAUGBwgJCgsMDQ4PEC==", is not the canonical encoding of its bytes.
     */
    public static boolean isValidClientKey(String key) {
        if (key == null) {
            return false;
        }
        String trimmed = HeaderTokens.trimOws(key);
        if (trimmed.length() != KEY_CHARS) {
            return false;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return decoded.length == KEY_BYTES;
    }
}
