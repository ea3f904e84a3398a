package io.h2ws.socket;

import java.net.http.WebSocket;

/**
 * A WebSocket of h2ws, client or server side: the JDK's {@link WebSocket} contract plus what a
 * dual-transport socket can tell. See {@code spec-notes/api.md} for where we differ from the JDK.
 */
public interface H2wsSocket extends WebSocket {

    /** {@link Transport#H1} or {@link Transport#H2}; never AUTO. */
    Transport transport();

    /** True when the bytes travel over TLS. */
    boolean isSecure();

    /** The wire mapping in use: "rfc6455", or "h2-message" for the experimental message mapping. */
    String wireMapping();

    /** The peer's address, or null when unknown. */
    java.net.SocketAddress remoteAddress();

    /** The request path (with query) the socket was opened for. */
    String path();

    /** The close code we received from the peer, 1006 after an abnormal end, or -1 while open. */
    int closeCode();

    /** Frames and bytes at the WebSocket layer each way since the socket opened. */
    default io.h2ws.trace.SocketStats stats() {
        return io.h2ws.trace.SocketStats.EMPTY;
    }
}
