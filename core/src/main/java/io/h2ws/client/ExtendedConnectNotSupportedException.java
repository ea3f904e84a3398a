package io.h2ws.client;

import java.io.IOException;
import java.net.URI;

/**
 * The origin speaks HTTP/2 but its SETTINGS do not carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1,
 * so a client must not send an extended CONNECT there (RFC 8441 section 3). A client that may
 * fall back (transport AUTO) opens the socket over HTTP/1.1 instead.
 */
public class ExtendedConnectNotSupportedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final URI uri;

    public ExtendedConnectNotSupportedException(URI uri, String detail) {
        super(uri + ": the server does not allow WebSocket over HTTP/2 (RFC 8441 section 3): " + detail);
        this.uri = uri;
    }

    /** The URI the client asked for. */
    public URI uri() {
        return uri;
    }
}
