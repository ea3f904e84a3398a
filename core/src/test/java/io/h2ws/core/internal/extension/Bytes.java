package io.h2ws.core.internal.extension;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: hex literals as in the RFC, and collecting an inflater's chunks. */
final class Bytes {
    private Bytes() {}

    /** "0xf2 0x48" or "f2 48" to bytes. */
    static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i].replace("0x", ""), 16);
        }
        return out;
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Collects chunks, remembering each chunk's size. */
    static final class Sink implements java.util.function.Consumer<ByteBuffer> {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final List<Integer> sizes = new ArrayList<>();
        long total;

        @Override
        public void accept(ByteBuffer b) {
            sizes.add(b.remaining());
            total += b.remaining();
            all.writeBytes(toArray(b));
        }

        byte[] bytes() {
            return all.toByteArray();
        }

        String text() {
            return all.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        void clear() {
            all.reset();
            sizes.clear();
            total = 0;
        }
    }
}
