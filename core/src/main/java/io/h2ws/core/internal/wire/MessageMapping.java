package io.h2ws.core.internal.wire;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.Opcode;

/**
 * The experimental HTTP/2 message mapping ({@code spec-notes/message-mapping.md}): each message
 * part is a one-byte header (FIN, RSV1-3, opcode, as in RFC 6455 byte 0) and a QUIC-style
 * variable-length integer (RFC 9000 section 16) giving its length, then the payload; no mask.
 * Close is not a frame: its code and reason travel in HTTP/2 trailers with END_STREAM, as the
 * draft's "Close: HEADERS with END_STREAM" would have, in the only place RFC 9113 allows a
 * HEADERS frame after DATA.
 */
public final class MessageMapping implements WireMapping {

    /** The {@code :protocol} of the extended CONNECT that opens a socket with this mapping. */
    public static final String PROTOCOL = "h2ws-message";
    /** Trailer field carrying the close code (decimal). */
    public static final String CLOSE_CODE = "h2ws-close-code";
    /** Trailer field carrying the close reason, percent-encoded UTF-8. */
    public static final String CLOSE_REASON = "h2ws-close-reason";

    private static final String SECTION = "h2ws message mapping section 3";

    @Override
    public String name() {
        return "h2-message";
    }

    @Override
    public boolean discardsDataAfterCloseSent() {
        return true;
    }

    @Override
    public boolean partsStartWrites() {
        return true;
    }

    /** Bytes of the part header for a payload of {@code length}: 1 + 1, 2, 4 or 8. */
    public static int headerLength(long length) {
        return 1 + varintLength(length);
    }

    static int varintLength(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative length " + v);
        }
        if (v <= 63) {
            return 1;
        }
        if (v <= 16_383) {
            return 2;
        }
        if (v <= 1_073_741_823) {
            return 4;
        }
        if (v <= 4_611_686_018_427_387_903L) {
            return 8;
        }
        throw new IllegalArgumentException("length above 2^62-1: " + v);
    }

    /** Writes the part header into {@code dst}. */
    public static void writeHeader(ByteBuffer dst, boolean fin, int rsv, int opcode, long length) {
        dst.put((byte) ((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode & 0xF));
        switch (varintLength(length)) {
            case 1 -> dst.put((byte) length);
            case 2 -> dst.putShort((short) (0x4000 | length));
            case 4 -> dst.putInt((int) (0x8000_0000L | length));
            default -> dst.putLong(0xC000_0000_0000_0000L | length);
        }
    }

    @Override
    public Encoder newEncoder() {
        return new Encoder() {
            @Override
            public ByteBuffer[] encode(boolean fin, int rsv, int opcode, ByteBuffer payload) {
                int len = payload.remaining();
                ByteBuffer out = ByteBuffer.allocate(headerLength(len) + (len <= 512 ? len : 0));
                writeHeader(out, fin, rsv, opcode, len);
                if (len <= 512) {
                    out.put(payload.duplicate());
                    return new ByteBuffer[] {out.flip()};
                }
                return new ByteBuffer[] {out.flip(), payload.slice()};
            }

            @Override
            public Map<String, String> closeTrailers(int code, String reason) {
                return trailersFor(code, reason);
            }
        };
    }

    /**
     * The trailer fields for a Close ({@link CloseCodes#NO_STATUS}: none), the mapping's one
     * encoding of it; the code and reason are sendable (see {@link CloseCodes#sendableReason}).
     */
    public static Map<String, String> trailersFor(int code, String reason) {
        Map<String, String> t = new LinkedHashMap<>();
        if (code != CloseCodes.NO_STATUS) {
            t.put(CLOSE_CODE, Integer.toString(code));
            if (reason != null && !reason.isEmpty()) {
                t.put(CLOSE_REASON, URLEncoder.encode(reason, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        }
        return t;
    }

    @Override
    public Decoder newDecoder(FrameSink sink) {
        return new PartDecoder(sink);
    }

    /** Incremental part decoder: header byte, varint, payload; accepts any split. */
    static final class PartDecoder implements Decoder {
        private enum State { HEADER, LENGTH, PAYLOAD, DEAD }

        private final FrameSink sink;
        private State state = State.HEADER;
        private int b0;
        private int lengthBytes;
        private int have;
        private long length;
        private long remaining;

        PartDecoder(FrameSink sink) {
            this.sink = sink;
        }

        @Override
        public void decode(ByteBuffer in) {
            if (state == State.DEAD) {
                throw new IllegalStateException("message-mapping decoder failed earlier");
            }
            try {
                run(in);
            } catch (RuntimeException e) {
                state = State.DEAD;
                throw e;
            }
        }

        private void run(ByteBuffer in) {
            while (in.hasRemaining()) {
                switch (state) {
                    case HEADER -> {
                        b0 = in.get() & 0xFF;
                        if ((b0 & 0xF) == Opcode.CLOSE) {
                            throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION,
                                    "a Close travels in trailers, not as a DATA part");
                        }
                        state = State.LENGTH;
                        have = 0;
                        length = 0;
                    }
                    case LENGTH -> {
                        int b = in.get() & 0xFF;
                        if (have == 0) {
                            lengthBytes = 1 << (b >>> 6);
                            b &= 0x3F;
                        }
                        length = length << 8 | b;
                        if (++have == lengthBytes) {
                            if (lengthBytes > 1 && varintLength(length) != lengthBytes) {
                                throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION,
                                        "length " + length + " not in its shortest encoding");
                            }
                            remaining = length;
                            sink.onHeader(new FrameHeader((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0xF, false, 0, length));
                            if (remaining == 0) {
                                state = State.HEADER;
                                sink.onFrameEnd();
                            } else {
                                state = State.PAYLOAD;
                            }
                        }
                    }
                    case PAYLOAD -> {
                        int n = (int) Math.min(remaining, in.remaining());
                        int limit = in.limit();
                        in.limit(in.position() + n);
                        ByteBuffer window = in.duplicate();
                        in.position(in.limit()).limit(limit);
                        sink.onPayload(window);
                        remaining -= n;
                        if (remaining == 0) {
                            state = State.HEADER;
                            sink.onFrameEnd();
                        }
                    }
                    default -> throw new IllegalStateException(String.valueOf(state));
                }
            }
        }

        @Override
        public void trailers(Map<String, String> fields) {
            if (state != State.HEADER) {
                throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION,
                        "the stream ended inside a message part");
            }
            String code = fields.get(CLOSE_CODE);
            String reason = fields.get(CLOSE_REASON);
            if (code == null) {
                if (reason != null) {
                    throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION, "a close reason without a code");
                }
                sink.onClose(CloseCodes.NO_STATUS, "");
                return;
            }
            int c;
            try {
                c = Integer.parseInt(code.trim());
            } catch (NumberFormatException e) {
                throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION, "close code is not a number");
            }
            byte[] r = reason == null ? new byte[0] : percentDecode(reason);
            CloseCodes.Close close = CloseCodes.received(c, ByteBuffer.wrap(r));
            sink.onClose(close.code(), close.reason());
        }

        private static byte[] percentDecode(String s) {
            try {
                // URLDecoder maps '+' to space, which our encoder never emits; bytes are UTF-8-checked by the caller
                return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.ISO_8859_1);
            } catch (IllegalArgumentException e) {
                throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, SECTION, "malformed percent-encoding in the close reason");
            }
        }
    }
}
