package io.h2ws.core.session;

import io.h2ws.core.frame.FrameEncoder;
import io.h2ws.core.wire.MessageMapping;
import io.h2ws.core.wire.Rfc6455Mapping;
import io.h2ws.core.wire.WireMapping;

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

    FrameCounters(WireMapping mapping, Role role) {
        this.rfc6455Framing = mapping instanceof Rfc6455Mapping;
        this.masksOutput = rfc6455Framing && role == Role.CLIENT;
    }

    void observe(FrameObserver observer) {
        this.observer = observer;
    }

    /** {framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut}. */
    long[] snapshot() {
        return new long[] {framesIn, framesOut, wireBytesIn, wireBytesOut, payloadBytesIn, payloadBytesOut};
    }

    /** A frame decoded from the carrier's data: its header is counted as the mapping encodes it. */
    void in(int opcode, boolean fin, int rsv, boolean masked, long payloadLength, int closeCode) {
        long header = rfc6455Framing ? FrameEncoder.headerLength(payloadLength, masked)
                : MessageMapping.headerLength(payloadLength);
        in(opcode, fin, rsv, masked, payloadLength, header + payloadLength, closeCode);
    }

    /** A frame as it came, with {@code wireBytes} 0 for one the mapping carried outside its data. */
    void in(int opcode, boolean fin, int rsv, boolean masked, long payloadLength, long wireBytes, int closeCode) {
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
