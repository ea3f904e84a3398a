package io.h2ws.core.internal.frame;

/**
 * Where a client gets the masking key for each frame it sends (RFC 6455 section 5.3). One instance
 * per socket; instances are not thread-safe.
 */
@FunctionalInterface
public interface MaskKeys {

    /** The key for the next frame, big-endian as on the wire. */
    int nextKey();

    /**
     * Unpredictable keys, as section 5.3 requires ("derived from a strong source of entropy"),
     * drawn from a {@link java.security.SecureRandom} in batches so the cost per frame is a
     * four-byte read. See {@link SecureMaskKeys} for why not a seeded fast PRNG.
     */
    static MaskKeys secure() {
        return new SecureMaskKeys();
    }

    /** Always {@code key}: for tests and for reproducing captured traffic, never for real clients. */
    static MaskKeys fixed(int key) {
        return () -> key;
    }
}
