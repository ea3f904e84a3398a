package io.h2ws.core.internal.frame;

import java.nio.ByteBuffer;

/** Receives decoded frames in order; a frame's payload may come in several chunks. */
public interface FrameSink {
    /** A frame starts; throw {@link io.h2ws.socket.ProtocolViolation} to reject it. */
    void onHeader(FrameHeader header);

    /** Unmasked payload bytes, valid only during the call. */
    void onPayload(ByteBuffer chunk);

    /** The frame whose header came last is complete. */
    void onFrameEnd();
}
