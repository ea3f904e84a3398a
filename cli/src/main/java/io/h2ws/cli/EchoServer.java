package io.h2ws.cli;

import io.h2ws.H2wsServer;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;

/** The h2ws echo server the benchmarks start in their own JVM (HTTP/1.1 and h2c on one port, or TLS with ALPN). */
public final class EchoServer {

    private EchoServer() {}

    /**
     * Starts an echo server on 127.0.0.1:{@code port} (0 for any) serving {@code /echo}, with
     * stream limits raised for the multiplexing benchmarks and compression off (the competitors'
     * servers do not compress either).
     */
    public static H2wsServer start(int port) throws Exception {
        return start(port, false);
    }

    /**
     * As {@link #start(int)}, but one TLS port instead (ALPN h2 and http/1.1) presenting the key
     * in {@code keyStore}; {@link H2wsServer#tlsPort()} tells the port.
     */
    public static H2wsServer startTls(int port, java.security.KeyStore keyStore, char[] password) throws Exception {
        return H2wsServer.builder().port(-1).tlsPort(port).keyStore(keyStore, password).maxConcurrentStreams(20_000)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).deflate(DeflateConfig.disabled()).build())
                .build().start();
    }

    /** As {@link #start(int)}; {@code deflate} accepts permessage-deflate (RFC 7692) offers with the defaults. */
    public static H2wsServer start(int port, boolean deflate) throws Exception {
        return builder(port, deflate).build().start();
    }

    /**
     * As {@link #start(int)}, advertising {@code h2MaxFrameSize} as SETTINGS_MAX_FRAME_SIZE and
     * {@code h2StreamWindow} as SETTINGS_INITIAL_WINDOW_SIZE (the head-of-line benchmark).
     */
    public static H2wsServer start(int port, int h2MaxFrameSize, int h2StreamWindow) throws Exception {
        return builder(port, false).h2MaxFrameSize(h2MaxFrameSize).h2InitialStreamWindow(h2StreamWindow).build().start();
    }

    private static H2wsServer.Builder builder(int port, boolean deflate) {
        return H2wsServer.builder().port(port).maxConcurrentStreams(20_000)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new)
                        .deflate(deflate ? DeflateConfig.defaults() : DeflateConfig.disabled()).build());
    }
}
