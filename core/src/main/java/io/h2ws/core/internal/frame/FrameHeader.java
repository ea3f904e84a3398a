package io.h2ws.core.internal.frame;

/**
 * One decoded RFC 6455 frame header (section 5.2).
 *
 * @param fin           the FIN bit
 * @param rsv           RSV1..RSV3 as a 3-bit value: RSV1 = 4, RSV2 = 2, RSV3 = 1
 * @param opcode        the 4-bit opcode, see {@link Opcode}
 * @param masked        the MASK bit
 * @param maskKey       the masking key, big-endian as on the wire (0 when not masked)
 * @param payloadLength the payload length in bytes
 */
public record FrameHeader(boolean fin, int rsv, int opcode, boolean masked, int maskKey, long payloadLength) {
    public static final int RSV1 = 4;
    public static final int RSV2 = 2;
    public static final int RSV3 = 1;
}
