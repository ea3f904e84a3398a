package io.h2ws.core.internal.handshake;

import java.util.List;
import java.util.Objects;

/**
 * Field names and the version rule of the opening handshake (RFC 6455 sections 4.1, 4.2.1 and
 * 11.3; RFC 8441 section 5). Names are lower case because HTTP/2 requires it (RFC 9113 section
 * 8.2.1) and HTTP/1.1 compares names case-insensitively, so one spelling serves both.
 */
public final class HandshakeHeaders {

    public static final String SEC_WEBSOCKET_KEY = "sec-websocket-key";
    public static final String SEC_WEBSOCKET_ACCEPT = "sec-websocket-accept";
    public static final String SEC_WEBSOCKET_VERSION = "sec-websocket-version";
    public static final String SEC_WEBSOCKET_PROTOCOL = "sec-websocket-protocol";
    public static final String SEC_WEBSOCKET_EXTENSIONS = "sec-websocket-extensions";
    public static final String ORIGIN = "origin";
    public static final String UPGRADE = "upgrade";
    public static final String CONNECTION = "connection";
    public static final String HOST = "host";

    /**
     * The protocol name: the HTTP/1.1 Upgrade value (RFC 6455 section 4.1 item 5) and the
     * HTTP/2 :protocol pseudo-header value (RFC 8441 section 4) alike.
     */
    public static final String WEBSOCKET = "websocket";

    /** The only protocol version RFC 6455 defines (section 4.1 item 9). */
    public static final String VERSION = "13";

    private HandshakeHeaders() {}

    /**
     * True iff the request's Sec-WebSocket-Version lines hold exactly one element and it is
     * "13" (section 4.2.1 item 6). Exactly one, not "13 among others", because the request
     * grammar is a single version (section 4.3, Sec-WebSocket-Version-Client) and the field
     * must not repeat in a request (section 11.3.5); a list such as "13, 8" is only ever the
     * server's error answer (section 4.4). On false a server answers 426 with its own
     * Sec-WebSocket-Version (section 4.2.2 item 4).
     */
    public static boolean isSupportedVersion(Iterable<String> versionValues) {
        Objects.requireNonNull(versionValues, "versionValues");
        List<String> values = HeaderTokens.tokens(versionValues);
        return values.size() == 1 && VERSION.equals(values.get(0));
    }
}
