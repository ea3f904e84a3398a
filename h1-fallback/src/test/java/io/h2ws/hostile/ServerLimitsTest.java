package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.server.ServerLimits;
import io.h2ws.testing.Recorder;

/** The socket and connection limits of {@link ServerLimits} (RFC 9113 section 10.5). */
class ServerLimitsTest {

    static H2wsServer server(ServerLimits limits) throws Exception {
        return H2wsServer.builder().limits(limits)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build()).build().start();
    }

    @Test
    @DisplayName("At the socket limit a handshake gets 503 on either transport (the HTTP/2 connection carries on); "
            + "a closed socket makes room")
    void socketLimitAnswers503() throws Exception {
        try (H2wsServer server = server(new ServerLimits(Duration.ofSeconds(120), 4, 100, 64L << 20, 256L << 20));
             H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            List<H2wsSocket> open = new ArrayList<>();
            for (Transport t : List.of(Transport.H1, Transport.H1, Transport.H2, Transport.H2)) {
                open.add(client.newWebSocketBuilder().transport(t).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            }
            for (Transport t : List.of(Transport.H1, Transport.H2)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> client.newWebSocketBuilder().transport(t).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
                HandshakeFailedException h = assertInstanceOf(HandshakeFailedException.class, e.getCause(), t + ": " + e);
                assertEquals(503, h.status(), t.toString());
            }
            open.get(3).sendClose(1000, "").get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.openSockets() > 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS);
            deadline = System.nanoTime() + 5_000_000_000L;
            while (server.openSockets() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the server counts a socket once its 200 is written: the client may see it first
            }
            assertEquals(4, server.openSockets());
        }
    }

    @Test
    @DisplayName("At the connection limit a new TCP connection waits unanswered; a closed connection lets it in")
    void connectionLimitHoldsNewConnections() throws Exception {
        try (H2wsServer server = server(new ServerLimits(Duration.ofSeconds(120), 100, 2, 64L << 20, 256L << 20));
             H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            H2wsSocket a = client.newWebSocketBuilder().transport(Transport.H1).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS);
            client.newWebSocketBuilder().transport(Transport.H1).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS);
            var third = client.newWebSocketBuilder().transport(Transport.H1).connectTimeout(Duration.ofSeconds(10))
                    .buildH2ws(uri, new Recorder());
            Thread.sleep(500);
            assertTrue(!third.isDone(), "a third connection was served: " + third);
            a.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            third.get(10, TimeUnit.SECONDS); // accepted once a connection closed
        }
    }
}
