package io.h2ws.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.h2ws.H2wsServer;
import io.h2ws.Page;
import io.h2ws.core.internal.server.ServeEcho;

/**
 * The server {@code h2ws serve} runs when given no options (cli ServeCommand), rebuilt here
 * because the CLI module depends on this one: the same builder calls with the options' default
 * values, and the very same {@code /echo} endpoint ({@link ServeEcho}, which serve also uses).
 * Two differences, both outside what the suite tests: a free port instead of 8080, and no TLS
 * port (serve's 8443 speaks the same two transports, h2 and http/1.1, through ALPN).
 */
final class ServeDefaults {

    static final String PATH = ServeEcho.PATH;

    private ServeDefaults() {}

    static H2wsServer start() throws Exception {
        return H2wsServer.builder()
                .host("127.0.0.1")                 // --host
                .port(0)                           // --port 8080: any free port here
                .tlsPort(-1)                       // --tls-port 8443: off here (same transports over ALPN)
                .maxConcurrentStreams(1024)        // --max-streams
                .h2MaxFrameSize(16_384)            // --h2-max-frame-size
                .h2InitialStreamWindow(256 * 1024) // --h2-stream-window
                .h2Keepalive(Duration.ZERO, Duration.ofSeconds(10)) // --h2-ping-interval 0 (off), --h2-ping-timeout 10
                .trace(null)                       // no --trace
                .endpoint(ServeEcho.endpoint(true)) // no --no-deflate: permessage-deflate accepted
                .page("/", new Page("text/html; charset=utf-8", "<!doctype html><title>h2ws</title>".getBytes(StandardCharsets.UTF_8)))
                .build().start();
    }
}
