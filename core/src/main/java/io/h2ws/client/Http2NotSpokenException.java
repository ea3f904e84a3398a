package io.h2ws.client;

import java.io.IOException;
import java.net.URI;

/**
 * The origin does not speak HTTP/2: over TLS it chose no {@code h2} in ALPN (or refused the
 * handshake that offered only {@code h2}); in cleartext it did not answer the h2c prior-knowledge
 * preface with a SETTINGS frame (an HTTP/1.1 server answers it with "HTTP/1.1 400", which an
 * HTTP/2 parser reads as a frame too large). Transport AUTO opens such sockets over HTTP/1.1.
 */
public class Http2NotSpokenException extends IOException {
    private static final long serialVersionUID = 1L;
    private final URI uri;

    /**
     * @param detail what was seen, e.g. "TLS chose no ALPN protocol" or Jetty's parser error
     */
    public Http2NotSpokenException(URI uri, String detail, Throwable cause) {
        super(uri + ": the server does not speak HTTP/2 (" + detail + "); transport AUTO falls back to HTTP/1.1", cause);
        this.uri = uri;
    }

    /** The URI the client asked for. */
    public URI uri() {
        return uri;
    }
}
