package io.h2ws.core.internal.frame;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Masking keys taken straight from a cryptographic generator, 64 at a time.
 *
 * <p>Why not {@code SplittableRandom} seeded from {@code SecureRandom}: the point of masking
 * (RFC 6455 section 10.3) is that the party choosing the payload cannot predict the key, and in
 * the cache-poisoning attack that party also runs the server, so it sees every previous key.
 * SplittableRandom's output function is invertible, so a few observed keys reveal its state and
 * every later key. Batching a DRBG keeps each key unpredictable while paying the generator's
 * locking and hashing once per 64 frames instead of once per frame.
 */
final class SecureMaskKeys implements MaskKeys {
    private static final int BATCH_KEYS = 64;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    /** Shared: SecureRandom is thread-safe, and seeding one per socket would cost entropy and time. */
    private static final SecureRandom SOURCE = create();

    private final byte[] batch = new byte[BATCH_KEYS * 4];
    private int next = batch.length;

    @Override
    public int nextKey() {
        if (next == batch.length) {
            SOURCE.nextBytes(batch);
            next = 0;
        }
        int key = (int) INTS.get(batch, next);
        next += 4;
        return key;
    }

    private static SecureRandom create() {
        try {
            // DRBG (NIST SP 800-90A) is pure Java after seeding: no file read per nextBytes call.
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
