package io.h2ws.core.internal.frame;

import java.nio.ByteBuffer;

import io.h2ws.socket.ProtocolViolation;

/**
 * Incremental RFC 6455 section 5.2 frame parser: bytes may arrive split at any point, including
 * inside a header.
 *
 * <p>It checks the encoding only: the length must be minimally encoded and the 64-bit length must
 * have its most significant bit clear, both section 5.2, failing with 1002. Everything that
 * depends on role, negotiated extensions or message state (mask direction, RSV bits, opcodes,
 * control frame size and fragmentation, message size) is the sink's decision in
 * {@link FrameSink#onHeader}, which sees the header before any payload.
 *
 * <p>Payload is unmasked in place when the input is writable (the wire mapping's decoder
 * contract allows it), otherwise into a reusable scratch buffer; chunks are handed to the sink
 * as a window on that buffer, so nothing is allocated per chunk. Any exception, from the decoder
 * or the sink, propagates and leaves the decoder dead: the stream's framing can no longer be
 * trusted, so later calls throw {@link IllegalStateException}.
 */
public final class FrameDecoder {
    private static final String SECTION = "RFC 6455 section 5.2";
    /** Scratch size for read-only masked input: large enough to amortise the sink call. */
    private static final int SCRATCH_SIZE = 8192;

    private enum State { START, EXT_LENGTH, MASK_KEY, PAYLOAD, DEAD }

    private final FrameSink sink;
    /** Header bytes of the current stage; at most 8 (the 64-bit length). */
    private final byte[] acc = new byte[8];
    private int have;
    private int want = 2;
    private State state = State.START;

    private int b0;
    private boolean masked;
    private int maskKey;
    private long length;
    private long remaining;
    private ByteBuffer scratch;

    /** A decoder reporting to {@code sink}; one per socket. */
    public FrameDecoder(FrameSink sink) {
        this.sink = sink;
    }

    /** Consumes all of {@code in}; masked payload in a writable {@code in} is unmasked in place. */
    public void decode(ByteBuffer in) {
        if (state == State.DEAD) {
            throw new IllegalStateException("frame decoder failed earlier; the stream cannot be resynchronised");
        }
        try {
            run(in);
        } catch (RuntimeException | Error e) {
            state = State.DEAD;
            throw e;
        }
    }

    private void run(ByteBuffer in) {
        while (true) {
            switch (state) {
                case START:
                    if (!collect(in)) {
                        return;
                    }
                    b0 = acc[0] & 0xFF;
                    int b1 = acc[1] & 0xFF;
                    masked = (b1 & 0x80) != 0;
                    int len7 = b1 & 0x7F;
                    if (len7 == 126) {
                        stage(State.EXT_LENGTH, 2);
                    } else if (len7 == 127) {
                        stage(State.EXT_LENGTH, 8);
                    } else {
                        length = len7;
                        afterLength();
                    }
                    break;
                case EXT_LENGTH:
                    if (!collect(in)) {
                        return;
                    }
                    length = want == 2 ? readUnsigned16() : readLength64();
                    afterLength();
                    break;
                case MASK_KEY:
                    if (!collect(in)) {
                        return;
                    }
                    maskKey = (acc[0] & 0xFF) << 24 | (acc[1] & 0xFF) << 16 | (acc[2] & 0xFF) << 8 | (acc[3] & 0xFF);
                    emitHeader();
                    break;
                case PAYLOAD:
                    if (!in.hasRemaining()) {
                        return;
                    }
                    payload(in);
                    break;
                default:
                    throw new IllegalStateException(state.name());
            }
        }
    }

    /** Gathers header bytes for the current stage; true once all {@code want} bytes are there. */
    private boolean collect(ByteBuffer in) {
        int n = Math.min(want - have, in.remaining());
        in.get(acc, have, n);
        have += n;
        return have == want;
    }

    private void stage(State next, int bytes) {
        state = next;
        have = 0;
        want = bytes;
    }

    private long readUnsigned16() {
        int v = (acc[0] & 0xFF) << 8 | (acc[1] & 0xFF);
        if (v < 126) {
            throw new ProtocolViolation(1002, SECTION,
                    "payload length " + v + " sent in 16 bits; lengths under 126 must use the 7-bit form");
        }
        return v;
    }

    private long readLength64() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (acc[i] & 0xFF);
        }
        if (v < 0) {
            throw new ProtocolViolation(1002, SECTION,
                    "64-bit payload length has its most significant bit set");
        }
        if (v <= 0xFFFF) {
            throw new ProtocolViolation(1002, SECTION,
                    "payload length " + v + " sent in 64 bits; lengths up to 65535 must use a shorter form");
        }
        return v;
    }

    private void afterLength() {
        if (masked) {
            stage(State.MASK_KEY, 4);
        } else {
            maskKey = 0;
            emitHeader();
        }
    }

    private void emitHeader() {
        sink.onHeader(new FrameHeader((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0xF, masked, maskKey, length));
        remaining = length;
        if (length == 0) {
            stage(State.START, 2);
            sink.onFrameEnd();
        } else {
            state = State.PAYLOAD;
        }
    }

    private void payload(ByteBuffer in) {
        int pos = in.position();
        int lim = in.limit();
        int n = (int) Math.min(remaining, lim - pos);
        long offset = length - remaining;
        if (masked && in.isReadOnly()) {
            if (scratch == null) {
                scratch = ByteBuffer.allocate(SCRATCH_SIZE);
            }
            n = Math.min(n, SCRATCH_SIZE);
            scratch.clear();
            in.limit(pos + n);
            Masker.mask(in, scratch, maskKey, offset);
            in.limit(lim);
            scratch.flip();
            sink.onPayload(scratch);
        } else {
            // Hand the sink a window on the caller's buffer rather than a slice: no allocation.
            in.limit(pos + n);
            try {
                if (masked) {
                    Masker.mask(in, maskKey, offset);
                }
                sink.onPayload(in);
            } finally {
                in.limit(lim);
                in.position(pos + n);
            }
        }
        remaining -= n;
        if (remaining == 0) {
            stage(State.START, 2);
            sink.onFrameEnd();
        }
    }
}
