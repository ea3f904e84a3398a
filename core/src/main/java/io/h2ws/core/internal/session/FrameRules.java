package io.h2ws.core.internal.session;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.Opcode;

/**
 * The receive rules of RFC 6455 sections 5.2 to 5.5 and 7.4.1 (and RFC 7692 section 6.1) for one
 * frame header, before any of its payload: reserved opcodes and RSV bits, control frames' size
 * and fragmentation, the order of a fragmented message's frames, and the frame and message size
 * limits. {@link WebSocketSession} applies them to every header it decodes; what an admitted
 * frame does is the session's business.
 */
final class FrameRules {
    private final WebSocketSession.Config config;
    private long messageBytes; // payload of the data message so far, as it came on the wire

    FrameRules(WebSocketSession.Config config) {
        this.config = config;
    }

    /**
     * @param messageOpen whether a data message has begun and not ended
     * @throws ProtocolViolation for a frame that may not come now
     */
    void check(FrameHeader h, boolean messageOpen) {
        int op = h.opcode();
        if (!Opcode.isKnown(op)) {
            throw violation("RFC 6455 section 5.2", "reserved opcode 0x" + Integer.toHexString(op));
        }
        if ((h.rsv() & ~config.allowedRsv()) != 0) {
            throw violation("RFC 6455 section 5.2",
                    "RSV bits 0x" + Integer.toHexString(h.rsv()) + " set without a negotiated extension");
        }
        if ((h.rsv() & FrameHeader.RSV1) != 0 && (Opcode.isControl(op) || op == Opcode.CONTINUATION)) {
            throw violation("RFC 7692 section 6.1",
                    "RSV1 on a " + Opcode.name(op) + " frame; only a message's first frame may carry it");
        }
        if (Opcode.isControl(op)) {
            checkControl(h);
        } else {
            checkData(h, messageOpen);
        }
    }

    private static void checkControl(FrameHeader h) {
        if (!h.fin()) {
            throw violation("RFC 6455 section 5.5", "fragmented control frame");
        }
        if (!Opcode.payloadFits(h.opcode(), h.payloadLength())) {
            throw violation("RFC 6455 section 5.5", "control frame payload of " + h.payloadLength()
                    + " bytes (max " + Opcode.MAX_CONTROL_PAYLOAD + ")");
        }
    }

    private void checkData(FrameHeader h, boolean messageOpen) {
        if (h.opcode() == Opcode.CONTINUATION) {
            if (!messageOpen) {
                throw violation("RFC 6455 section 5.4", "continuation frame without a message to continue");
            }
        } else {
            if (messageOpen) {
                throw violation("RFC 6455 section 5.4",
                        "new " + Opcode.name(h.opcode()) + " frame inside a fragmented message");
            }
            messageBytes = 0;
        }
        if (h.payloadLength() > config.maxFrameSize()) {
            throw new ProtocolViolation(CloseCodes.TOO_BIG, "RFC 6455 section 7.4.1",
                    "frame of " + h.payloadLength() + " bytes exceeds the limit of " + config.maxFrameSize());
        }
        messageBytes += h.payloadLength();
        if (messageBytes > config.maxMessageSize() || messageBytes < 0) {
            throw new ProtocolViolation(CloseCodes.TOO_BIG, "RFC 6455 section 7.4.1",
                    "message exceeds the limit of " + config.maxMessageSize() + " bytes");
        }
    }

    private static ProtocolViolation violation(String section, String why) {
        return new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, section, why);
    }
}
