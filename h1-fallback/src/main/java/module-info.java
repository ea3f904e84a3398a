/**
 * h2ws, the library users depend on: {@code H2wsServer} (one port for HTTP/1.1 Upgrade and h2c,
 * one for TLS with ALPN) and {@code H2wsClient} (HTTP/1.1, HTTP/2 or AUTO), with WebSocket over
 * HTTP/1.1 Upgrade (RFC 6455) inside. The core's API packages come with it ({@code requires
 * transitive}); the transports' internals stay hidden.
 */
module io.h2ws {
    requires transitive io.h2ws.core;
    requires io.h2ws.h2;
    requires org.slf4j;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http2.common;
    requires org.eclipse.jetty.http2.server;
    requires org.eclipse.jetty.alpn.server;

    exports io.h2ws;
}
