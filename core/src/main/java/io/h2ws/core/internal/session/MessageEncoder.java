package io.h2ws.core.internal.session;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.extension.MessageDeflater;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.session.WebSocketSession.Output;
import io.h2ws.core.internal.wire.WireMapping;

/**
 * The send side: turns what the application sends into {@link Output}. It fragments data
 * messages (one open at a time, continued by CONTINUATION frames), encodes text as UTF-8 across
 * parts, compresses with permessage-deflate (RFC 7692), and encodes control frames and our Close
 * the way the wire mapping carries them. Whether the session may send at all is the session's
 * rule, checked before it calls here.
 */
final class MessageEncoder {
    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    private final WireMapping.Encoder wire;
    private final FrameCounters counters;
    private final MessageDeflater deflater; // null unless permessage-deflate was negotiated
    private final DeflateConfig deflateConfig;
    private CharsetEncoder utf8; // made at the first text needing it: an idle socket does not keep one

    private int sendingOpcode = -1; // TEXT or BINARY while a message is open
    private boolean sendingCompressed;
    private CharBuffer pendingHighSurrogate;

    MessageEncoder(WireMapping.Encoder wire, FrameCounters counters, MessageDeflater deflater,
                   DeflateConfig deflateConfig) {
        this.wire = wire;
        this.counters = counters;
        this.deflater = deflater;
        this.deflateConfig = deflateConfig;
    }

    /** A text message part; a high surrogate that ends a part waits for the next one. */
    Output text(CharSequence text, boolean last) {
        return data(Opcode.TEXT, encodeUtf8(text, last), last);
    }

    /** A binary message part. */
    Output binary(ByteBuffer data, boolean last) {
        return data(Opcode.BINARY, data, last);
    }

    /** A ping or pong; its payload must fit a control frame. */
    Output control(int opcode, ByteBuffer data) {
        if (!Opcode.payloadFits(opcode, data.remaining())) {
            throw new IllegalArgumentException("control frame payload of " + data.remaining()
                    + " bytes; at most " + Opcode.MAX_CONTROL_PAYLOAD + " (RFC 6455 section 5.5)");
        }
        return frame(opcode, data);
    }

    /**
     * Our Close, marked {@code last} so the transport ends its half after it: a frame, or the
     * trailer fields the mapping carries it in, made straight from the code and reason.
     *
     * @throws IllegalArgumentException if {@link CloseCodes#sendableReason} refuses code or reason
     */
    Output close(int code, String reason) {
        String r = reason == null ? "" : reason;
        int length = CloseCodes.payloadLength(code, CloseCodes.sendableReason(code, r));
        Map<String, String> trailers = wire.closeTrailers(code, r);
        if (trailers != null) {
            return counters.out(output(NO_BUFFERS, true, trailers), Opcode.CLOSE, true, 0, length, code);
        }
        ByteBuffer payload = CloseCodes.formatPayload(code, r);
        return counters.out(output(wire.encode(true, 0, Opcode.CLOSE, payload), true, null), Opcode.CLOSE, true, 0,
                length, code);
    }

    /** True when permessage-deflate was negotiated. */
    boolean isCompressing() {
        return deflater != null;
    }

    /** Native memory the deflater holds, 0 without compression. */
    long memory() {
        return deflater == null ? 0 : deflater.memoryEstimate();
    }

    /** Frees the deflater's zlib context. */
    void release() {
        if (deflater != null) {
            deflater.end();
        }
    }

    private Output frame(int opcode, ByteBuffer payload) {
        long len = payload.remaining();
        return counters.out(output(wire.encode(true, 0, opcode, payload), false, null), opcode, true, 0, len, -1);
    }

    private Output data(int opcode, ByteBuffer payload, boolean last) {
        int wireOpcode;
        if (sendingOpcode < 0) {
            wireOpcode = opcode;
        } else if (sendingOpcode == opcode) {
            wireOpcode = Opcode.CONTINUATION;
        } else {
            throw messageOpen();
        }
        int rsv = 0;
        if (deflater != null) {
            if (wireOpcode != Opcode.CONTINUATION) {
                sendingCompressed = deflateConfig.shouldCompress(payload.remaining());
                rsv = sendingCompressed ? FrameHeader.RSV1 : 0;
            }
            if (sendingCompressed) {
                payload = deflater.deflate(payload, last);
            }
        }
        sendingOpcode = last ? -1 : opcode;
        long len = payload.remaining();
        return counters.out(output(wire.encode(last, rsv, wireOpcode, payload), false, null), wireOpcode, last, rsv, len, -1);
    }

    private static Output output(ByteBuffer[] buffers, boolean last, Map<String, String> trailers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return new Output(buffers, last, n, trailers);
    }

    private IllegalStateException messageOpen() {
        return new IllegalStateException("a " + Opcode.name(sendingOpcode) + " message is still open");
    }

    private ByteBuffer encodeUtf8(CharSequence text, boolean last) {
        if (sendingOpcode >= 0 && sendingOpcode != Opcode.TEXT) {
            throw messageOpen();
        }
        CharBuffer in;
        if (pendingHighSurrogate != null) {
            in = CharBuffer.allocate(1 + text.length());
            in.put(pendingHighSurrogate).put(CharBuffer.wrap(text)).flip();
            pendingHighSurrogate = null;
        } else {
            in = CharBuffer.wrap(text);
        }
        if (!last && in.hasRemaining() && Character.isHighSurrogate(in.get(in.limit() - 1))) {
            pendingHighSurrogate = CharBuffer.wrap(new char[] {in.get(in.limit() - 1)});
            in.limit(in.limit() - 1);
        }
        try {
            CharsetEncoder e = utf8;
            if (e == null) {
                e = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
                utf8 = e;
            }
            e.reset();
            return e.encode(in);
        } catch (CharacterCodingException e) {
            pendingHighSurrogate = null;
            throw new IllegalArgumentException("text is not well-formed UTF-16: " + e, e);
        }
    }
}
