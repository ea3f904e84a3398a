package io.h2ws.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.socket.DeflateConfig;

/**
 * What a client asks for, whichever transport carries it.
 *
 * @param uri            a ws:// or wss:// URI without fragment
 * @param headers        extra request headers, in order (restricted names already refused)
 * @param subprotocols   offered subprotocols, most preferred first
 * @param connectTimeout bound on connecting plus the opening handshake; null for the connector's default
 * @param options        limits and timeouts of the socket
 * @param transport      H1, H2 or AUTO
 * @param messageMapping true to open the socket with the experimental HTTP/2 message mapping
 *                       ({@code :protocol h2ws-message}) instead of RFC 6455 framing; HTTP/2 only
 * @param deflate        permessage-deflate settings; offered when enabled
 */
public record ClientRequest(URI uri, List<Map.Entry<String, String>> headers, List<String> subprotocols,
                            Duration connectTimeout, WebSocketOptions options, Transport transport,
                            boolean messageMapping, DeflateConfig deflate) {

    /** A request without compression. */
    public ClientRequest(URI uri, List<Map.Entry<String, String>> headers, List<String> subprotocols,
                         Duration connectTimeout, WebSocketOptions options, Transport transport,
                         boolean messageMapping) {
        this(uri, headers, subprotocols, connectTimeout, options, transport, messageMapping, DeflateConfig.disabled());
    }

    /** A request with RFC 6455 framing. */
    public ClientRequest(URI uri, List<Map.Entry<String, String>> headers, List<String> subprotocols,
                         Duration connectTimeout, WebSocketOptions options, Transport transport) {
        this(uri, headers, subprotocols, connectTimeout, options, transport, false, DeflateConfig.disabled());
    }

    /** True for wss. */
    public boolean secure() {
        return "wss".equalsIgnoreCase(uri.getScheme());
    }

    /** The port, with the scheme's default. */
    public int port() {
        int p = uri.getPort();
        return p > 0 ? p : secure() ? 443 : 80;
    }

    /** The request target: raw path (or "/") and query. */
    public String pathAndQuery() {
        String p = uri.getRawPath();
        if (p == null || p.isEmpty()) {
            p = "/";
        }
        String q = uri.getRawQuery();
        return q == null ? p : p + "?" + q;
    }

    /** host[:port] as it goes in Host / :authority (the port only when not the default). */
    public String authority() {
        String host = uri.getHost();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        int p = uri.getPort();
        return p > 0 && p != (secure() ? 443 : 80) ? host + ":" + p : host;
    }
}
