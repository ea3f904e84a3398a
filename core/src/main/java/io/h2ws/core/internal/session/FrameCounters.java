package io.h2ws.core.internal.session;

import java.nio.charset.StandardCharsets;

import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.core.internal.wire.Rfc6455Mapping;
import io.h2ws.core.internal.wire.WireMapping;

/**
 * One session's frame and byte counts, and the optional {@link FrameObserver} that sees each
 * frame (issue 11). Counting always costs a few additions; tracing only when observed.
 */
final class FrameCounters {
    private final boolean rfc6455Framing;
    private final boolean masksOutput;
    private FrameObserver observer;
    private long framesIn;
    private long framesOut;
    private long wireBytesIn;
    private long wireBytesOut;
    private long payloadBytesIn;
    private long payloadBytesOut;
    private long activity;

    FrameCounters(WireMapping mapping, Role role) {
        this.rfc6455Framing = mapping instanceof Rfc6455Mapping;
        this.masksOutput = rfc6455Framing && role == Role.CLIENT;
    }

    void observe(FrameObserver observer) {
        this.observer = observer;
    }

    /**
     * A received frame of this opcode starts or brings payload: activity, unless it is a Pong,
     * which answers our keepalive ping and so must not keep an idle connection alive.
     */
    void touch(int opcode) {
        if (opcode != Opcode.PONG) {
            activity++;
        }
    }

    long activity() {
        return activity;
    }

    /** {framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut}. */
    long[] snapshot() {
        return new long[] {framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut};
    }

    /** A frame decoded from the carrier's data: its header is counted as the mapping encodes it. */
    void in(FrameHeader h, int closeCode) {
        long len = h.payloadLength();
        long header = rfc6455Framing ? FrameEncoder.headerLength(len, h.masked()) : MessageMapping.headerLength(len);
        in(h.opcode(), h.fin(), h.rsv(), h.masked(), len, header + len, closeCode);
    }

    /** The peer's Close, which the mapping carried outside its data: no bytes on the wire. */
    void inClose(int code, String reason) {
        in(Opcode.CLOSE, true, 0, false, CloseCodes.payloadLength(code, reason.getBytes(StandardCharsets.UTF_8)), 0, code);
    }

    private void in(int opcode, boolean fin, int rsv, boolean masked, long payloadLength, long wireBytes, int closeCode) {
        framesIn++;
        wireBytesIn += wireBytes;
        payloadBytesIn += payloadLength;
        FrameObserver o = observer;
        if (o != null) {
            o.onFrame(false, opcode, fin, rsv, masked, payloadLength, wireBytes, closeCode);
        }
    }

    /** A frame we encoded, {@code out} holding all of its bytes; returns {@code out}. */
    WebSocketSession.Output out(WebSocketSession.Output out, int opcode, boolean fin, int rsv, long payloadLength,
                                int closeCode) {
        framesOut++;
        wireBytesOut += out.size();
        payloadBytesOut += payloadLength;
        FrameObserver o = observer;
        if (o != null) {
            o.onFrame(true, opcode, fin, rsv, masksOutput, payloadLength, out.size(), closeCode);
        }
        return out;
    }
}
