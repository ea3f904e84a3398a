package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.ProtocolViolation;

class CloseCodesTest {

    private static ByteBuffer payload(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return ByteBuffer.wrap(b);
    }

    private static ByteBuffer payload(int code, byte[] reason) {
        ByteBuffer b = ByteBuffer.allocate(2 + reason.length);
        b.put((byte) (code >>> 8)).put((byte) code).put(reason);
        return b.flip();
    }

    @Test
    @DisplayName("RFC 6455 section 7.4: classification of every code 0..5000")
    void classification() {
        for (int code = 0; code <= 5000; code++) {
            boolean expected;
            if (code < 1000) {
                expected = false;
            } else if (code <= 1003) {
                expected = true;
            } else if (code <= 1006) {
                expected = false; // 1004 reserved, 1005 and 1006 local only
            } else if (code <= 1014) {
                expected = true; // 1012..1014 from the IANA registry
            } else if (code < 3000) {
                expected = false; // 1015 local only, 1016..2999 reserved
            } else {
                expected = code <= 4999;
            }
            assertEquals(expected, CloseCodes.isValidOnWire(code), "code " + code);
            assertEquals(expected, CloseCodes.isSendable(code), "code " + code);
        }
        assertEquals(false, CloseCodes.isValidOnWire(65535));
        assertEquals(false, CloseCodes.isValidOnWire(-1));
    }

    @Test
    @DisplayName("RFC 6455 section 7.4: the named constants")
    void constants() {
        int[] all = {CloseCodes.NORMAL, CloseCodes.GOING_AWAY, CloseCodes.PROTOCOL_ERROR, CloseCodes.UNSUPPORTED_DATA,
                CloseCodes.NO_STATUS, CloseCodes.ABNORMAL, CloseCodes.INVALID_PAYLOAD, CloseCodes.POLICY_VIOLATION,
                CloseCodes.TOO_BIG, CloseCodes.MANDATORY_EXTENSION, CloseCodes.INTERNAL_ERROR, CloseCodes.SERVICE_RESTART,
                CloseCodes.TRY_AGAIN_LATER, CloseCodes.BAD_GATEWAY, CloseCodes.TLS_HANDSHAKE};
        int[] expected = {1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015};
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(all));
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: an empty payload means no status code (1005)")
    void emptyPayload() {
        assertEquals(new CloseCodes.Close(1005, ""), CloseCodes.parsePayload(ByteBuffer.allocate(0)));
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: a 1-byte payload is a protocol error")
    void oneByte() {
        ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> CloseCodes.parsePayload(payload(0x03)));
        assertEquals(1002, e.closeCode());
        assertEquals("RFC 6455 section 5.5.1", e.section());
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: code with and without reason; position unchanged")
    void validPayloads() {
        assertEquals(new CloseCodes.Close(1000, ""), CloseCodes.parsePayload(payload(0x03, 0xE8)));
        ByteBuffer p = payload(4999, "bye \u20ac".getBytes(StandardCharsets.UTF_8));
        assertEquals(new CloseCodes.Close(4999, "bye \u20ac"), CloseCodes.parsePayload(p));
        assertEquals(0, p.position());
        assertEquals(new CloseCodes.Close(3000, ""), CloseCodes.parsePayload(payload(3000, new byte[0])));
    }

    @Test
    @DisplayName("RFC 6455 section 7.4: codes not allowed on the wire are a protocol error")
    void invalidCodes() {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            ProtocolViolation e = assertThrows(ProtocolViolation.class,
                    () -> CloseCodes.parsePayload(payload(code, new byte[0])), "code " + code);
            assertEquals(1002, e.closeCode());
            assertEquals("RFC 6455 section 7.4", e.section());
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a reason that is not UTF-8 is 1007")
    void invalidReason() {
        for (byte[] reason : new byte[][] {{(byte) 0xFF}, {0x41, (byte) 0xC3}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}}) {
            ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> CloseCodes.parsePayload(payload(1000, reason)));
            assertEquals(1007, e.closeCode());
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.5: formatting round-trips and stops at 123 reason bytes")
    void formatting() {
        ByteBuffer p = CloseCodes.formatPayload(1000, "");
        assertEquals(2, p.remaining());
        assertEquals(new CloseCodes.Close(1000, ""), CloseCodes.parsePayload(p));
        assertEquals(2, CloseCodes.formatPayload(1001, null).remaining());

        String max = "x".repeat(123);
        assertEquals(125, CloseCodes.formatPayload(4000, max).remaining());
        assertEquals(new CloseCodes.Close(4000, max), CloseCodes.parsePayload(CloseCodes.formatPayload(4000, max)));
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(4000, max + "x"));

        String euros = "\u20ac".repeat(41); // 123 bytes
        assertEquals(125, CloseCodes.formatPayload(1000, euros).remaining());
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(1000, euros + "x"));
        // 62 chars but 124 bytes: the limit is in UTF-8 bytes, not chars
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(1000, "\u00e9".repeat(62)));
    }

    @Test
    @DisplayName("RFC 6455 section 7.4: formatting refuses codes that may not be sent and malformed reasons")
    void formattingRefusals() {
        for (int code : new int[] {999, 1004, 1006, 1015, 1016, 2999, 5000}) {
            assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(code, ""), "code " + code);
        }
        assertEquals(0, CloseCodes.formatPayload(1005, "").remaining());
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(1005, "why"));
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(1000, "a\ud800b"));
        assertThrows(IllegalArgumentException.class, () -> CloseCodes.formatPayload(1000, "\udc00"));
        assertEquals(6, CloseCodes.formatPayload(1000, "\ud83d\ude00").remaining());
    }
}
