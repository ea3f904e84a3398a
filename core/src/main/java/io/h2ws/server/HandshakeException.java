package io.h2ws.server;

import java.util.OptionalInt;

/**
 * The opening handshake failed (RFC 6455 section 4.1 "Fail the WebSocket Connection" on the
 * client, section 4.2.1/4.2.2 on the server; RFC 8441 section 5). Checked because every caller
 * must decide what to do: a client closes the connection or resets the stream, a server answers
 * with {@link #status()} instead of 101 / 200.
 */
public class HandshakeException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;
    private final int status;

    /** A failure with no HTTP status, as a client detects it in the server's response. */
    public HandshakeException(String reason) {
        super(reason);
        this.reason = reason;
        this.status = -1;
    }

    /**
     * A failure a server answers with {@code status}, e.g. 400 (section 4.2.1) or 426 Upgrade
     * Required for an unsupported version (section 4.2.2 item 4).
     */
    public HandshakeException(int status, String reason) {
        super(reason + " (HTTP " + status + ")");
        if (status < 400 || status > 599) {
            // A failed handshake must never look like a success or a redirect to the peer.
            throw new IllegalArgumentException("handshake failure status must be 4xx or 5xx, got " + status);
        }
        this.reason = reason;
        this.status = status;
    }

    /** Why the handshake failed, fit for a log line or a response body. */
    public String reason() {
        return reason;
    }

    /** The HTTP status a server should answer with; empty on the client side. */
    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }
}
