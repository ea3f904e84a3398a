package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.client.ClientBuilder;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.internal.h1.RawConnection.Frame;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Backpressure from a slow server reader to the client's sends, idle timeouts, and stopping a server. */
class FlowAndLifecycleTest {

    private TestServer server;
    private H1Connector connector;
    private final BlockingQueue<Recorder> sinks = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(false);
        // a reader that never requests unless the test says so
        server.endpoints.add(Endpoint.builder("/sink").listener(() -> {
            Recorder r = new Recorder(false);
            sinks.add(r);
            return r;
        }).build());
        server.endpoints.add(Endpoint.builder("/idle").options(WebSocketOptions.builder()
                .idleTimeout(Duration.ofMillis(300)).build()).listener(() -> new EchoListener(server.serverCloses)).build());
        connector = new H1Connector();
        connector.start();
    }

    @AfterEach
    void stop() throws Exception {
        connector.stop();
        server.close();
    }

    private ClientBuilder client() {
        return new ClientBuilder(connector).transport(Transport.H1);
    }

    /**
     * A server listener that does not request stops TCP reads: the client's sends stop
     * completing once the socket buffers are full, and with a small send queue the next sends
     * fail at once instead of queueing. Requesting again lets everything through, in order.
     */
    @Test
    void slowServerReaderStopsTheClientsSends() throws Exception {
        int chunk = 64 * 1024;
        H2wsSocket ws = client().options(WebSocketOptions.builder().maxQueuedBytes(1 << 20).build())
                .buildH2ws(server.uri("/sink"), new Recorder()).get(10, TimeUnit.SECONDS);
        Recorder sink = sinks.poll(10, TimeUnit.SECONDS);
        assertNotNull(sink);
        sink.opened.get(10, TimeUnit.SECONDS);

        int completed = 0;
        CompletableFuture<?> stalled = null;
        // loopback socket buffers hold a few MiB; 256 MiB without a stall would mean nothing pushes back
        for (int i = 0; i < 4096 && stalled == null; i++) {
            CompletableFuture<?> f = ws.sendBinary(ByteBuffer.allocate(chunk), true);
            try {
                f.get(2, TimeUnit.SECONDS);
                completed++;
            } catch (TimeoutException stillPending) {
                stalled = f;
            }
        }
        assertNotNull(stalled, "sends never stopped completing: the server kept reading");

        int accepted = 0;
        IOException full = null;
        for (int i = 0; i < 64 && full == null; i++) {
            CompletableFuture<?> f = ws.sendBinary(ByteBuffer.allocate(chunk), true);
            if (f.isCompletedExceptionally()) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
                full = assertInstanceOf(IOException.class, e.getCause());
            } else {
                accepted++;
            }
        }
        assertNotNull(full, "a full send queue must fail the send at once");
        assertTrue(full.getMessage().contains("queue full"), full.getMessage());

        sink.opened.get().request(Long.MAX_VALUE);
        stalled.get(10, TimeUnit.SECONDS);
        int expected = completed + 1 + accepted;
        for (int i = 0; i < expected; i++) {
            assertEquals(chunk, sink.next(Rec.Binary.class).data().length, "message " + i);
        }
    }

    /** The HTTP idle timeout of the connector must not reach an upgraded socket whose options say "none". */
    @Test
    void httpIdleTimeoutDoesNotKillAQuietSocket() throws Exception {
        server.connector.setIdleTimeout(200);
        Recorder r = new Recorder();
        H2wsSocket ws = client().buildH2ws(server.uri("/echo"), r).get(10, TimeUnit.SECONDS);
        Thread.sleep(800); // several HTTP idle periods with no traffic
        ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertEquals("still here", r.next(Rec.Text.class).text());
    }

    /**
     * With an idle timeout in the endpoint's options, a quiet socket is closed by the server with
     * 1001 "idle timeout" (a clean close handshake; the end point's own timeout is only a backstop).
     */
    @Test
    void socketIdleTimeoutEndsTheSocket() throws Exception {
        Recorder r = new Recorder();
        client().buildH2ws(server.uri("/idle"), r).get(10, TimeUnit.SECONDS);
        Rec end = r.awaitTerminal();
        assertTrue(end instanceof Rec.Close c && c.code() == 1001 && c.reason().equals("idle timeout"), String.valueOf(end));
        String serverSide = server.serverCloses.poll(10, TimeUnit.SECONDS);
        assertNotNull(serverSide);
        assertTrue(serverSide.startsWith("1001"), serverSide);
    }

    /** RFC 6455 section 7.4.1: stopping closes every socket with 1001 "going away", within a bound. */
    @Test
    void closeAllSendsGoingAwayToEverySocket() throws Exception {
        List<Recorder> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Recorder r = new Recorder();
            client().buildH2ws(server.uri("/echo"), r).get(10, TimeUnit.SECONDS);
            clients.add(r);
        }
        awaitOpenSockets(5);
        server.openSockets.closeAll("server stopping", Duration.ofSeconds(5));
        for (Recorder r : clients) {
            assertEquals(new Rec.Close(1001, "server stopping"), r.awaitTerminal());
        }
        awaitOpenSockets(0);
    }

    /** A peer that never answers the Close is cut off when closeAll's bound expires. */
    @Test
    void closeAllAbortsPeersThatDoNotAnswer() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertEquals(101, c.readHead(false).status());
            awaitOpenSockets(1);
            server.openSockets.closeAll("bye", Duration.ofMillis(300));
            Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            assertEquals(1001, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
            assertEquals(-1, c.read(), "closed after the bound");
            awaitOpenSockets(0);
        }
    }

    /** The client side also reports when its carrier is released after a clean close. */
    @Test
    void clientCarrierIsReleasedAfterACleanClose() throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = client().buildH2ws(server.uri("/echo"), r).get(10, TimeUnit.SECONDS);
        ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(1000, ""), r.awaitTerminal());
        ((RealWebSocket) ws).whenCarrierDone().get(10, TimeUnit.SECONDS);
    }

    private void awaitOpenSockets(int n) throws InterruptedException {
        for (int i = 0; i < 200 && server.openSockets.size() != n; i++) {
            Thread.sleep(25);
        }
        assertEquals(n, server.openSockets.size());
    }
}
