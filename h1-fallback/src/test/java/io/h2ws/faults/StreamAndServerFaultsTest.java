package io.h2ws.faults;

import static io.h2ws.faults.Faults.allComplete;
import static io.h2ws.faults.Faults.code;
import static io.h2ws.faults.Faults.exactlyOneTerminal;
import static io.h2ws.faults.Faults.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.SessionContainer;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.faults.Faults.Counting;
import io.h2ws.h2.internal.H2ServerConnectionFactory;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder.Rec;

/**
 * Faults of one HTTP/2 stream (RST_STREAM), of the HTTP/2 connection (GOAWAY below open
 * streams), of a raw HTTP/1.1 peer that resets in the middle of a frame, and of the server
 * stopping while clients send 1 MiB messages: every send future completes, every listener
 * gets one terminal call, siblings are unaffected, the server forgets every socket.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamAndServerFaultsTest {

    static final int MIB = 1 << 20;

    H2wsServer server;
    H2wsClient client;
    Set<String> threadsBefore;
    final BlockingQueue<Counting> serverSide = new LinkedBlockingQueue<>();

    /** Records and echoes text, counting terminal calls. */
    static final class CountingEcho extends Counting {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.sendText(data.toString(), last);
            return super.onText(ws, data, last);
        }
    }

    @BeforeEach
    void start() throws Exception {
        threadsBefore = Faults.poolThreads();
        server = H2wsServer.builder()
                .endpoint(Endpoint.builder("/sink").listener(() -> add(new Counting())).build())
                .endpoint(Endpoint.builder("/stall").listener(() -> add(new Counting(false))).build())
                .endpoint(Endpoint.builder("/echo").listener(() -> add(new CountingEcho())).build())
                .build().start();
        client = H2wsClient.create();
    }

    private Counting add(Counting c) {
        serverSide.add(c);
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.stop(Duration.ofSeconds(2));
        Faults.noThreadLeak(threadsBefore, 2);
    }

    H2wsSocket open(Transport t, String path, Counting r) throws Exception {
        return client.newWebSocketBuilder().transport(t).connectTimeout(Duration.ofSeconds(5))
                .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + path), r).get(10, TimeUnit.SECONDS);
    }

    Counting nextServerSide() throws InterruptedException {
        Counting c = serverSide.poll(10, TimeUnit.SECONDS);
        assertTrue(c != null, "no server socket opened");
        return c;
    }

    static void echoes(H2wsSocket s, Counting r, String text) throws Exception {
        s.sendText(text, true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Text(text), r.next());
    }

    @Test
    @DisplayName("RST_STREAM (client abort) while a 4 MiB message is in flight: its sends fail, the server side gets 1006, the siblings go on")
    void resetStreamMidMessage() throws Exception {
        Counting a = new Counting();
        H2wsSocket sa = open(Transport.H2, "/stall", a);
        Counting srvA = nextServerSide();
        Counting b = new Counting();
        H2wsSocket sb = open(Transport.H2, "/echo", b);
        Counting srvB = nextServerSide();
        Counting c = new Counting();
        H2wsSocket sc = open(Transport.H2, "/echo", c);
        Counting srvC = nextServerSide();
        assertEquals(1, client.h2().connectionCount(URI.create("ws://127.0.0.1:" + server.port() + "/echo")), "one connection");

        // the server does not read /stall: the message stops at the stream window, mid-flight
        CompletableFuture<WebSocket> big = sa.sendBinary(ByteBuffer.allocate(4 * MIB), true);
        CompletableFuture<WebSocket> after = sa.sendText("queued behind it", true);
        Thread.sleep(100);
        assertTrue(!big.isDone(), "the message is still in flight");
        sa.abort();
        allComplete(List.of(big, after), 5_000);
        assertThrows(ExecutionException.class, big::get);
        assertThrows(ExecutionException.class, after::get);
        exactlyOneTerminal(List.of(srvA));
        assertEquals(1006, code(srvA.terminal.get()), "server side of the reset stream: " + srvA.terminal.get());
        assertTrue(a.terminals.get() <= 1, "at most one terminal call after our own abort: " + a.events);

        echoes(sb, b, "sibling b");
        echoes(sc, c, "sibling c");
        waitFor("the server forgets the reset socket", 5_000, () -> server.openSockets() == 2);
        sb.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        sc.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        exactlyOneTerminal(List.of(b, c, srvB, srvC));
        for (Counting r : List.of(b, c, srvB, srvC)) {
            assertEquals(1000, code(r.terminal.get()));
        }
        waitFor("server socket count back to 0", 5_000, () -> server.openSockets() == 0);
    }

    @Test
    @DisplayName("GOAWAY naming the first stream mid-traffic: the sockets on later streams end with 1006, the first finishes cleanly")
    void goAwayBelowOpenStreams() throws Exception {
        List<Counting> clients = new ArrayList<>();
        List<Counting> servers = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Counting r = new Counting();
            sockets.add(open(Transport.H2, "/echo", r));
            clients.add(r);
            servers.add(nextServerSide());
        }
        for (int i = 0; i < 3; i++) {
            echoes(sockets.get(i), clients.get(i), "before " + i);
        }
        Session session = serverSessions();
        List<Integer> ids = session.getStreams().stream().map(Stream::getId).sorted(Comparator.naturalOrder()).toList();
        assertEquals(3, ids.size(), "three streams: " + ids);
        // traffic in flight on every socket when the GOAWAY goes
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (H2wsSocket s : sockets) {
                sends.add(s.sendText("during " + round, true));
            }
        }
        ((HTTP2Session) session).goAway(new GoAwayFrame(ids.get(0), ErrorCode.NO_ERROR.code,
                "faults".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        allComplete(sends, 10_000);
        exactlyOneTerminal(clients.subList(1, 3));
        for (Counting r : clients.subList(1, 3)) {
            assertEquals(1006, code(r.terminal.get()), "a stream above last-stream-id: " + r.terminal.get());
        }
        // the first stream was processed: it carries on and closes cleanly
        H2wsSocket first = sockets.get(0);
        Counting firstRec = clients.get(0);
        firstRec.events.removeIf(e -> e instanceof Rec.Text t && t.text().startsWith("during"));
        first.sendText("after the GOAWAY", true).get(5, TimeUnit.SECONDS);
        Rec next;
        do {
            next = firstRec.next();
        } while (next instanceof Rec.Text t && t.text().startsWith("during"));
        assertEquals(new Rec.Text("after the GOAWAY"), next);
        first.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        exactlyOneTerminal(List.of(firstRec));
        // Known race (left open, see threat-model.md "Faults"): once the last stream is done the
        // connection closes, and its failure can overtake the server's Close still queued in
        // Jetty's stream, so the clean 1000 sometimes reads as 1006. Every message got through.
        int firstCode = code(firstRec.terminal.get());
        assertTrue(firstCode == 1000 || firstCode == 1006, "first: " + firstRec.terminal.get());
        exactlyOneTerminal(servers);
        waitFor("server socket count back to 0", 5_000, () -> server.openSockets() == 0);
    }

    /** The one HTTP/2 session on the server's cleartext port. */
    private Session serverSessions() throws Exception {
        java.lang.reflect.Field f = H2wsServer.class.getDeclaredField("cleartext");
        f.setAccessible(true);
        ServerConnector connector = (ServerConnector) f.get(server);
        Collection<Session> sessions = connector.getConnectionFactory(H2ServerConnectionFactory.class)
                .getBean(SessionContainer.class).getSessions();
        assertEquals(1, sessions.size());
        return sessions.iterator().next();
    }

    @Test
    @DisplayName("A raw HTTP/1.1 peer sends half of a 1 MiB frame, then resets (SO_LINGER 0): the server listener gets one 1006")
    void rawPeerResetsInsideAFrame() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", server.port())) {
            raw.setSoTimeout(5_000);
            OutputStream out = raw.getOutputStream();
            out.write(("GET /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = raw.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            Counting srv = nextServerSide();
            ByteBuffer frame = FrameEncoder.encodeFrame(true, 0, 2, true, 0x11223344, ByteBuffer.allocate(MIB));
            byte[] half = new byte[frame.remaining() / 2];
            frame.get(half);
            out.write(half);
            out.flush();
            waitFor("the server reads part of the frame", 5_000, () -> srv.parts > 0);
            raw.setSoLinger(true, 0);
            raw.close();
            exactlyOneTerminal(List.of(srv));
            assertEquals(1006, code(srv.terminal.get()), "server: " + srv.terminal.get());
        }
        waitFor("server socket count back to 0", 5_000, () -> server.openSockets() == 0);
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    @DisplayName("H2wsServer.stop while 2 HTTP/1.1 and 2 HTTP/2 clients send 1 MiB messages: every send completes, one terminal call each side")
    void serverStopsDuringSends() throws Exception {
        List<Counting> clients = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        for (Transport t : List.of(Transport.H1, Transport.H1, Transport.H2, Transport.H2)) {
            Counting r = new Counting();
            sockets.add(open(t, "/sink", r));
            clients.add(r);
        }
        List<Counting> servers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            servers.add(nextServerSide());
        }
        ConcurrentLinkedQueue<CompletableFuture<?>> sends = new ConcurrentLinkedQueue<>();
        AtomicBoolean stopPumping = new AtomicBoolean();
        for (H2wsSocket s : sockets) {
            pump(s, sends, stopPumping);
        }
        waitFor("every server socket receives", 10_000, () -> servers.stream().allMatch(r -> r.parts > 0));
        long t0 = System.nanoTime();
        server.stop(Duration.ofSeconds(2));
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        stopPumping.set(true);
        Faults.Outcome o = allComplete(new ArrayList<>(sends), 10_000);
        exactlyOneTerminal(clients);
        exactlyOneTerminal(servers);
        for (Counting r : clients) {
            int code = code(r.terminal.get());
            assertTrue(code == 1001 || code == 1006, "client end: " + r.terminal.get());
        }
        assertEquals(0, server.openSockets());
        for (H2wsSocket s : sockets) {
            CompletableFuture<?> late = s.sendText("late", true);
            allComplete(List.of(late), 5_000);
            assertTrue(late.isCompletedExceptionally(), "a send after the end fails");
        }
        assertTrue(stopMs < 10_000, "stop took " + stopMs + " ms; sends " + o);
        waitFor("the server's threads end", 5_000,
                () -> Faults.poolThreads().stream().noneMatch(n -> n.startsWith("h2ws-server")));
    }

    /** Sends 1 MiB messages, three outstanding at a time, until told to stop or a send fails. */
    private static void pump(H2wsSocket s, ConcurrentLinkedQueue<CompletableFuture<?>> sends, AtomicBoolean stop) {
        for (int i = 0; i < 3; i++) {
            next(s, sends, stop);
        }
    }

    private static void next(H2wsSocket s, ConcurrentLinkedQueue<CompletableFuture<?>> sends, AtomicBoolean stop) {
        if (stop.get()) {
            return;
        }
        CompletableFuture<WebSocket> f = s.sendBinary(ByteBuffer.allocate(MIB), true);
        sends.add(f);
        f.whenComplete((ws, x) -> {
            if (x == null && sends.size() < 2_000) {
                next(s, sends, stop);
            }
        });
    }
}
