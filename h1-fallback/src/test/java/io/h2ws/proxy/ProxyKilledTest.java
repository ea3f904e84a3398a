package io.h2ws.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * The proxy is SIGKILLed while 10 sockets through it are sending and receiving: every send
 * future completes (normally or exceptionally), every listener gets exactly one terminal event
 * (onClose 1006 or onError), within bounded time; the server's sides are closed too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyKilledTest {

    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void killedMidTraffic(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        assumeTrue(kind.installed(), kind.missing());
        Proxy p = fx.freshProxy(kind, backend);
        int serverSocketsBefore = fx.server.openSockets();
        List<Recorder> recs = new ArrayList<>();
        List<H2wsSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Recorder r = new Recorder();
            sockets.add(fx.open(p, tls, "/echo", r));
            recs.add(r);
        }
        ConcurrentLinkedQueue<CompletableFuture<?>> sends = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger echoed = new AtomicInteger();
        ByteBuffer payload = ByteBuffer.wrap(new byte[16_384]);
        for (H2wsSocket s : sockets) {
            pump(s, payload, sends, stop, 2_000);
        }
        // traffic flows both ways before the kill
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (recs.stream().anyMatch(r -> r.events.isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        for (Recorder r : recs) {
            assertTrue(!r.events.isEmpty() && r.events.peek() instanceof Rec.Binary, "echoes before the kill: " + r.events.peek());
            echoed.addAndGet(r.events.size());
        }
        p.kill();
        long t0 = System.nanoTime();
        for (Recorder r : recs) {
            Rec end = r.awaitTerminal();
            assertTrue(end instanceof Rec.Error || end instanceof Rec.Close c && c.code() == 1006, "abnormal end: " + end);
        }
        stop.set(true);
        for (CompletableFuture<?> f : sends) {
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                // a send cut by the kill fails: that is its completion
            }
        }
        Thread.sleep(300); // a second terminal event would show up here
        for (Recorder r : recs) {
            assertEquals(1, r.events.stream().filter(e -> e instanceof Rec.Close || e instanceof Rec.Error).count(),
                    "exactly one terminal event: " + r.events.stream().filter(e -> !(e instanceof Rec.Binary)).toList());
            assertTrue(r.events.stream().reduce((a, b) -> b).get() == r.terminal.getNow(null), "nothing after the terminal event");
        }
        for (H2wsSocket s : sockets) {
            assertTrue(s.isInputClosed() && s.isOutputClosed(), "socket closed both ways");
            CompletableFuture<?> late = s.sendText("late", true).toCompletableFuture();
            assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 15_000, "everything ended within 15 s of the kill: " + ms + " ms");
        // the server notices too: its sides of the tunnels go away (TCP close or stream reset from the dead proxy)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (fx.server.openSockets() > serverSocketsBefore && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(serverSocketsBefore, fx.server.openSockets(), "the server closed its sides of the killed proxy's tunnels");
        // a new socket to the dead proxy fails at once instead of hanging
        ExecutionException refused = assertThrows(ExecutionException.class, () -> fx.client.newWebSocketBuilder().transport(Transport.H2)
                .buildH2ws(URI.create(p.uri(tls, "/echo")), new Recorder()).get(15, TimeUnit.SECONDS));
        assertTrue(refused.getCause() != null, String.valueOf(refused));
    }

    /** Sends {@code payload} back to back (one outstanding send, as the JDK API requires) until stopped or failed. */
    static void pump(H2wsSocket s, ByteBuffer payload, ConcurrentLinkedQueue<CompletableFuture<?>> sends, AtomicBoolean stop, int max) {
        if (stop.get() || max == 0) {
            return;
        }
        CompletableFuture<?> f;
        try {
            f = s.sendBinary(payload.duplicate(), true).toCompletableFuture();
        } catch (RuntimeException e) {
            return;
        }
        sends.add(f);
        f.whenComplete((r, e) -> {
            if (e == null) {
                pump(s, payload, sends, stop, max - 1);
            }
        });
    }
}
