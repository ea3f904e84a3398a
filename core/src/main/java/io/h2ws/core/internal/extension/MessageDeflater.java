package io.h2ws.core.internal.extension;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.Deflater;

import io.h2ws.core.internal.Role;
import io.h2ws.socket.DeflateConfig;

/**
 * Compresses the payloads of outgoing messages for permessage-deflate (RFC 7692 section 7.2.1),
 * one part at a time so a fragmented message never has to be whole in memory. Not thread-safe:
 * one instance per connection direction, driven by whoever sends.
 *
 * <p>Context takeover (section 7.1.1): by default the LZ77 window carries over from message to
 * message, which is what makes the second "Hello" of section 7.2.3.2 five bytes; with
 * no_context_takeover the compressor is reset after every message.
 *
 * <p>Window limit (section 7.1.2): {@link Deflater} always uses a 15-bit window. When the agreed
 * limit for our direction is smaller, we switch to {@link Deflater#HUFFMAN_ONLY}, which emits
 * literals only and so never refers back any distance: valid under every window size, at a worse
 * ratio.
 *
 * <p>Native memory is allocated on the first message, not at construction, so connections that
 * never send compressed messages cost nothing; call {@link #end()} when the connection closes.
 */
public final class MessageDeflater {

    private static final int MIN_OUT = 64;
    private static final byte[] NO_BYTES = new byte[0];

    private final int level;
    private final boolean noContextTakeover;
    private final int windowBits;
    private Deflater deflater;
    private boolean ended;
    private boolean inMessage;

    /**
     * @param level             {@link Deflater} level, -1 or 0..9
     * @param noContextTakeover reset after every message (our side's *_no_context_takeover)
     * @param windowBits        the agreed max_window_bits for our direction, 8..15
     */
    public MessageDeflater(int level, boolean noContextTakeover, int windowBits) {
        if (level != Deflater.DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
            throw new IllegalArgumentException("level must be -1 or 0..9, got " + level);
        }
        if (windowBits < DeflateParams.MIN_WINDOW_BITS || windowBits > DeflateParams.MAX_WINDOW_BITS) {
            throw new IllegalArgumentException("windowBits must be 8..15, got " + windowBits);
        }
        this.level = level;
        this.noContextTakeover = noContextTakeover;
        this.windowBits = windowBits;
    }

    /** The compressor {@code role} uses for what it sends, under the agreed parameters. */
    public static MessageDeflater forSending(Role role, DeflateParams params, DeflateConfig cfg) {
        return new MessageDeflater(cfg.compressionLevel(), params.noContextTakeoverSending(role),
                params.windowBitsSending(role));
    }

    /**
     * Compresses the next part of the current message; the first call starts a message. Returns
     * the bytes to send for this part, possibly empty for a non-last part since the compressor may
     * hold data back until it has enough for a block. On the last part the data is flushed with
     * Z_SYNC_FLUSH and the trailing 0x00 0x00 0xff 0xff removed (section 7.2.1); an empty message
     * gives the single byte 0x00 (section 7.2.3.6).
     *
     * @param part consumed entirely (position moves to limit)
     * @param last whether this part ends the message
     * @return a new buffer, ready to read
     */
    public ByteBuffer deflate(ByteBuffer part, boolean last) {
        if (ended) {
            throw new IllegalStateException("deflater ended");
        }
        if (deflater == null) {
            deflater = new Deflater(level, true); // raw DEFLATE: no zlib header (section 7.2.1)
            if (windowBits < DeflateParams.MAX_WINDOW_BITS) {
                deflater.setStrategy(Deflater.HUFFMAN_ONLY);
            }
        }
        inMessage = true;
        deflater.setInput(part);
        byte[] out = new byte[Math.max(MIN_OUT, part.remaining() / 2 + 16)];
        int len = 0;
        int flush = last ? Deflater.SYNC_FLUSH : Deflater.NO_FLUSH;
        while (true) {
            len += deflater.deflate(out, len, out.length - len, flush);
            // Only a call that leaves room in the buffer proves the deflater has nothing more to
            // give for this flush mode (the Deflater javadoc's own rule for SYNC_FLUSH).
            if (len < out.length && deflater.needsInput()) {
                break;
            }
            if (len == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
        }
        part.position(part.limit()); // setInput(ByteBuffer) advanced it already; make it explicit
        deflater.setInput(NO_BYTES); // do not keep the caller's buffer reachable between calls
        if (last) {
            if (len == 0) {
                // zlib refuses a second SYNC_FLUSH with nothing new since the previous one (an
                // empty message right after another, with context takeover) and emits nothing.
                // Section 7.2.3.6: an empty message is the single byte 0x00, which inflates to
                // nothing and leaves the window as it was.
                out[0] = 0;
                len = 1;
            } else {
                if (len < 4 || out[len - 4] != 0 || out[len - 3] != 0 || out[len - 2] != (byte) 0xff
                        || out[len - 1] != (byte) 0xff) {
                    throw new IllegalStateException("SYNC_FLUSH output does not end with 00 00 ff ff");
                }
                len -= 4;
                if (len == 0) {
                    out[0] = 0; // as above: an empty payload would leave the peer's inflater mid-block
                    len = 1;
                }
            }
            inMessage = false;
            if (noContextTakeover) {
                deflater.reset();
            }
        }
        return ByteBuffer.wrap(out, 0, len).slice();
    }

    /** Whether a message was started and its last part not yet given. */
    public boolean inMessage() {
        return inMessage;
    }

    /**
     * Approximate native memory held, in bytes: zlib documents deflate as needing
     * {@code (1 << (windowBits + 2)) + (1 << (memLevel + 9))} (zconf.h, "memory requirements");
     * java.util.zip uses windowBits 15 and memLevel 8, hence 256 KiB, plus about 6 KiB of state.
     * 0 before the first message and after {@link #end()}.
     */
    public long memoryEstimate() {
        return deflater == null || ended ? 0 : DEFLATE_MEMORY;
    }

    /** {@link #memoryEstimate()} of a live compressor. */
    public static final long DEFLATE_MEMORY = (1L << (15 + 2)) + (1L << (8 + 9)) + 6 * 1024;

    /** Frees the native memory now rather than at garbage collection; the instance is then unusable. */
    public void end() {
        ended = true;
        if (deflater != null) {
            deflater.end();
        }
    }
}
