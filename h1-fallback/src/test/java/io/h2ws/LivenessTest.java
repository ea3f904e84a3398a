package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;

/**
 * Idle timeout and keepalive ({@link WebSocketOptions#idleTimeout}, {@code pingInterval},
 * {@code pongTimeout}) on both transports, over loopback against the one-port server.
 */
class LivenessTest {

    static H2wsServer server;
    static H2wsClient client;
    /** The server's listener of the last socket opened on /stall: it never calls request(). */
    static volatile Recorder stalled;
    static volatile Recorder idleServerSide;

    @BeforeAll
    static void start() throws Exception {
        server = H2wsServer.builder()
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/idle").options(WebSocketOptions.builder().idleTimeout(Duration.ofMillis(300)).build())
                        .listener(() -> idleServerSide = new Recorder()).build())
                // keepalive pings of its own must not keep an idle socket open
                .endpoint(Endpoint.builder("/idle-pinging").options(WebSocketOptions.builder().idleTimeout(Duration.ofMillis(400))
                        .pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(300)).build())
                        .listener(Recorder::new).build())
                .endpoint(Endpoint.builder("/stall").listener(() -> stalled = new Recorder(false)).build())
                .build().start();
        client = H2wsClient.create();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    static H2wsSocket open(String path, Transport t, WebSocketOptions options, Recorder r) throws Exception {
        return client.newWebSocketBuilder().transport(t).options(options)
                .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + path), r).get(10, TimeUnit.SECONDS);
    }

    static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    void idleSocketIsClosedWith1001AfterTheIdleTimeoutAndTrafficPostponesIt(Transport t) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open("/idle", t, WebSocketOptions.DEFAULTS, r);
        // traffic every 100 ms for 900 ms: three idle periods pass without a close
        for (int i = 0; i < 9; i++) {
            ws.sendText("tick " + i, true).get(5, TimeUnit.SECONDS);
            Thread.sleep(100);
        }
        assertFalse(r.terminal.isDone(), "closed although frames kept flowing: " + r.events);
        long quietSince = System.nanoTime();
        Rec end = r.awaitTerminal();
        long after = millisSince(quietSince);
        Rec.Close close = assertInstanceOf(Rec.Close.class, end);
        assertEquals(1001, close.code());
        assertEquals("idle timeout", close.reason());
        assertTrue(after >= 150 && after < 3000, "closed " + after + " ms after the last frame (idle timeout 300 ms)");
        // the server's listener sees the close handshake complete with our echo of 1001
        Rec serverEnd = idleServerSide.awaitTerminal();
        assertEquals(1001, assertInstanceOf(Rec.Close.class, serverEnd).code());
        System.out.printf("[liveness] %s: idle close 1001 arrived %d ms after the last frame (idle timeout 300 ms)%n", t, after);
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    void ownKeepalivePingsDoNotKeepAnIdleSocketOpen(Transport t) throws Exception {
        Recorder r = new Recorder();
        long t0 = System.nanoTime();
        open("/idle-pinging", t, WebSocketOptions.DEFAULTS, r);
        Rec end = r.awaitTerminal();
        long after = millisSince(t0);
        assertEquals(1001, assertInstanceOf(Rec.Close.class, end).code(), String.valueOf(r.events));
        assertTrue(after < 3000, after + " ms");
        long pings = r.events.stream().filter(e -> e instanceof Rec.Ping).count();
        assertTrue(pings >= 2, "the server's keepalive pings reached the client: " + pings);
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    void aPeerThatStopsReadingIsDeclaredDeadAfterThePongTimeout(Transport t) throws Exception {
        // the server's listener never calls request(): that socket reads nothing, so our pings go
        // unanswered, exactly like a hung peer (its kernel and, on HTTP/2, its connection are alive)
        Recorder r = new Recorder();
        long t0 = System.nanoTime();
        open("/stall", t, WebSocketOptions.builder().pingInterval(Duration.ofMillis(200)).pongTimeout(Duration.ofMillis(300)).build(), r);
        Recorder serverSide = stalled;
        Rec end = r.awaitTerminal();
        long after = millisSince(t0);
        Rec.Close close = assertInstanceOf(Rec.Close.class, end);
        assertEquals(1006, close.code());
        assertEquals("ping timeout", close.reason());
        assertTrue(after >= 400 && after < 3000, "declared dead after " + after + " ms (ping at 200, pong timeout 300)");
        // The stalled server socket learns of the abort as an abnormal closure once it reads again
        // (on HTTP/1.1 a socket that reads nothing cannot see the peer's FIN; on HTTP/2 the
        // RST_STREAM arrives regardless)
        serverSide.opened.get(5, TimeUnit.SECONDS).request(Long.MAX_VALUE);
        assertEquals(1006, assertInstanceOf(Rec.Close.class, serverSide.awaitTerminal()).code());
        System.out.printf("[liveness] %s: stalled peer declared dead after %d ms (interval 200 + pong timeout 300)%n", t, after);
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    void aLivePeerAnswersKeepalivePingsAndTheSocketStaysOpen(Transport t) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open("/echo", t, WebSocketOptions.builder().pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(300)).build(), r);
        Thread.sleep(1000);
        assertFalse(r.terminal.isDone(), String.valueOf(r.events));
        long pongs = r.events.stream().filter(e -> e instanceof Rec.Pong).count();
        assertTrue(pongs >= 4, "pongs in 1 s at a 100 ms interval: " + pongs);
        ws.sendText("alive", true);
        Rec next;
        do {
            next = r.next();
        } while (next instanceof Rec.Pong);
        assertEquals("alive", assertInstanceOf(Rec.Text.class, next).text());
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        assertEquals(1000, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    void aListenerThatStopsRequestingIsNotMistakenForADeadPeer(Transport t) throws Exception {
        // our own listener demands nothing, so we read nothing and cannot see the pongs: the pong
        // timeout must not count that time against the (live) peer
        Recorder r = new Recorder(false);
        H2wsSocket ws = open("/echo", t, WebSocketOptions.builder().pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(200)).build(), r);
        Thread.sleep(1000);
        assertFalse(r.terminal.isDone(), String.valueOf(r.events));
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        ws.request(Long.MAX_VALUE);
        assertEquals(1000, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
    }
}
