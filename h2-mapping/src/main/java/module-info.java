/**
 * WebSocket over HTTP/2 (RFC 8441 extended CONNECT, and the experimental message mapping) on
 * Jetty's low-level HTTP/2 API. It exports nothing to users: the {@code io.h2ws} module's
 * {@code H2wsServer} and {@code H2wsClient} are how it is reached.
 */
@SuppressWarnings("module")
module io.h2ws.h2 {
    requires transitive io.h2ws.core;
    requires org.slf4j;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http2.common;
    requires org.eclipse.jetty.http2.hpack;
    requires org.eclipse.jetty.http2.server;
    requires org.eclipse.jetty.http2.client;
    requires org.eclipse.jetty.alpn.server;
    requires org.eclipse.jetty.alpn.client;
    // The JDK's ALPN, found by Jetty through ServiceLoader: required so that it is in the module graph.
    requires org.eclipse.jetty.alpn.java.server;
    requires org.eclipse.jetty.alpn.java.client;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;

    exports io.h2ws.h2.internal to io.h2ws;
    exports io.h2ws.h2.internal.trace to io.h2ws;
    exports io.h2ws.h2.internal.tls to io.h2ws;
}
