package io.h2ws.core.internal.frame;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Writes RFC 6455 section 5.2 frame headers with the minimal length encoding the receiver demands
 * (a decoder such as {@link FrameDecoder} rejects anything longer).
 *
 * <p>Only encoding limits are checked here; which frames a role may send (masking direction, RSV
 * without an extension, reserved opcodes, fragmented control frames) is the session's call, so
 * tests can still produce such frames on purpose.
 */
public final class FrameEncoder {
    /** The longest header: 2 bytes, 8 bytes of extended length, 4 bytes of masking key. */
    public static final int MAX_HEADER_LENGTH = 14;

    private FrameEncoder() {}

    /** Bytes the header of a frame with this payload length takes (section 5.2). */
    public static int headerLength(long payloadLength, boolean masked) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        int n = payloadLength <= 125 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Writes one frame header at {@code dst}'s position (byte order of {@code dst} is irrelevant:
     * the wire is big-endian, section 5.2).
     *
     * @param rsv     RSV1..RSV3 as a 3-bit value (RSV1 = 4)
     * @param maskKey the key, big-endian as on the wire; ignored unless {@code masked}
     * @throws IllegalArgumentException for opcode outside 0..15, rsv outside 0..7, a negative
     *                                  length or a control payload over 125 bytes
     * @throws BufferOverflowException  if {@code dst} lacks room; nothing is written then
     */
    public static void writeHeader(ByteBuffer dst, boolean fin, int rsv, int opcode, boolean masked,
                                   int maskKey, long payloadLength) {
        check(rsv, opcode, payloadLength);
        if (dst.remaining() < headerLength(payloadLength, masked)) {
            throw new BufferOverflowException();
        }
        dst.put((byte) ((fin ? 0x80 : 0) | (rsv << 4) | opcode));
        int m = masked ? 0x80 : 0;
        if (payloadLength <= 125) {
            dst.put((byte) (m | payloadLength));
        } else if (payloadLength <= 0xFFFF) {
            dst.put((byte) (m | 126));
            dst.put((byte) (payloadLength >>> 8));
            dst.put((byte) payloadLength);
        } else {
            dst.put((byte) (m | 127));
            for (int shift = 56; shift >= 0; shift -= 8) {
                dst.put((byte) (payloadLength >>> shift));
            }
        }
        if (masked) {
            dst.put((byte) (maskKey >>> 24));
            dst.put((byte) (maskKey >>> 16));
            dst.put((byte) (maskKey >>> 8));
            dst.put((byte) maskKey);
        }
    }

    /**
     * One heap buffer holding header and payload, flipped and ready to write. The payload is read
     * from position to limit without moving its position and is never modified: when masking, the
     * masked bytes go into the new buffer.
     */
    public static ByteBuffer encodeFrame(boolean fin, int rsv, int opcode, boolean masked, int maskKey,
                                         ByteBuffer payload) {
        int len = payload.remaining();
        check(rsv, opcode, len);
        ByteBuffer out = ByteBuffer.allocate(headerLength(len, masked) + len);
        writeHeader(out, fin, rsv, opcode, masked, maskKey, len);
        if (masked) {
            Masker.mask(payload.duplicate(), out, maskKey, 0);
        } else {
            out.put(payload.duplicate());
        }
        return out.flip();
    }

    private static void check(int rsv, int opcode, long payloadLength) {
        if (opcode < 0 || opcode > 15) {
            throw new IllegalArgumentException("opcode " + opcode + " does not fit in 4 bits");
        }
        if (rsv < 0 || rsv > 7) {
            throw new IllegalArgumentException("rsv " + rsv + " does not fit in 3 bits");
        }
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        if (!Opcode.payloadFits(opcode, payloadLength)) {
            throw new IllegalArgumentException(Opcode.name(opcode) + " payload of " + payloadLength
                    + " bytes; control frames carry at most " + Opcode.MAX_CONTROL_PAYLOAD + " (RFC 6455 section 5.5)");
        }
    }
}
