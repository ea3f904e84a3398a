package io.h2ws.core.internal.wire;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * How WebSocket frames travel inside a {@link Carrier}: RFC 6455 framing (masked by clients),
 * or the experimental HTTP/2 message mapping. The session speaks in frames (FIN, RSV, opcode,
 * payload) and never sees the bytes that encode them.
 */
public interface WireMapping {

    /**
     * Receives decoded frames in order, and a Close that the mapping carries outside its frames
     * (the message mapping's trailers) as the code and reason it decoded.
     */
    interface FrameSink extends io.h2ws.core.internal.frame.FrameSink {
        /**
         * The peer's Close, already checked as {@link io.h2ws.core.internal.frame.CloseCodes#received} checks
         * it ({@link io.h2ws.core.internal.frame.CloseCodes#NO_STATUS} when it carried no code).
         */
        void onClose(int code, String reason);
    }

    /** Incremental decoder: accepts bytes split at any point. */
    interface Decoder {
        /** Consumes all of {@code in}, reporting frames to the sink; may modify {@code in} in place. */
        void decode(ByteBuffer in);

        /**
         * The carrier's trailing header fields (HTTP/2 trailers), which end the input. RFC 6455
         * framing has no use for them and ignores them; the message mapping reads its Close there.
         */
        default void trailers(Map<String, String> fields) {
            // RFC 6455 framing carries everything in DATA
        }
    }

    /** Turns one frame into the buffers to write, in order. */
    interface Encoder {
        /**
         * @param payload the payload, consumed from position to limit; the caller must not
         *                modify it until the returned buffers are written
         */
        ByteBuffer[] encode(boolean fin, int rsv, int opcode, ByteBuffer payload);

        /**
         * How a Close travels: null when it is an ordinary frame from {@link #encode}, else the
         * trailer fields that carry it (the carrier sends them with END_STREAM).
         *
         * @param code   a sendable code, or {@link io.h2ws.core.internal.frame.CloseCodes#NO_STATUS} for none
         * @param reason the reason, already checked by the caller; empty when absent
         */
        default Map<String, String> closeTrailers(int code, String reason) {
            return null;
        }
    }

    /**
     * Whether a side that has sent its Close drops incoming text and binary messages (the
     * message-mapping draft's rule); RFC 6455 delivers them until the peer's Close.
     */
    default boolean discardsDataAfterCloseSent() {
        return false;
    }

    /**
     * Whether each message part must start a new carrier write (so an HTTP/2 DATA frame), making
     * message boundaries visible in a frame trace. RFC 6455 framing lets parts share writes.
     */
    default boolean partsStartWrites() {
        return false;
    }

    /** A short name for logs and traces, e.g. "rfc6455". */
    String name();

    /** A decoder feeding {@code sink}; one per socket. */
    Decoder newDecoder(FrameSink sink);

    /** An encoder; one per socket. */
    Encoder newEncoder();
}
