package io.h2ws.faults;

import static io.h2ws.faults.Faults.allComplete;
import static io.h2ws.faults.Faults.code;
import static io.h2ws.faults.Faults.exactlyOneTerminal;
import static io.h2ws.faults.Faults.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.core.internal.socket.Timers;
import io.h2ws.faults.Faults.Counting;
import io.h2ws.faults.Faults.Cutter;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.trace.TraceEvent;

/**
 * HTTP/2 PING keepalive per connection (issue 9): {@code H2wsClient.Builder.h2Keepalive} and
 * {@code H2wsServer.Builder.h2Keepalive}. The fault is a peer that vanishes without FIN or RST,
 * made by freezing the {@link Cutter} relay: both TCP connections stay open and nothing goes
 * through any more. Without keepalive nothing notices it (HTTP/2's idle timeout spares
 * connections with open streams); with it, the side that pings finds the peer dead within about
 * interval + timeout and every socket of the connection gets exactly one 1006. Also: a healthy
 * idle connection is kept, and a short interval does not trip Jetty's PING rate control.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class H2KeepaliveTest {

    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofMillis(400);
    /** Allowance on top of interval + timeout for a loaded two-core machine. */
    static final long SLACK_MS = 2_000;
    static final int SOCKETS = 6;
    static final int KIB = 1024;

    H2wsServer server;
    H2wsClient client;
    Cutter cutter;
    Set<String> threadsBefore;
    int timerTasksBefore;
    /** Server-side listeners of /sink, in opening order. */
    final BlockingQueue<Counting> serverSide = new LinkedBlockingQueue<>();
    /** HTTP/2 PING and GOAWAY frames as the server saw them (its trace). */
    final List<TraceEvent.H2Frame> serverFrames = new CopyOnWriteArrayList<>();

    @BeforeEach
    void before() {
        threadsBefore = Faults.poolThreads();
        timerTasksBefore = timerTasks();
    }

    /** Tasks waiting on the shared h2ws timer thread (keepalive, close and idle timers). */
    static int timerTasks() {
        return ((ScheduledThreadPoolExecutor) Timers.shared()).getQueue().size();
    }

    @AfterEach
    void after() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop(Duration.ofSeconds(2));
        }
        if (cutter != null) {
            cutter.close();
        }
        Faults.noThreadLeak(threadsBefore, 2);
        noKeepaliveTimerLeft();
    }

    /**
     * No more tasks wait on the shared timer than before the test: a keepalive that outlived its
     * connection would keep one queued, rescheduling itself, and keep its session reachable.
     */
    void noKeepaliveTimerLeft() throws InterruptedException {
        waitFor("timer tasks back to " + timerTasksBefore + " (now " + timerTasks() + ")", 1_000,
                () -> timerTasks() <= timerTasksBefore);
    }

    /** Server with /sink and /echo; {@code interval} null for no keepalive. */
    void startServer(Duration interval, Duration timeout, int maxStreams) throws Exception {
        server = H2wsServer.builder()
                .h2Keepalive(interval, timeout)
                .idleTimeout(Duration.ZERO) // the keepalive is under test, and its timer the only one counted
                .maxConcurrentStreams(maxStreams)
                .trace(e -> {
                    if (e instanceof TraceEvent.H2Frame f && (f.type().equals("PING") || f.type().equals("GOAWAY"))) {
                        serverFrames.add(f);
                    }
                })
                .endpoint(Endpoint.builder("/sink").listener(() -> add(new Counting())).build())
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start();
        cutter = new Cutter(server.port());
    }

    void startClient(Duration interval, Duration timeout) throws Exception {
        client = H2wsClient.builder().h2Keepalive(interval, timeout).build();
    }

    private Counting add(Counting c) {
        serverSide.add(c);
        return c;
    }

    URI viaCutter(String path) {
        return URI.create("ws://127.0.0.1:" + cutter.port() + path);
    }

    URI direct(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    H2wsSocket open(URI uri, java.net.http.WebSocket.Listener r) throws Exception {
        return client.newWebSocketBuilder().transport(Transport.H2).connectTimeout(Duration.ofSeconds(5))
                .buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
    }

    /** Opens {@code n} sockets on /sink and returns the server's listeners of them, opened. */
    List<Counting> openSinks(URI uri, int n, List<Counting> clientSide, List<H2wsSocket> sockets) throws Exception {
        List<Counting> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Counting c = new Counting();
            sockets.add(open(uri, c));
            clientSide.add(c);
            Counting srv = serverSide.poll(10, TimeUnit.SECONDS);
            assertTrue(srv != null, "server socket " + i + " not opened");
            srv.opened.get(10, TimeUnit.SECONDS);
            servers.add(srv);
        }
        return servers;
    }

    /** Waits (bounded) until every listener has its terminal event; returns the ms it took since {@code t0}. */
    static long allTerminalWithin(List<Counting> recs, long t0, long millis) throws InterruptedException {
        waitFor(recs.size() + " terminal events", millis, () -> recs.stream().allMatch(r -> r.terminal.isDone()));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Each listener got exactly one terminal event: 1006 naming the unanswered PING. */
    static void all1006ForThePing(List<Counting> recs) throws Exception {
        exactlyOneTerminal(recs);
        for (Counting r : recs) {
            Rec end = r.terminal.get();
            assertEquals(1006, code(end), "terminal: " + end);
            assertTrue(((Rec.Close) end).reason().contains("PING"), "the reason names the PING: " + end);
        }
    }

    /** Sends {@code count} x 256 KiB on each socket: more than the peer's 256 KiB stream window, so some wait. */
    static List<CompletableFuture<?>> bigSends(List<? extends java.net.http.WebSocket> sockets, int count) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (java.net.http.WebSocket s : sockets) {
            for (int i = 0; i < count; i++) {
                sends.add(s.sendBinary(ByteBuffer.allocate(256 * KIB), true));
            }
        }
        return sends;
    }

    long pings(boolean outbound, boolean ack) {
        return serverFrames.stream().filter(f -> f.type().equals("PING") && f.outbound() == outbound
                && ((f.flags() & 1) != 0) == ack).count();
    }

    List<String> goAwayList() {
        return serverFrames.stream().filter(f -> f.type().equals("GOAWAY"))
                .map(f -> (f.outbound() ? "sent " : "received ") + "error " + f.errorCode() + " " + f.info()).toList();
    }

    long goAways() {
        return serverFrames.stream().filter(f -> f.type().equals("GOAWAY")).count();
    }

    @Test
    @DisplayName("Fault: the server vanishes (frozen relay, no FIN/RST) under 6 sockets; the client's PING goes unanswered: "
            + "every client socket gets one 1006 within interval + timeout, pending sends fail, the next socket opens a new connection")
    void clientFindsAVanishedServer() throws Exception {
        startServer(null, null, 1024);
        startClient(INTERVAL, TIMEOUT);
        URI sink = viaCutter("/sink");
        List<Counting> clientSide = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        List<Counting> servers = openSinks(sink, SOCKETS, clientSide, sockets);
        assertEquals(1, client.h2().connectionCount(sink), "one HTTP/2 connection carries them all");
        waitFor("the client's keepalive PINGs reach the server", 5_000, () -> pings(false, false) >= 2);

        cutter.freeze();
        long t0 = System.nanoTime();
        // 4 x 256 KiB per socket against a 256 KiB stream window: most of it can only wait
        List<CompletableFuture<?>> sends = bigSends(sockets, 4);
        long took = allTerminalWithin(clientSide, t0, INTERVAL.toMillis() + TIMEOUT.toMillis() + SLACK_MS);
        all1006ForThePing(clientSide);
        Faults.Outcome o = allComplete(sends, 5_000);
        assertTrue(o.failed() > 0, "the sends waiting for window fail: " + o);
        for (H2wsSocket s : sockets) {
            assertTrue(s.isInputClosed() && s.isOutputClosed());
        }
        waitFor("the dead connection is forgotten", 5_000, () -> client.h2().connectionCount(sink) == 0);
        noKeepaliveTimerLeft(); // the dead connection's keepalive is gone; nothing else here uses the timer

        // the server pings nobody, so it still holds its sockets: the freeze let neither FIN nor RST through
        assertEquals(SOCKETS, server.openSockets(), "server sockets");
        assertTrue(servers.stream().noneMatch(r -> r.terminal.isDone()), "no server listener heard anything");

        // a new socket to the same origin opens a new TCP connection (the relay forwards new ones)
        Recorder echo = new Recorder();
        H2wsSocket fresh = open(viaCutter("/echo"), echo);
        assertEquals(2, cutter.accepted.get(), "a second TCP connection");
        assertEquals(1, client.h2().connectionCount(sink));
        fresh.sendText("after the freeze", true).get(5, TimeUnit.SECONDS);
        assertEquals("after the freeze", echo.next(Rec.Text.class).text());
        fresh.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        assertEquals(1000, code(echo.awaitTerminal()));
        System.err.println("[H2KeepaliveTest] client detected the frozen server in " + took + " ms (interval "
                + INTERVAL.toMillis() + " + timeout " + TIMEOUT.toMillis() + ")");
    }

    @Test
    @DisplayName("Fault: the client vanishes (frozen relay, no FIN/RST) under 6 sockets; the server's PING goes unanswered: "
            + "every server socket gets one 1006 within interval + timeout, its pending sends fail, openSockets() drops to 0")
    void serverFindsAVanishedClient() throws Exception {
        startServer(INTERVAL, TIMEOUT, 1024);
        startClient(null, null);
        URI sink = viaCutter("/sink");
        List<Counting> clientSide = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        List<Counting> servers = openSinks(sink, SOCKETS, clientSide, sockets);
        waitFor("the server's keepalive PINGs are answered", 5_000, () -> pings(false, true) >= 2);

        cutter.freeze();
        long t0 = System.nanoTime();
        List<java.net.http.WebSocket> serverSockets = new ArrayList<>();
        for (Counting srv : servers) {
            serverSockets.add(srv.opened.get());
        }
        List<CompletableFuture<?>> sends = bigSends(serverSockets, 4);
        long took = allTerminalWithin(servers, t0, INTERVAL.toMillis() + TIMEOUT.toMillis() + SLACK_MS);
        all1006ForThePing(servers);
        Faults.Outcome o = allComplete(sends, 5_000);
        assertTrue(o.failed() > 0, "the server's sends waiting for window fail: " + o);
        waitFor("server socket count back to 0", 5_000, () -> server.openSockets() == 0);
        noKeepaliveTimerLeft();

        // the client pings nobody: its sockets are still open (the freeze let nothing through)
        assertTrue(clientSide.stream().noneMatch(r -> r.terminal.isDone()), "no client listener heard anything");
        System.err.println("[H2KeepaliveTest] server detected the frozen client in " + took + " ms");
    }

    @Test
    @DisplayName("No fault: an idle connection (3 sockets, no traffic) with keepalive on both sides, 100 ms / 1 s, "
            + "stays open for 1.5 s: PINGs flow both ways and are answered, nothing closes, the sockets still echo; "
            + "once they are closed, the connection is not pinged any more")
    void healthyIdleConnectionIsKept() throws Exception {
        Duration interval = Duration.ofMillis(100);
        Duration timeout = Duration.ofSeconds(1);
        startServer(interval, timeout, 1024);
        startClient(interval, timeout);
        URI echo = direct("/echo");
        List<Recorder> recs = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Recorder r = new Recorder();
            sockets.add(open(echo, r));
            recs.add(r);
        }
        long inBefore = pings(false, false);
        long ackBefore = pings(false, true);
        Thread.sleep(1_500); // 15 intervals, longer than the timeout: a mishandled ACK would have killed it
        long clientPings = pings(false, false) - inBefore;
        long serverPingsAnswered = pings(false, true) - ackBefore;
        assertTrue(clientPings >= 4, "the client's PINGs reached the server: " + clientPings);
        assertTrue(serverPingsAnswered >= 4, "the client answered the server's PINGs: " + serverPingsAnswered);
        assertTrue(pings(true, true) >= clientPings, "the server answered the client's PINGs");
        assertTrue(recs.stream().noneMatch(r -> r.terminal.isDone()), "a socket closed: " + recs);
        assertEquals(3, server.openSockets());
        assertEquals(1, client.h2().connectionCount(echo));
        assertEquals(0, goAways(), "no GOAWAY");
        for (int i = 0; i < sockets.size(); i++) {
            sockets.get(i).sendText("still here " + i, true).get(5, TimeUnit.SECONDS);
            assertEquals("still here " + i, recs.get(i).next(Rec.Text.class).text());
            sockets.get(i).sendClose(1000, "done").get(5, TimeUnit.SECONDS);
            assertEquals(1000, code(recs.get(i).awaitTerminal()));
        }
        // without sockets the connection is left to the idle timeout: no more PINGs either way
        waitFor("the server forgets the sockets", 5_000, () -> server.openSockets() == 0);
        Thread.sleep(300); // a PING already on its way may still arrive
        long quietIn = pings(false, false);
        long quietOut = pings(true, false);
        Thread.sleep(500);
        assertEquals(quietIn, pings(false, false), "client PINGs on a connection without sockets");
        assertEquals(quietOut, pings(true, false), "server PINGs on a connection without sockets");
        assertEquals(1, client.h2().connectionCount(echo), "the connection itself stays until its idle timeout");
    }

    @Test
    @DisplayName("No fault: keepalive every 50 ms both ways for 2.5 s (50 intervals) against a server whose rate control "
            + "is Jetty's smallest (128 control frames/s): no GOAWAY(ENHANCE_YOUR_CALM), at most one PING per interval, "
            + "the connection and its sockets survive")
    void shortIntervalStaysUnderJettysRateControl() throws Exception {
        Duration interval = Duration.ofMillis(50);
        Duration timeout = Duration.ofSeconds(1);
        // 16 streams: the derived rate limit is max(128, 2 x 16) = 128 events per second
        startServer(interval, timeout, 16);
        startClient(interval, timeout);
        URI echo = direct("/echo");
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        H2wsSocket s1 = open(echo, r1);
        H2wsSocket s2 = open(echo, r2);
        long t0 = System.nanoTime();
        long inBefore = pings(false, false);
        long outBefore = pings(true, false);
        for (int i = 0; i < 25; i++) { // some traffic alongside: 25 x 100 ms
            try {
                s1.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Thread.sleep(300); // the server's GOAWAY may be written just after the reset the client saw
                fail("send " + i + " failed (" + e.getCause() + "); the server's GOAWAYs: " + goAwayList() + "; events " + r1.events, e);
            }
            assertEquals("m" + i, r1.next(Rec.Text.class).text());
            Thread.sleep(100);
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        long clientPings = pings(false, false) - inBefore;
        long serverPings = pings(true, false) - outBefore;
        long most = elapsedMs / interval.toMillis() + 2;
        assertTrue(clientPings >= 10 && clientPings <= most, "client PINGs in " + elapsedMs + " ms: " + clientPings + " (at most " + most + ")");
        assertTrue(serverPings >= 10 && serverPings <= most, "server PINGs in " + elapsedMs + " ms: " + serverPings + " (at most " + most + ")");
        assertEquals(0, goAways(), "no GOAWAY: " + goAwayList());
        assertFalse(r1.terminal.isDone() || r2.terminal.isDone(), "a socket closed: " + r1.events + " " + r2.events);
        assertEquals(1, client.h2().connectionCount(echo));
        s2.sendText("alive", true).get(5, TimeUnit.SECONDS);
        assertEquals("alive", r2.next(Rec.Text.class).text());
        s1.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        s2.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        assertInstanceOf(Rec.Close.class, r1.awaitTerminal());
        assertInstanceOf(Rec.Close.class, r2.awaitTerminal());
    }
}
