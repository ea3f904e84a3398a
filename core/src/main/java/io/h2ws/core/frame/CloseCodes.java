package io.h2ws.core.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.h2ws.core.ProtocolViolation;

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

    /** Section 5.5: control payload at most 125 bytes, minus the 2-byte code. */
    public static final int MAX_REASON_BYTES = 123;

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
     * @throws ProtocolViolation 1002 for a 1-byte payload (section 5.5.1) or a code not valid on
     *                           the wire (section 7.4); 1007 for a reason that is not UTF-8
     *                           (section 8.1)
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
        if (!isValidOnWire(code)) {
            throw new ProtocolViolation(PROTOCOL_ERROR, SECTION_CODES, "close code " + code + " is not allowed on the wire");
        }
        String reason = n == 2 ? "" : Utf8Decoder.decodeWhole(payload.duplicate().position(p + 2));
        return new Close(code, reason);
    }

    /**
     * A close payload ready to send. {@link #NO_STATUS} with an empty reason gives an empty payload
     * (a close frame without a code, section 5.5.1).
     *
     * @param reason may be null or empty
     * @throws IllegalArgumentException if the code is not sendable, the reason is not well-formed
     *                                  UTF-16 (lone surrogate) or its UTF-8 form exceeds 123 bytes
     */
    public static ByteBuffer formatPayload(int code, String reason) {
        String r = reason == null ? "" : reason;
        if (code == NO_STATUS) {
            if (!r.isEmpty()) {
                throw new IllegalArgumentException("a close reason needs a status code (RFC 6455 section 5.5.1)");
            }
            return ByteBuffer.allocate(0);
        }
        if (!isSendable(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent (" + SECTION_CODES + ")");
        }
        checkWellFormed(r);
        byte[] bytes = r.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason of " + bytes.length
                    + " UTF-8 bytes; at most 123 fit in a control frame (RFC 6455 section 5.5)");
        }
        ByteBuffer out = ByteBuffer.allocate(2 + bytes.length);
        out.put((byte) (code >>> 8)).put((byte) code).put(bytes);
        return out.flip();
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
