package io.h2ws.client;

import java.io.IOException;
import java.net.URI;

/**
 * The opening handshake failed: the server refused (with an HTTP status), or its answer broke a
 * client rule of RFC 6455 section 4.1 or RFC 8441 section 5. The JDK reports the first case as
 * {@code WebSocketHandshakeException}, which needs an {@code HttpResponse}; we keep status and
 * reason instead.
 */
public class HandshakeFailedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final URI uri;
    private final int status;

    /**
     * @param status the HTTP status the server answered, or -1 when the failure is not a status
     */
    public HandshakeFailedException(URI uri, int status, String reason) {
        super(uri + ": " + (status > 0 ? "HTTP " + status + ": " : "") + reason);
        this.uri = uri;
        this.status = status;
    }

    public URI uri() {
        return uri;
    }

    /** The HTTP status the server answered, or -1. */
    public int status() {
        return status;
    }
}
