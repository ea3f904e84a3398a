package io.h2ws.h2.internal;

/**
 * The bounds of the HTTP/2 frame and window settings both builders expose, checked in one place
 * so that the server and the client reject the same values with the same words.
 *
 * <p>The trade-off they set ({@code spec-notes/benchmarks.md}, "Head-of-line: frame size"): the
 * SETTINGS_MAX_FRAME_SIZE one side advertises caps the DATA frames the <em>other</em> side
 * sends to it. A larger frame costs fewer frame headers and flusher passes for a bulk sender,
 * but a frame on the wire cannot be interleaved, so every small message of a sibling stream
 * waits behind a whole big frame. The stream window bounds what one socket that stops reading
 * leaves buffered at the receiver, and what a sender may have in flight on one stream (so it
 * caps throughput at window / round trip); the session window bounds the same for all the
 * streams of a connection together.
 */
public final class H2FrameSettings {

    /** Smallest SETTINGS_MAX_FRAME_SIZE, also the HTTP/2 default (RFC 9113 section 6.5.2). */
    public static final int MIN_MAX_FRAME_SIZE = 16_384;
    /** Largest SETTINGS_MAX_FRAME_SIZE: 2^24 - 1 (RFC 9113 section 6.5.2). */
    public static final int MAX_MAX_FRAME_SIZE = 16_777_215;
    /** Largest flow-control window: 2^31 - 1 (RFC 9113 sections 6.5.2 and 6.9.1). */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;
    /**
     * Smallest session window we accept: the 65,535 every connection starts with. RFC 9113
     * section 6.9.2 lets a connection window change only by WINDOW_UPDATE, which can only grow
     * it, so a smaller value could not be advertised (Jetty would silently keep 65,535).
     */
    public static final int MIN_SESSION_WINDOW = 65_535;

    private H2FrameSettings() {}

    /** Returns {@code bytes} if it is a valid SETTINGS_MAX_FRAME_SIZE, else throws naming {@code what}. */
    public static int requireMaxFrameSize(int bytes, String what) {
        if (bytes < MIN_MAX_FRAME_SIZE || bytes > MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException(what + " must be " + MIN_MAX_FRAME_SIZE + ".." + MAX_MAX_FRAME_SIZE
                    + " (RFC 9113 section 6.5.2): " + bytes);
        }
        return bytes;
    }

    /** Returns {@code bytes} if it is a valid SETTINGS_INITIAL_WINDOW_SIZE (1..2^31-1; 0 would stall every stream). */
    public static int requireStreamWindow(int bytes, String what) {
        if (bytes < 1) {
            throw new IllegalArgumentException(what + " must be 1.." + MAX_WINDOW + " (RFC 9113 section 6.5.2): " + bytes);
        }
        return bytes;
    }

    /** Returns {@code bytes} if it is a session window that can be advertised: 65,535..2^31-1. */
    public static int requireSessionWindow(int bytes, String what) {
        if (bytes < MIN_SESSION_WINDOW) {
            throw new IllegalArgumentException(what + " must be " + MIN_SESSION_WINDOW + ".." + MAX_WINDOW
                    + " (a connection window starts at 65,535 and can only grow, RFC 9113 section 6.9.2): " + bytes);
        }
        return bytes;
    }
}
