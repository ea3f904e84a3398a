package io.h2ws.core.internal.frame;

/** RFC 6455 section 5.2 opcodes, kept as ints because they travel in 4 bits of the first header byte. */
public final class Opcode {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** Section 5.5: all control frames MUST have a payload length of 125 bytes or less. */
    public static final int MAX_CONTROL_PAYLOAD = 125;

    private Opcode() {}

    /** Control frames have the high bit of the opcode set (section 5.5). */
    public static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    /**
     * Whether a frame of this opcode may carry {@code payloadLength} bytes: the control frame limit
     * of section 5.5, the one place it is decided for sending and receiving alike.
     */
    public static boolean payloadFits(int opcode, long payloadLength) {
        return !isControl(opcode) || payloadLength <= MAX_CONTROL_PAYLOAD;
    }

    /** True for the six opcodes RFC 6455 defines; the others are reserved (section 5.2). */
    public static boolean isKnown(int opcode) {
        return opcode == CONTINUATION || opcode == TEXT || opcode == BINARY
                || opcode == CLOSE || opcode == PING || opcode == PONG;
    }

    /** A readable name for logs and traces. */
    public static String name(int opcode) {
        switch (opcode) {
            case CONTINUATION: return "CONTINUATION";
            case TEXT: return "TEXT";
            case BINARY: return "BINARY";
            case CLOSE: return "CLOSE";
            case PING: return "PING";
            case PONG: return "PONG";
            default: return "RESERVED(0x" + Integer.toHexString(opcode) + ")";
        }
    }
}
