package io.h2ws.server;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.h2ws.socket.Transport;

/**
 * An opening handshake as both transports see it, after their own checks: the HTTP/1.1 GET with
 * Upgrade (RFC 6455 section 4.2.1) and the HTTP/2 extended CONNECT (RFC 8441 section 4) reduce
 * to a path, an authority and header fields.
 *
 * @param transport the transport the request came on
 * @param secure    true over TLS
 * @param path      the request target's path and query, e.g. "/chat?room=1"
 * @param authority the Host header or the :authority pseudo-header
 * @param headers   header fields by lower-case name, each with its values in arrival order
 * @param remote    the peer's address, or null
 */
public record HandshakeRequest(Transport transport, boolean secure, String path, String authority,
                               Map<String, List<String>> headers, java.net.SocketAddress remote) {

    /** All values of a header (case-insensitive name), or an empty list. */
    public List<String> headers(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers(name);
        return v.isEmpty() ? null : v.get(0);
    }

    /** The path without its query. */
    public String pathOnly() {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}
