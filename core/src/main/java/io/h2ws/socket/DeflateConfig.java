package io.h2ws.socket;

import java.util.zip.Deflater;
import io.h2ws.core.internal.extension.MessageInflater;

/**
 * Local policy for permessage-deflate (RFC 7692): what a client offers (section 7.1), what a
 * server accepts and imposes, and how hard to compress. Build with {@link #builder()}; the
 * defaults are an offer of {@code permessage-deflate; client_max_window_bits} (as Chromium sends)
 * and a server that accepts every offer it can honour without imposing anything.
 *
 * @param enabled                         offer (client) or accept (server) the extension at all
 * @param compressionLevel                {@link Deflater} level, -1 (zlib default, 6) or 0..9
 * @param minCompressSize                 messages shorter than this many bytes are sent
 *                                        uncompressed; section 6.1 lets a sender leave any message
 *                                        uncompressed, and tiny ones only grow
 * @param inflateChunkSize                largest buffer a {@link MessageInflater} hands out
 * @param offerClientMaxWindowBits        client: add a valueless client_max_window_bits to the
 *                                        offer, inviting the server to limit our window
 *                                        (section 7.1.2.2)
 * @param requestServerNoContextTakeover  client: offer server_no_context_takeover
 *                                        (section 7.1.1.1)
 * @param requestClientNoContextTakeover  client: offer client_no_context_takeover, committing
 *                                        ourselves to reset after every message (section 7.1.1.2)
 * @param acceptServerNoContextTakeover   server: accept offers asking us to reset our compressor;
 *                                        false declines them, e.g. because per-message resets cost
 *                                        CPU for little gain on small messages (section 7.1.1.1)
 * @param serverNoContextTakeover         server: always announce server_no_context_takeover, even
 *                                        unasked, as section 7.1.1.1 allows
 * @param requireClientNoContextTakeover  server: always announce client_no_context_takeover so
 *                                        our decompressor may reset between messages
 *                                        (section 7.1.1.2)
 */
public record DeflateConfig(boolean enabled, int compressionLevel, int minCompressSize, int inflateChunkSize,
        boolean offerClientMaxWindowBits, boolean requestServerNoContextTakeover,
        boolean requestClientNoContextTakeover, boolean acceptServerNoContextTakeover,
        boolean serverNoContextTakeover, boolean requireClientNoContextTakeover) {

    /** Default {@link #inflateChunkSize()}: one typical frame's worth, small next to the 256 KiB compressor. */
    public static final int DEFAULT_CHUNK_SIZE = 16 * 1024;

    public DeflateConfig {
        if (compressionLevel != Deflater.DEFAULT_COMPRESSION && (compressionLevel < 0 || compressionLevel > 9)) {
            throw new IllegalArgumentException("compressionLevel must be -1 or 0..9, got " + compressionLevel);
        }
        if (minCompressSize < 0) {
            throw new IllegalArgumentException("minCompressSize must be >= 0, got " + minCompressSize);
        }
        if (inflateChunkSize < 1) {
            throw new IllegalArgumentException("inflateChunkSize must be >= 1, got " + inflateChunkSize);
        }
    }

    /** The defaults described on the type. */
    public static DeflateConfig defaults() {
        return builder().build();
    }

    /** The extension neither offered nor accepted. */
    public static DeflateConfig disabled() {
        return builder().enabled(false).build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.enabled = enabled;
        b.compressionLevel = compressionLevel;
        b.minCompressSize = minCompressSize;
        b.inflateChunkSize = inflateChunkSize;
        b.offerClientMaxWindowBits = offerClientMaxWindowBits;
        b.requestServerNoContextTakeover = requestServerNoContextTakeover;
        b.requestClientNoContextTakeover = requestClientNoContextTakeover;
        b.acceptServerNoContextTakeover = acceptServerNoContextTakeover;
        b.serverNoContextTakeover = serverNoContextTakeover;
        b.requireClientNoContextTakeover = requireClientNoContextTakeover;
        return b;
    }

    /** Whether a whole message of {@code size} bytes is worth compressing under this policy. */
    public boolean shouldCompress(long size) {
        return enabled && size >= minCompressSize;
    }

    /** Mutable builder for {@link DeflateConfig}; each setter names the record component it sets. */
    public static final class Builder {
        private boolean enabled = true;
        private int compressionLevel = Deflater.DEFAULT_COMPRESSION;
        private int minCompressSize = 0;
        private int inflateChunkSize = DEFAULT_CHUNK_SIZE;
        private boolean offerClientMaxWindowBits = true;
        private boolean requestServerNoContextTakeover;
        private boolean requestClientNoContextTakeover;
        private boolean acceptServerNoContextTakeover = true;
        private boolean serverNoContextTakeover;
        private boolean requireClientNoContextTakeover;

        private Builder() {}

        public Builder enabled(boolean v) { enabled = v; return this; }
        public Builder compressionLevel(int v) { compressionLevel = v; return this; }
        public Builder minCompressSize(int v) { minCompressSize = v; return this; }
        public Builder inflateChunkSize(int v) { inflateChunkSize = v; return this; }
        public Builder offerClientMaxWindowBits(boolean v) { offerClientMaxWindowBits = v; return this; }
        public Builder requestServerNoContextTakeover(boolean v) { requestServerNoContextTakeover = v; return this; }
        public Builder requestClientNoContextTakeover(boolean v) { requestClientNoContextTakeover = v; return this; }
        public Builder acceptServerNoContextTakeover(boolean v) { acceptServerNoContextTakeover = v; return this; }
        public Builder serverNoContextTakeover(boolean v) { serverNoContextTakeover = v; return this; }
        public Builder requireClientNoContextTakeover(boolean v) { requireClientNoContextTakeover = v; return this; }

        public DeflateConfig build() {
            return new DeflateConfig(enabled, compressionLevel, minCompressSize, inflateChunkSize,
                    offerClientMaxWindowBits, requestServerNoContextTakeover, requestClientNoContextTakeover,
                    acceptServerNoContextTakeover, serverNoContextTakeover, requireClientNoContextTakeover);
        }
    }
}
