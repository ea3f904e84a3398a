package io.h2ws.core.internal.session;

/**
 * The connection states of RFC 6455 section 4 and 7, with CLOSING split by who spoke first, so
 * that each half maps onto a half-closed HTTP/2 stream (RFC 8441 section 5.1).
 *
 * <pre>
 *  OPEN --send Close--> CLOSE_SENT --receive Close--> CLOSED
 *  OPEN --receive Close--> CLOSE_RECEIVED --send Close--> CLOSED
 *  any --protocol violation, transport loss, abort--> CLOSED
 * </pre>
 * CONNECTING belongs to the handshake, which happens before a session exists.
 */
public enum SessionState {
    OPEN,
    CLOSE_SENT,
    CLOSE_RECEIVED,
    CLOSED;

    /** Data and pings may still be sent. */
    public boolean canSend() {
        return this == OPEN || this == CLOSE_RECEIVED;
    }

    /** Frames from the peer are still expected. */
    public boolean canReceive() {
        return this == OPEN || this == CLOSE_SENT;
    }
}
