package io.h2ws.socket;

/** How a WebSocket travels: the client chooses one, and every open socket reports the one it got. */
public enum Transport {
    /** RFC 6455 Upgrade on its own HTTP/1.1 (TCP or TLS) connection. */
    H1,
    /** RFC 8441 extended CONNECT: one stream of a shared HTTP/2 connection. */
    H2,
    /**
     * Client choice only: HTTP/2 where the origin speaks it and allows extended CONNECT, else
     * HTTP/1.1. A socket never reports AUTO.
     */
    AUTO
}
