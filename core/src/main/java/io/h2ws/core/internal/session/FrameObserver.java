package io.h2ws.core.internal.session;

/**
 * Sees every WebSocket frame (or message-mapping part) a {@link WebSocketSession} decodes or
 * encodes, for traces. Optional: a session without one pays a single null check per frame.
 *
 * <p>Called with the session's lock held (the socket serialises all session access), so an
 * implementation must be quick and must not call back into the socket.
 */
public interface FrameObserver {

    /**
     * @param outbound      true for a frame we encoded, false for one we decoded
     * @param opcode        the wire opcode ({@link io.h2ws.core.internal.frame.Opcode}); 0 for a continuation
     * @param fin           the FIN bit (for the message mapping: the part ends its message)
     * @param rsv           RSV1..RSV3 as a 3-bit value (RSV1 = 4)
     * @param masked        the MASK bit (RFC 6455 client frames)
     * @param payloadLength payload bytes as they travel (after compression)
     * @param wireBytes     bytes the frame takes in the carrier: header plus payload (0 for a
     *                      Close carried in HTTP/2 trailers)
     * @param closeCode     the code of a Close frame (1005 for none), else -1
     */
    void onFrame(boolean outbound, int opcode, boolean fin, int rsv, boolean masked, long payloadLength,
                 long wireBytes, int closeCode);
}
