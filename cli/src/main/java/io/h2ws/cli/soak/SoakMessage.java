package io.h2ws.cli.soak;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The soak's message format: a 20-byte header (8-byte socket id, 8-byte sequence number, CRC32
 * of the payload), then the payload. Payload bytes are copied from one seeded random block at a
 * random offset, so making a message costs an array copy, not a random-number per byte.
 */
public final class SoakMessage {

    /** id (8) + sequence (8) + CRC32 of the payload (4). */
    public static final int HEADER = 20;

    private final byte[] block;
    private final int maxPayload;

    /** @param maxPayload the largest payload; @param seed seeds the random block */
    public SoakMessage(int maxPayload, long seed) {
        this.maxPayload = maxPayload;
        this.block = new byte[maxPayload + 4096];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < block.length; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < block.length; j++) {
                block[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    public int maxPayload() {
        return maxPayload;
    }

    /**
     * A payload size skewed toward small: 90% below 4 KiB, 9% below 64 KiB, 1% up to the
     * maximum (each range clamped to the maximum).
     */
    public int size(SplittableRandom r) {
        int p = r.nextInt(100);
        int hi;
        int lo;
        if (p < 90) {
            lo = 0;
            hi = 4096;
        } else if (p < 99) {
            lo = 4096;
            hi = 65536;
        } else {
            lo = 65536;
            hi = maxPayload + 1;
        }
        hi = Math.min(hi, maxPayload + 1);
        lo = Math.min(lo, hi - 1);
        return lo + r.nextInt(hi - lo);
    }

    /** A new message (header and payload); {@code crcOut[0]} receives the payload's CRC32. */
    public byte[] make(long id, long seq, int payload, SplittableRandom r, int[] crcOut) {
        byte[] m = new byte[HEADER + payload];
        int off = r.nextInt(block.length - payload + 1);
        System.arraycopy(block, off, m, HEADER, payload);
        CRC32 crc = new CRC32();
        crc.update(m, HEADER, payload);
        int c = (int) crc.getValue();
        ByteBuffer h = ByteBuffer.wrap(m, 0, HEADER);
        h.putLong(id).putLong(seq).putInt(c);
        crcOut[0] = c;
        return m;
    }

    /** The CRC32 of {@code message}'s payload (after the header); the buffer's position is kept. */
    public static int payloadCrc(ByteBuffer message) {
        ByteBuffer p = message.duplicate();
        p.position(p.position() + HEADER);
        CRC32 crc = new CRC32();
        crc.update(p);
        return (int) crc.getValue();
    }
}
