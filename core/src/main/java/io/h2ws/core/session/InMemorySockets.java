package io.h2ws.core.session;

import java.net.http.WebSocket;

import io.h2ws.H2wsSocket;
import io.h2ws.Transport;
import io.h2ws.WebSocketOptions;
import io.h2ws.core.Role;
import io.h2ws.core.extension.DeflateParams;
import io.h2ws.core.wire.InMemoryCarriers;
import io.h2ws.core.wire.Rfc6455Mapping;
import io.h2ws.core.wire.WireMapping;

/**
 * A connected client and server socket with no network between them: the whole message layer
 * (framing, masking, rules, demand, close handshake) runs for real over in-memory carriers.
 */
public final class InMemorySockets {

    /** The two ends. */
    public record Pair(H2wsSocket client, H2wsSocket server) {}

    private InMemorySockets() {}

    /** Opens both ends with RFC 6455 framing and the given options. */
    public static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options) {
        return open(clientListener, serverListener, options, new Rfc6455Mapping(Role.CLIENT), new Rfc6455Mapping(Role.SERVER));
    }

    /** Opens both ends with the given wire mappings. */
    public static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options,
                            WireMapping clientMapping, WireMapping serverMapping) {
        return open(clientListener, serverListener, options, clientMapping, serverMapping, null);
    }

    /** Opens both ends with RFC 6455 framing and permessage-deflate agreed with {@code deflate} (null: off). */
    public static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options,
                            DeflateParams deflate) {
        return open(clientListener, serverListener, options, new Rfc6455Mapping(Role.CLIENT), new Rfc6455Mapping(Role.SERVER), deflate);
    }

    private static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options,
                             WireMapping clientMapping, WireMapping serverMapping, DeflateParams deflate) {
        InMemoryCarriers.Pair carriers = InMemoryCarriers.pair(Transport.H2);
        RealWebSocket server = new RealWebSocket(carriers.server(), Role.SERVER, serverMapping, serverListener,
                options, "", "/memory", 0, Timers.shared(), deflate, null);
        RealWebSocket client = new RealWebSocket(carriers.client(), Role.CLIENT, clientMapping, clientListener,
                options, "", "/memory", 0, Timers.shared(), deflate, null);
        server.start();
        client.start();
        return new Pair(client, server);
    }
}
