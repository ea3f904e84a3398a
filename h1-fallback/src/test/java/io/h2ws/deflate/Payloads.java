package io.h2ws.deflate;

import java.util.Random;

/** Deterministic test payloads for permessage-deflate: JSON-like text and random bytes. */
public final class Payloads {

    private Payloads() {}

    /**
     * JSON-like text of exactly {@code size} ASCII characters: an array of small records with
     * repeated keys and varying values, as an application would send (compresses well, not trivially).
     */
    public static String json(int size, long seed) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 200).append('[');
        for (int i = 0; sb.length() < size; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":").append(i).append(",\"user\":\"user").append(rnd.nextInt(1000))
                    .append("\",\"price\":").append(rnd.nextInt(100_000) / 100.0)
                    .append(",\"tags\":[\"").append(TAGS[rnd.nextInt(TAGS.length)]).append("\",\"")
                    .append(TAGS[rnd.nextInt(TAGS.length)]).append("\"],\"active\":").append(rnd.nextBoolean()).append('}');
        }
        sb.setLength(size - 1);
        return sb.append(']').toString();
    }

    public static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static final String[] TAGS = {"alpha", "beta", "gamma", "delta", "news", "sport", "tech", "eu", "us"};
}
