package io.h2ws.core.internal.socket;

import java.net.http.WebSocket;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.socket.InMemoryCarriers;

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
        return open(clientListener, serverListener, options, false, null);
    }

    /** Opens both ends with RFC 6455 framing and permessage-deflate agreed with {@code deflate} (null: off). */
    public static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options,
                            DeflateParams deflate) {
        return open(clientListener, serverListener, options, false, deflate);
    }

    /**
     * Opens both ends; {@code messageMapping} selects the experimental HTTP/2 message mapping
     * instead of RFC 6455 framing.
     */
    public static Pair open(WebSocket.Listener clientListener, WebSocket.Listener serverListener, WebSocketOptions options,
                            boolean messageMapping, DeflateParams deflate) {
        InMemoryCarriers.Pair carriers = InMemoryCarriers.pair(Transport.H2);
        RealWebSocket server = RealWebSocket.open(carriers.server(),
                new SocketSetup(Role.SERVER, messageMapping, "", "/memory", deflate, null, options), serverListener);
        RealWebSocket client = RealWebSocket.open(carriers.client(),
                new SocketSetup(Role.CLIENT, messageMapping, "", "/memory", deflate, null, options), clientListener);
        server.start();
        client.start();
        return new Pair(client, server);
    }
}
