package io.h2ws.core.internal.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.h2ws.socket.ProtocolViolation;

/**
 * Close status codes (RFC 6455 section 7.4 and the IANA "WebSocket Close Code Number Registry")
 * and the close frame payload: a 2-byte code followed by a UTF-8 reason (section 5.5.1).
 */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Never on the wire: stands for a close frame without a payload (section 7.1.5). */
    public static final int NO_STATUS = 1005;
    /** Never on the wire: the connection closed without a close frame (section 7.1.5). */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    /** IANA registry, not in RFC 6455. */
    public static final int SERVICE_RESTART = 1012;
    /** IANA registry, not in RFC 6455. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** IANA registry, not in RFC 6455. */
    public static final int BAD_GATEWAY = 1014;
    /** Never on the wire: the TLS handshake failed (section 7.4.1). */
    public static final int TLS_HANDSHAKE = 1015;

    /** Section 5.5: a control payload's limit, minus the 2-byte code. */
    public static final int MAX_REASON_BYTES = Opcode.MAX_CONTROL_PAYLOAD - 2;

    private static final String SECTION_CODES = "RFC 6455 section 7.4";

    private CloseCodes() {}

    /**
     * A parsed close payload.
     *
     * @param code   the status code, {@link #NO_STATUS} when the payload was empty
     * @param reason the reason, empty when absent
     */
    public record Close(int code, String reason) {
        public Close {
            if (reason == null) {
                reason = "";
            }
        }
    }

    /**
     * Whether a received close frame may carry this code: the defined codes that are not reserved
     * for local use (1004, 1005, 1006, 1015 must never be sent, section 7.4.1), the IANA codes
     * 1012..1014, and 3000..4999 for libraries, frameworks and applications (section 7.4.2).
     * 1016..2999 are reserved for future RFCs, so a peer using them is in error.
     */
    public static boolean isValidOnWire(int code) {
        return (code >= 1000 && code <= 1003)
                || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }

    /** Whether an application may pass this code to sendClose: exactly the codes valid on the wire. */
    public static boolean isSendable(int code) {
        return isValidOnWire(code);
    }

    /**
     * Parses a close frame payload (position unchanged). Its length limit of 125 is a control frame
     * rule the session checks at the header.
     *
     * @throws ProtocolViolation as {@link #received}, and 1002 for a 1-byte payload (section 5.5.1)
     */
    public static Close parsePayload(ByteBuffer payload) {
        int n = payload.remaining();
        if (n == 0) {
            return new Close(NO_STATUS, "");
        }
        if (n == 1) {
            throw new ProtocolViolation(PROTOCOL_ERROR, "RFC 6455 section 5.5.1",
                    "close payload of 1 byte; a status code takes 2");
        }
        int p = payload.position();
        int code = (payload.get(p) & 0xFF) << 8 | (payload.get(p + 1) & 0xFF);
        return received(code, payload.duplicate().position(p + 2));
    }

    /**
     * The receive rule for a Close from the peer, however the wire mapping carried it: a code and
     * the reason's raw bytes (position to limit, left unchanged).
     *
     * @throws ProtocolViolation 1002 for a code not valid on the wire (section 7.4) or a reason
     *                           over 123 bytes (section 5.5); 1007 for a reason that is not UTF-8
     *                           (section 8.1)
     */
    public static Close received(int code, ByteBuffer reasonUtf8) {
        if (!isValidOnWire(code)) {
            throw new ProtocolViolation(PROTOCOL_ERROR, SECTION_CODES, "close code " + code + " is not allowed on the wire");
        }
        if (reasonUtf8.remaining() > MAX_REASON_BYTES) {
            throw new ProtocolViolation(PROTOCOL_ERROR, "RFC 6455 section 5.5", "close reason over " + MAX_REASON_BYTES + " bytes");
        }
        String reason = reasonUtf8.hasRemaining() ? Utf8Decoder.decodeWhole(reasonUtf8.duplicate()) : "";
        return new Close(code, reason);
    }

    /**
     * The send rule for our Close (sections 5.5.1 and 7.4), the one place it is decided:
     * {@link #NO_STATUS} sends no code and so no reason; any other code must be
     * {@linkplain #isSendable sendable} and its reason well-formed UTF-16 of at most 123 UTF-8 bytes.
     *
     * @param reason may be null or empty
     * @return the reason's UTF-8 bytes (empty for {@link #NO_STATUS})
     * @throws IllegalArgumentException if the code or the reason may not be sent
     */
    public static byte[] sendableReason(int code, String reason) {
        String r = reason == null ? "" : reason;
        if (code == NO_STATUS) {
            if (!r.isEmpty()) {
                throw new IllegalArgumentException("a close reason needs a status code (RFC 6455 section 5.5.1)");
            }
            return new byte[0];
        }
        if (!isSendable(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent (" + SECTION_CODES + ")");
        }
        checkWellFormed(r);
        byte[] bytes = r.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason of " + bytes.length + " UTF-8 bytes; at most "
                    + MAX_REASON_BYTES + " fit in a control frame (RFC 6455 section 5.5)");
        }
        return bytes;
    }

    /** Bytes a Close payload with this code and these reason bytes takes: none without a code. */
    public static int payloadLength(int code, byte[] reasonUtf8) {
        return code == NO_STATUS ? 0 : 2 + reasonUtf8.length;
    }

    /**
     * A close payload ready to send. {@link #NO_STATUS} with an empty reason gives an empty payload
     * (a close frame without a code, section 5.5.1).
     *
     * @param reason may be null or empty
     * @throws IllegalArgumentException as {@link #sendableReason}
     */
    public static ByteBuffer formatPayload(int code, String reason) {
        byte[] bytes = sendableReason(code, reason);
        ByteBuffer out = ByteBuffer.allocate(payloadLength(code, bytes));
        if (code != NO_STATUS) {
            out.put((byte) (code >>> 8)).put((byte) code).put(bytes);
        }
        return out.flip();
    }

    /**
     * A reason cut to fit a Close payload, at a character boundary, marked with "...": for
     * messages we did not write, such as a violation's, which may run long.
     */
    public static String fitReason(String message) {
        if (message == null) {
            return "";
        }
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return message;
        }
        int cut = MAX_REASON_BYTES - 3;
        while (cut > 0 && (b[cut] & 0xC0) == 0x80) {
            cut--;
        }
        return new String(b, 0, cut, StandardCharsets.UTF_8) + "...";
    }

    /** getBytes would silently turn a lone surrogate into '?': refuse instead of sending a different reason. */
    private static void checkWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("close reason has a lone surrogate at index " + i);
            }
        }
    }
}
