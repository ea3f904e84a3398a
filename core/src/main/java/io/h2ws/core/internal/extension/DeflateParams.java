package io.h2ws.core.internal.extension;

import io.h2ws.core.internal.Role;

/**
 * The permessage-deflate parameters in effect once negotiation is done (RFC 7692 section 7.1):
 * the "agreed parameters" that section 7.2 compresses and decompresses with. Window sizes are
 * effective limits, never "absent": 15 when nobody asked for less (section 7.1.2.1 and 7.1.2.2
 * make 15 the default), so a caller never has to special-case a missing value.
 *
 * @param serverNoContextTakeover the server resets its compressor after every message
 *                                (section 7.1.1.1)
 * @param clientNoContextTakeover the client resets its compressor after every message
 *                                (section 7.1.1.2)
 * @param serverMaxWindowBits     LZ77 window the server compresses with, 8..15 (section 7.1.2.1)
 * @param clientMaxWindowBits     LZ77 window the client compresses with, 8..15 (section 7.1.2.2)
 */
public record DeflateParams(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
        int serverMaxWindowBits, int clientMaxWindowBits) {

    /** Smallest window a max_window_bits parameter may name (RFC 7692 section 7.1.2). */
    public static final int MIN_WINDOW_BITS = 8;
    /** Largest window, and the default when the parameter is absent (RFC 7692 section 7.1.2). */
    public static final int MAX_WINDOW_BITS = 15;

    /** No parameters at all: context takeover both ways, 32 KiB windows. */
    public static final DeflateParams DEFAULT = new DeflateParams(false, false, MAX_WINDOW_BITS, MAX_WINDOW_BITS);

    public DeflateParams {
        checkBits(serverMaxWindowBits, "serverMaxWindowBits");
        checkBits(clientMaxWindowBits, "clientMaxWindowBits");
    }

    /** Whether {@code role}'s own compressor must forget its window after every message. */
    public boolean noContextTakeoverSending(Role role) {
        return role == Role.SERVER ? serverNoContextTakeover : clientNoContextTakeover;
    }

    /** Whether the peer of {@code role} resets after every message, so our decompressor may too. */
    public boolean noContextTakeoverReceiving(Role role) {
        return role == Role.SERVER ? clientNoContextTakeover : serverNoContextTakeover;
    }

    /** The window {@code role}'s own compressor must stay within. */
    public int windowBitsSending(Role role) {
        return role == Role.SERVER ? serverMaxWindowBits : clientMaxWindowBits;
    }

    private static void checkBits(int bits, String what) {
        if (bits < MIN_WINDOW_BITS || bits > MAX_WINDOW_BITS) {
            throw new IllegalArgumentException(what + " must be 8..15, got " + bits + " (RFC 7692 section 7.1.2)");
        }
    }
}
