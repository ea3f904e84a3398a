package io.h2ws;

import java.util.Objects;

/**
 * A small static resource served next to the WebSocket endpoints on both transports (the demo
 * page, a health check): ordinary requests share the port, and on HTTP/2 the connection.
 *
 * @param contentType the Content-Type header value
 * @param body        the bytes served
 */
public record Page(String contentType, byte[] body) {
    public Page {
        Objects.requireNonNull(contentType);
        Objects.requireNonNull(body);
    }
}
