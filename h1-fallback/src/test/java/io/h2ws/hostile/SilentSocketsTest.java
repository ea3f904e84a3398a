package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.server.ServerLimits;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * Sockets that never send must not live forever (RFC 9113 section 10.5): the server closes a
 * socket idle for its idle timeout with 1001 (RFC 6455 section 7.4.1), on both transports, by
 * default after 120 s; an endpoint's own idle timeout wins.
 */
class SilentSocketsTest {

    @Test
    @DisplayName("The server builder's idle timeout is on by default: 120 s")
    void idleTimeoutIsBoundedByDefault() {
        H2wsServer s = H2wsServer.builder().build();
        assertEquals(ServerLimits.DEFAULT_IDLE_TIMEOUT, s.limits().idleTimeout());
        assertTrue(s.limits().idleTimeout().compareTo(Duration.ofSeconds(120)) <= 0);
    }

    @Test
    @DisplayName("Silent sockets on HTTP/1.1 and on one HTTP/2 connection are closed with 1001 after the server's idle timeout; "
            + "an endpoint's shorter one wins")
    void silentSocketsAreClosed() throws Exception {
        int n = 16;
        try (H2wsServer server = H2wsServer.builder().idleTimeout(Duration.ofSeconds(1))
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/fast").options(WebSocketOptions.builder().idleTimeout(Duration.ofMillis(300)).build())
                        .listener(EchoListener::new).build())
                .build().start();
             H2wsClient client = H2wsClient.create()) {
            for (String path : List.of("/echo", "/fast")) {
                URI uri = URI.create("ws://127.0.0.1:" + server.port() + path);
                List<Recorder> recorders = new ArrayList<>();
                long t0 = System.nanoTime();
                for (Transport t : List.of(Transport.H1, Transport.H2)) {
                    for (int i = 0; i < n; i++) {
                        Recorder r = new Recorder();
                        client.newWebSocketBuilder().transport(t).buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
                        recorders.add(r);
                    }
                }
                // another client is served meanwhile
                Recorder sentinel = new Recorder();
                var live = client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(uri, sentinel).get(10, TimeUnit.SECONDS);
                live.sendText("served", true);
                assertEquals("served", sentinel.next(Rec.Text.class).text());
                live.sendClose(1000, "").get(10, TimeUnit.SECONDS);
                for (Recorder r : recorders) {
                    Rec end = r.awaitTerminal();
                    assertEquals(1001, ((Rec.Close) end).code(), path + ": " + end);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (server.openSockets() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(0, server.openSockets());
                System.out.printf("[hostile] %d silent sockets on %s (h1 and one h2 connection): all closed with 1001 after %d ms%n",
                        2 * n, path, ms);
                if (path.equals("/fast")) {
                    assertTrue(ms < 1_000, "the endpoint's 300 ms won over the server's 1 s: " + ms);
                }
            }
        }
    }
}
