package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.Role;
import java.util.Objects;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.core.internal.wire.Rfc6455Mapping;
import io.h2ws.core.internal.wire.WireMapping;

/**
 * What a handshake agreed, all a transport needs to open a socket over its carrier with
 * {@link RealWebSocket#open}: the one way every transport and both roles make a socket.
 *
 * @param role           client or server
 * @param messageMapping true for the experimental HTTP/2 message mapping, false for RFC 6455 framing
 * @param subprotocol    the agreed subprotocol, or "" for none
 * @param path           the request path and query, for {@link RealWebSocket#path()}
 * @param deflate        the agreed RFC 7692 parameters, or null without the extension
 * @param deflateConfig  our compression settings (level, minimum size), or null for defaults
 * @param options        limits and timeouts
 * @param budget         the memory budget of the socket's connection (a server's), or null for none
 */
public record SocketSetup(Role role, boolean messageMapping, String subprotocol, String path,
                          DeflateParams deflate, DeflateConfig deflateConfig, WebSocketOptions options,
                          ByteBudget budget) {

    /** Without a memory budget (a client's socket). */
    public SocketSetup(Role role, boolean messageMapping, String subprotocol, String path,
                       DeflateParams deflate, DeflateConfig deflateConfig, WebSocketOptions options) {
        this(role, messageMapping, subprotocol, path, deflate, deflateConfig, options, null);
    }

    /** Checks and normalises: a null subprotocol is "", surrounding spaces are dropped. */
    public SocketSetup {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(options, "options");
        subprotocol = subprotocol == null ? "" : subprotocol.trim();
    }

    /** The wire mapping this socket's frames travel in. */
    WireMapping mapping() {
        return messageMapping ? new MessageMapping() : new Rfc6455Mapping(role);
    }
}
