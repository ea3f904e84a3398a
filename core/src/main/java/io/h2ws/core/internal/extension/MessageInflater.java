package io.h2ws.core.internal.extension;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.Role;
import io.h2ws.socket.DeflateConfig;

/**
 * Decompresses the payloads of incoming compressed messages for permessage-deflate (RFC 7692
 * section 7.2.2), streaming: each frame's compressed bytes go in, inflated chunks of at most
 * {@code chunkSize} bytes come out, so neither the caller nor this class ever holds a whole
 * message. Not thread-safe: one instance per connection, driven by whoever reads.
 *
 * <p>Compression bomb defence (RFC 6455 section 10.4, "MUST protect themselves against exceeding
 * those limits"): the inflated size of the current message is counted as it is produced, the
 * output buffer is never larger than what is left under the limit plus one byte, and the moment
 * the count passes {@code maxMessageSize} a {@link ProtocolViolation} 1009 is thrown (RFC 6455
 * section 7.4.1, "a message that is too big for it to process"). 10 MiB of zeros, about 10 KiB
 * compressed, thus costs at most the limit in delivered chunks and one chunk of buffer.
 *
 * <p>Native memory is allocated on the first compressed message; call {@link #end()} when the
 * connection closes.
 */
public final class MessageInflater {

    /** The tail section 7.2.1 removed and section 7.2.2 puts back before inflating. */
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};
    private static final byte[] NO_BYTES = new byte[0];
    private static final String SECTION_TOO_BIG = "RFC 6455 section 7.4.1; RFC 7692 section 7.2.2";
    private static final String SECTION_CORRUPT = "RFC 7692 section 7.2.2";

    private final boolean peerNoContextTakeover;
    private final long maxMessageSize;
    private final int chunkSize;
    private Inflater inflater;
    private boolean ended;
    private long messageTotal;
    private long messageCompressed;
    private boolean streamFinished;

    /**
     * @param peerNoContextTakeover the peer resets its compressor after every message, so we may
     *                              reset ours too (section 7.1.1); with context takeover we must not
     * @param maxMessageSize        the largest inflated message accepted, in bytes
     * @param chunkSize             the largest buffer handed to the consumer
     */
    public MessageInflater(boolean peerNoContextTakeover, long maxMessageSize, int chunkSize) {
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("maxMessageSize must be >= 0, got " + maxMessageSize);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
        }
        this.peerNoContextTakeover = peerNoContextTakeover;
        this.maxMessageSize = maxMessageSize;
        this.chunkSize = chunkSize;
    }

    /** The decompressor {@code role} uses for what it receives, under the agreed parameters. */
    public static MessageInflater forReceiving(Role role, DeflateParams params, DeflateConfig cfg, long maxMessageSize) {
        return new MessageInflater(params.noContextTakeoverReceiving(role), maxMessageSize, cfg.inflateChunkSize());
    }

    /**
     * Inflates the next compressed part (one frame's payload) of the current message, handing
     * every inflated chunk to {@code out} before returning; the first call starts a message.
     * Each chunk is a fresh buffer the consumer may keep. On the last part 0x00 0x00 0xff 0xff is
     * appended first (section 7.2.2). Bytes after a block with BFINAL set are ignored, and the
     * next message then starts a new DEFLATE stream, as section 7.2.3.4 implies.
     *
     * @param compressedPart consumed entirely (position moves to limit)
     * @throws ProtocolViolation 1009 once the message inflates past {@code maxMessageSize};
     *         1007 if the data is not valid DEFLATE. Either way the connection is to be failed
     *         and this instance is no longer usable.
     */
    public void inflate(ByteBuffer compressedPart, boolean last, Consumer<ByteBuffer> out) {
        Objects.requireNonNull(compressedPart, "compressedPart");
        Objects.requireNonNull(out, "out");
        if (ended) {
            throw new IllegalStateException("inflater ended");
        }
        if (inflater == null) {
            inflater = new Inflater(true); // raw DEFLATE (section 7.2.2)
        }
        messageCompressed += compressedPart.remaining();
        drain(compressedPart, out);
        if (last) {
            // An empty compressed message is not what section 7.2.3.6 prescribes (0x00), but
            // inflating the bare tail would leave the inflater inside a stored block and garble
            // the next message; treating it as empty is the only useful reading.
            if (messageCompressed > 0) {
                drain(ByteBuffer.wrap(TAIL), out);
            }
            messageTotal = 0;
            messageCompressed = 0;
            if (peerNoContextTakeover || streamFinished) {
                inflater.reset();
                streamFinished = false;
            }
        }
    }

    private void drain(ByteBuffer input, Consumer<ByteBuffer> out) {
        if (streamFinished) {
            input.position(input.limit());
            return;
        }
        inflater.setInput(input);
        ByteBuffer chunk = null;
        try {
            while (true) {
                if (chunk == null) {
                    // One byte past the limit is enough to see it crossed; never more than a chunk.
                    long room = maxMessageSize - messageTotal + 1;
                    chunk = ByteBuffer.allocate((int) Math.min(chunkSize, room));
                }
                int n = inflater.inflate(chunk);
                messageTotal += n;
                if (messageTotal > maxMessageSize) {
                    end();
                    throw new ProtocolViolation(CloseCodes.TOO_BIG, SECTION_TOO_BIG,
                            "compressed message inflates to more than " + maxMessageSize + " bytes");
                }
                if (!chunk.hasRemaining()) {
                    out.accept(chunk.flip());
                    chunk = null;
                    continue;
                }
                if (inflater.finished()) {
                    streamFinished = true;
                    break;
                }
                if (n == 0) {
                    if (inflater.needsInput()) {
                        break;
                    }
                    // Raw DEFLATE has no preset dictionary; anything else stalled is corrupt.
                    end();
                    throw new ProtocolViolation(CloseCodes.INVALID_PAYLOAD, SECTION_CORRUPT,
                            "compressed message does not inflate: decompressor stalled");
                }
            }
        } catch (DataFormatException e) {
            end();
            // 1007 rather than 1002: the frames were well-formed and RSV1 was negotiated, but the
            // payload is not what the message claims to be, the same kind of fault as non-UTF-8
            // text (RFC 6455 section 7.4.1, "data within a message that was not consistent with
            // the type of the message").
            throw new ProtocolViolation(CloseCodes.INVALID_PAYLOAD, SECTION_CORRUPT,
                    "compressed message does not inflate: " + e.getMessage());
        }
        if (chunk != null && chunk.position() > 0) {
            out.accept(chunk.flip());
        }
        input.position(input.limit());
        inflater.setInput(NO_BYTES); // do not keep the caller's buffer reachable between calls
    }

    /** Inflated bytes of the current message so far (0 between messages). */
    public long messageSize() {
        return messageTotal;
    }

    /**
     * Approximate native memory held, in bytes: zlib documents inflate as needing
     * {@code 1 << windowBits} plus about 7 KiB (zconf.h, "memory requirements"), 39 KiB for the
     * 15-bit window java.util.zip always uses; the chunk buffer is on the Java heap and short-lived.
     * 0 before the first message and after {@link #end()}.
     */
    public long memoryEstimate() {
        return inflater == null || ended ? 0 : INFLATE_MEMORY;
    }

    /** {@link #memoryEstimate()} of a live decompressor. */
    public static final long INFLATE_MEMORY = (1L << 15) + 7 * 1024;

    /** Frees the native memory now rather than at garbage collection; the instance is then unusable. */
    public void end() {
        ended = true;
        if (inflater != null) {
            inflater.end();
        }
    }
}
