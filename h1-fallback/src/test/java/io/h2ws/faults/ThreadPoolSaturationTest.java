package io.h2ws.faults;

import static io.h2ws.faults.Faults.allComplete;
import static io.h2ws.faults.Faults.code;
import static io.h2ws.faults.Faults.exactlyOneTerminal;
import static io.h2ws.faults.Faults.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.client.ClientBuilder;
import io.h2ws.faults.Faults.Counting;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * Saturated threads (issue 9): the JVM's common {@link ForkJoinPool} taken by the application, and
 * the client's own I/O pool taken by listeners that block. Each test names its fault, is bounded
 * (30 s, every wait bounded), and checks that every send future completes, every listener (client
 * and server) gets exactly one terminal call, the server forgets every socket and no pool thread
 * outlives the client and server ({@link Faults#noThreadLeak}).
 *
 * <p><b>The common pool.</b> {@code CompletableFuture}'s {@code *Async} methods without an executor,
 * parallel streams and {@code SubmissionPublisher} run on it; an application may fill it with
 * blocking work, and a library that quietly relies on it then hangs. With fewer than two
 * workers (this machine's 2 cores give 1) {@code CompletableFuture} bypasses the pool with a thread
 * per task, so the module's surefire configuration sets
 * {@code java.util.concurrent.ForkJoinPool.common.parallelism=4}; the test checks that setting
 * took and that the saturation is real (a probe task does not run) before it starts a server and
 * a client and opens, echoes, closes, times out and stops, all while the pool is held.
 *
 * <p><b>The client's I/O pool</b> ({@link H2wsClient.Builder#maxThreads}): two of its threads are
 * the HTTP/1.1 and HTTP/2 selectors, the others read and run listener calls. Found and fixed here:
 * over HTTP/2, Jetty's low-level API called the listener on the thread parsing the connection (on
 * the client, the selector's, in non-blocking mode), so one listener blocked in {@code onText}
 * held up every socket of its connection, new sockets on it, and the client's other HTTP/2
 * connections, however many threads were idle ({@code StreamCarrier} now offers each delivery to
 * Jetty's execution strategy, as Jetty's own HTTP/2 client transport does).
 * {@link #aBlockedListenerHoldsUpOnlyItsOwnSocket} shows it: with a thread to spare, the siblings
 * and a new socket are served while one listener blocks. {@link #listenersSaturateThePool} blocks
 * as many listeners as there are threads to run them: then nothing is read on either transport
 * (the sibling's echo waits, observed and asserted), yet a connect timeout and a close timeout
 * fire on time because they run on h2ws's own timer thread, and once the listeners return
 * everything queued is delivered and every socket closes cleanly.
 *
 * Found here too: the completed write of our Close woke the receive pump on the thread that
 * completed it, which could be the application's inside {@code sendClose}; that thread then ran
 * the peer's Close reply and {@code onClose} (seen on CI, 1 run in 3 on HTTP/2 messages, as a
 * clean 1000 where the close timeout was due). The pump is now dispatched to the carrier's pool.
 *
 * <p>How they fail: with HTTP/2 deliveries back on the parsing thread,
 * {@code aBlockedListenerHoldsUpOnlyItsOwnSocket} fails on HTTP/2 with no "sibling 0" within
 * 5000 ms (and {@code listenersSaturateThePool} cannot even block its second listener); with the
 * HTTP/2 connect timeout run through the pool (as it was), {@code listenersSaturateThePool} gets a
 * {@code TimeoutException} instead of the timeout; with one {@code CompletableFuture.runAsync} in
 * the HTTP/1.1 handshake, {@code commonPoolSaturated} fails on HTTP/1.1 with the connect timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ThreadPoolSaturationTest {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    /** How a socket travels. */
    enum Route {
        H1(Transport.H1, false, false),
        H2(Transport.H2, false, false),
        H2_MESSAGES(Transport.H2, true, false),
        H1_TLS(Transport.H1, false, true),
        H2_TLS(Transport.H2, false, true);

        final Transport transport;
        final boolean messages;
        final boolean tls;

        Route(Transport transport, boolean messages, boolean tls) {
            this.transport = transport;
            this.messages = messages;
            this.tls = tls;
        }
    }

    H2wsServer server;
    H2wsServer otherServer;
    H2wsClient client;
    Set<String> threadsBefore;
    /** Server-side listeners of every server of the test, in opening order. */
    final List<Counting> allServerSide = new ArrayList<>();

    /** Echoes text and binary as they come, counting terminal calls. */
    static class Echo extends Counting {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.sendText(data.toString(), last);
            return super.onText(ws, data, last);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ws.sendBinary(data.duplicate(), last);
            return super.onBinary(ws, data, last);
        }
    }

    /** Completed by the test: until then the server does not answer a Close, and the client's close timeout acts. */
    final CompletableFuture<Void> serverMayReply = new CompletableFuture<>();

    /** Answers a Close only once the test allows it. */
    final class LateCloseReply extends Echo {
        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            super.onClose(ws, statusCode, reason);
            return serverMayReply;
        }
    }

    /** A client listener that blocks in {@code onText("block")} until released (at most 20 s). */
    static final class Blocker extends Counting {
        final CountDownLatch release;
        final AtomicInteger blocked;

        Blocker(CountDownLatch release, AtomicInteger blocked) {
            this.release = release;
            this.blocked = blocked;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if ("block".contentEquals(data)) {
                blocked.incrementAndGet();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.onText(ws, data, last);
        }
    }

    @BeforeEach
    void before() {
        threadsBefore = Faults.poolThreads();
    }

    /** Starts the server and a client with {@code maxThreads} (0: the default pools). */
    void start(int maxThreads) throws Exception {
        server = newServer();
        client = H2wsClient.builder().sslContext(CERT.clientContext()).maxThreads(maxThreads).build();
    }

    H2wsServer newServer() throws Exception {
        return H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(() -> add(new Echo())).build())
                .endpoint(Endpoint.builder("/late-close-reply").listener(() -> add(new LateCloseReply())).build())
                .build().start();
    }

    private Counting add(Counting c) {
        synchronized (allServerSide) {
            allServerSide.add(c);
        }
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        for (H2wsServer s : Arrays.asList(server, otherServer)) {
            if (s != null) {
                s.stop(Duration.ofSeconds(2));
            }
        }
        Faults.noThreadLeak(threadsBefore, 2);
    }

    static URI uri(H2wsServer s, Route r, String path) {
        return URI.create(r.tls ? "wss://localhost:" + s.tlsPort() + path : "ws://127.0.0.1:" + s.port() + path);
    }

    ClientBuilder builder(Route r) {
        return client.newWebSocketBuilder().transport(r.transport).messageMapping(r.messages)
                .connectTimeout(Duration.ofSeconds(5));
    }

    H2wsSocket open(Route r, H2wsServer s, String path, Counting listener) throws Exception {
        H2wsSocket socket = builder(r).buildH2ws(uri(s, r, path), listener).get(10, TimeUnit.SECONDS);
        assertEquals(r.transport, socket.transport());
        assertEquals(r.messages ? "h2-message" : "rfc6455", socket.wireMapping());
        return socket;
    }

    /** Waits (bounded) for {@code texts} as the next text records of {@code r}, in order. */
    static void expectTexts(Counting r, List<String> texts, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (String t : texts) {
            Rec next = r.events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                fail("no \"" + t + "\" within " + millis + " ms");
            }
            assertEquals(new Rec.Text(t), next);
        }
    }

    static List<String> texts(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + " " + i);
        }
        return out;
    }

    static void echoes(H2wsSocket s, Counting r, String text, long millis) throws Exception {
        s.sendText(text, true).get(millis, TimeUnit.MILLISECONDS);
        expectTexts(r, List.of(text), millis);
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    // ------------------------------------------------------------------ (a) the common pool

    /**
     * Holds every worker of the common pool until closed, and proves it: a task submitted through
     * {@code CompletableFuture.runAsync} (the default executor of every {@code *Async} method)
     * does not run meanwhile.
     */
    static final class CommonPoolHog implements AutoCloseable {
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<Void> probe;

        CommonPoolHog() throws InterruptedException {
            int n = ForkJoinPool.getCommonPoolParallelism();
            assertTrue(n > 1 && new CompletableFuture<>().defaultExecutor() == ForkJoinPool.commonPool(),
                    "CompletableFuture bypasses a common pool of parallelism " + n + ": run with "
                            + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4 (the module's surefire argLine)");
            CountDownLatch started = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                ForkJoinPool.commonPool().execute(() -> {
                    started.countDown();
                    try {
                        release.await(25, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertTrue(started.await(5, TimeUnit.SECONDS), "the " + n + " common pool workers did not all start");
            probe = CompletableFuture.runAsync(() -> { });
            Thread.sleep(200);
            assertTrue(!probe.isDone(), "the common pool is not saturated: a probe task ran");
        }

        void stillHeld() {
            assertTrue(!probe.isDone(), "the common pool was freed during the test");
        }

        @Override
        public void close() throws Exception {
            release.countDown();
            probe.get(5, TimeUnit.SECONDS); // the pool works again
        }
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    @DisplayName("Common ForkJoinPool saturated by the application: start, open, echo, close, both timeouts and stop all complete without it")
    void commonPoolSaturated(Route r) throws Exception {
        try (CommonPoolHog hog = new CommonPoolHog();
             ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            start(0);
            List<Counting> clients = new ArrayList<>();
            List<H2wsSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Counting c = new Counting();
                sockets.add(open(r, server, "/echo", c));
                clients.add(c);
            }
            if (r.transport == Transport.H2) {
                assertEquals(1, client.h2().connectionCount(uri(server, r, "/echo")), "one HTTP/2 connection");
            }
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (H2wsSocket s : sockets) {
                for (String t : texts("hello", 5)) {
                    sends.add(s.sendText(t, true));
                }
                sends.add(s.sendBinary(ByteBuffer.allocate(300 * 1024), true)); // two parts, past the stream window
                sends.add(s.sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3})));
            }
            assertEquals(0, allComplete(sends, 10_000).failed());
            for (Counting c : clients) {
                expectTexts(c, texts("hello", 5), 10_000);
                Rec next = c.next();
                if (next instanceof Rec.Pong) { // the pong may overtake the echo of the big message
                    next = c.next();
                }
                assertInstanceOf(Rec.Binary.class, next);
                assertEquals(300 * 1024, ((Rec.Binary) next).data().length);
            }

            // the close timeout: the server does not answer our Close
            Counting unanswered = new Counting();
            H2wsSocket u = builder(r).options(WebSocketOptions.builder().closeTimeout(Duration.ofMillis(500)).build())
                    .buildH2ws(uri(server, r, "/late-close-reply"), unanswered).get(10, TimeUnit.SECONDS);
            long c0 = System.nanoTime();
            allComplete(List.of(u.sendClose(1000, "")), 5_000);
            unanswered.terminal.get(5, TimeUnit.SECONDS);
            long closeMs = millisSince(c0);
            exactlyOneTerminal(List.of(unanswered));
            assertEquals(1006, code(unanswered.terminal.get()), "close timeout: " + unanswered.terminal.get());
            assertTrue(closeMs < 3_000, "the 500 ms close timeout fired after " + closeMs + " ms");
            // the server socket waits for its application's onClose stage (the transport is gone)
            serverMayReply.complete(null);

            // the connect timeout: a port that accepts TCP and never answers
            long k0 = System.nanoTime();
            CompletableFuture<H2wsSocket> never = client.newWebSocketBuilder().transport(r.transport)
                    .messageMapping(r.messages).connectTimeout(Duration.ofMillis(500))
                    .buildH2ws(URI.create((r.tls ? "wss" : "ws") + "://127.0.0.1:" + blackHole.getLocalPort() + "/"), new Counting());
            ExecutionException timedOut = assertThrows(ExecutionException.class, () -> never.get(5, TimeUnit.SECONDS));
            assertInstanceOf(HttpConnectTimeoutException.class, timedOut.getCause());
            assertTrue(millisSince(k0) < 3_000, "the connect timeout fired after " + millisSince(k0) + " ms");

            for (H2wsSocket s : sockets) {
                allComplete(List.of(s.sendClose(1000, "bye")), 5_000);
            }
            exactlyOneTerminal(clients);
            for (Counting c : clients) {
                assertEquals(1000, code(c.terminal.get()));
            }
            List<Counting> servers;
            synchronized (allServerSide) {
                servers = new ArrayList<>(allServerSide);
            }
            assertEquals(4, servers.size());
            exactlyOneTerminal(servers);
            waitFor("server socket count back to 0", 5_000, () -> server.openSockets() == 0);
            client.close();
            client = null;
            server.stop(Duration.ofSeconds(2));
            server = null;
            hog.stillHeld();
            System.out.printf("commonPoolSaturated %s: everything in %d ms with the common pool held%n", r, millisSince(t0));
        }
    }

    // ------------------------------------------------------------------ (b) the client's own pool

    @ParameterizedTest
    @EnumSource(value = Route.class, names = {"H1", "H2", "H2_MESSAGES"})
    @DisplayName("One listener blocked in onText with threads to spare: its siblings on the same connection, a new socket and another server's socket are served meanwhile")
    void aBlockedListenerHoldsUpOnlyItsOwnSocket(Route r) throws Exception {
        start(5); // two selectors and three threads to read and run listeners
        otherServer = newServer();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blocked = new AtomicInteger();
        Blocker b = new Blocker(release, blocked);
        List<Counting> clients = new ArrayList<>(List.of(b));
        List<H2wsSocket> sockets = new ArrayList<>();
        try {
            H2wsSocket sb = open(r, server, "/echo", b);
            sockets.add(sb);
            List<Counting> siblings = new ArrayList<>();
            List<H2wsSocket> siblingSockets = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Counting c = new Counting();
                siblingSockets.add(open(r, server, "/echo", c));
                siblings.add(c);
            }
            Counting elsewhere = new Counting();
            H2wsSocket se = open(r, otherServer, "/echo", elsewhere);
            if (r.transport == Transport.H2) {
                assertEquals(1, client.h2().connectionCount(uri(server, r, "/echo")), "one connection to the first server");
            }
            sb.sendText("block", true);
            waitFor("the listener blocks", 5_000, () -> blocked.get() == 1);
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (String t : texts("queued", 10)) {
                sends.add(sb.sendText(t, true)); // echoed back while its listener is blocked
            }

            long t0 = System.nanoTime();
            // bounds far above the milliseconds this takes, and far below the 20 s the listener blocks
            for (int i = 0; i < 2; i++) {
                echoes(siblingSockets.get(i), siblings.get(i), "sibling " + i, 5_000);
            }
            long siblingsMs = millisSince(t0);
            long t1 = System.nanoTime();
            echoes(se, elsewhere, "elsewhere", 5_000);
            long elsewhereMs = millisSince(t1);
            long t2 = System.nanoTime();
            Counting late = new Counting();
            H2wsSocket sl = builder(r).connectTimeout(Duration.ofSeconds(5)).buildH2ws(uri(server, r, "/echo"), late)
                    .get(10, TimeUnit.SECONDS);
            echoes(sl, late, "late", 5_000);
            long lateMs = millisSince(t2);
            assertEquals(1, blocked.get());
            assertTrue(b.events.isEmpty(), "the blocked listener got nothing more meanwhile: " + b.events);
            System.out.printf("aBlockedListenerHoldsUpOnlyItsOwnSocket %s: while blocked, sibling echoes in %d ms, "
                    + "another server's in %d ms, a new socket opened and echoed in %d ms%n", r, siblingsMs, elsewhereMs, lateMs);

            release.countDown();
            assertEquals(0, allComplete(sends, 10_000).failed());
            expectTexts(b, List.of("block"), 5_000);
            expectTexts(b, texts("queued", 10), 5_000);

            clients.addAll(siblings);
            clients.add(elsewhere);
            clients.add(late);
            sockets.addAll(siblingSockets);
            sockets.add(se);
            sockets.add(sl);
            for (H2wsSocket s : sockets) {
                allComplete(List.of(s.sendClose(1000, "")), 5_000);
            }
            exactlyOneTerminal(clients);
            for (Counting c : clients) {
                assertEquals(1000, code(c.terminal.get()), c.events.toString());
            }
            serversForgetEverySocket(5);
        } finally {
            release.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Route.class, names = {"H1", "H2", "H2_MESSAGES"})
    @DisplayName("Listeners hold every thread of a 4-thread client: nothing is read, a connect and a close timeout still fire on time; after release every send completes and every socket ends once")
    void listenersSaturateThePool(Route r) throws Exception {
        start(4); // two selectors and two threads to read and run listeners
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blocked = new AtomicInteger();
        try {
            Blocker x = new Blocker(release, blocked);
            Blocker y = new Blocker(release, blocked);
            Counting a = new Counting();
            AtomicReference<String> closeThread = new AtomicReference<>();
            Counting b = new Counting() {
                @Override
                public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                    closeThread.set(Thread.currentThread().getName());
                    return super.onClose(ws, statusCode, reason);
                }
            };
            H2wsSocket sx = open(r, server, "/echo", x);
            H2wsSocket sy = open(r, server, "/echo", y);
            H2wsSocket sa = open(r, server, "/echo", a);
            H2wsSocket sb = builder(r).options(WebSocketOptions.builder().closeTimeout(Duration.ofSeconds(1)).build())
                    .buildH2ws(uri(server, r, "/echo"), b).get(10, TimeUnit.SECONDS);
            if (r.transport == Transport.H2) {
                assertEquals(1, client.h2().connectionCount(uri(server, r, "/echo")), "one connection");
            }
            echoes(sx, x, "before", 5_000);
            echoes(sy, y, "before", 5_000);
            echoes(sa, a, "before", 5_000);
            echoes(sb, b, "before", 5_000);

            sx.sendText("block", true);
            sy.sendText("block", true);
            waitFor("both listeners block", 5_000, () -> blocked.get() == 2);
            long saturated = System.nanoTime();
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (H2wsSocket s : List.of(sx, sy, sa)) {
                for (String t : texts("during", 10)) {
                    sends.add(s.sendText(t, true));
                }
            }
            // no thread is left to read: the sibling's echo waits (on HTTP/2 the connection is read
            // on the selector, but the delivery is a task that waits for a thread)
            assertNull(a.events.poll(500, TimeUnit.MILLISECONDS), "saturated: nothing can be delivered");

            // the connect timeout fires while saturated (h2ws's timer, not the pool)
            long k0 = System.nanoTime();
            CompletableFuture<H2wsSocket> opening = builder(r).connectTimeout(Duration.ofSeconds(1))
                    .buildH2ws(uri(server, r, "/echo"), new Counting());
            ExecutionException timedOut = assertThrows(ExecutionException.class, () -> opening.get(5, TimeUnit.SECONDS));
            assertInstanceOf(HttpConnectTimeoutException.class, timedOut.getCause());
            long connectMs = millisSince(k0);
            assertTrue(connectMs >= 900 && connectMs < 4_000, "the 1 s connect timeout fired after " + connectMs + " ms");

            // the close timeout fires while saturated: the peer's Close cannot be read
            long c0 = System.nanoTime();
            CompletableFuture<WebSocket> closing = sb.sendClose(1000, "");
            b.terminal.get(5, TimeUnit.SECONDS);
            long closeMs = millisSince(c0);
            exactlyOneTerminal(List.of(b));
            assertEquals(1006, code(b.terminal.get()), "close timeout: " + b.terminal.get() + " (onClose on " + closeThread.get() + ")");
            assertTrue(closeMs >= 900 && closeMs < 4_000, "the 1 s close timeout fired after " + closeMs + " ms");
            // the write of our Close completes on this thread: the pump it wakes (to read the peer's
            // Close) must not run the listener inside sendClose, which drained the peer's reply here
            assertNotEquals(Thread.currentThread().getName(), closeThread.get(), "onClose ran inside sendClose");
            allComplete(List.of(closing), 1_000);
            assertEquals(2, blocked.get());
            long doneWhileSaturated = sends.stream().filter(CompletableFuture::isDone).count();
            long saturatedMs = millisSince(saturated);

            release.countDown();
            long released = System.nanoTime();
            Faults.Outcome o = allComplete(sends, 10_000);
            assertEquals(0, o.failed(), "sends: " + o);
            expectTexts(a, texts("during", 10), 10_000);
            long resumeMs = millisSince(released);
            for (Blocker blk : List.of(x, y)) {
                expectTexts(blk, List.of("block"), 5_000);
                expectTexts(blk, texts("during", 10), 5_000);
            }
            System.out.printf("listenersSaturateThePool %s: saturated for %d ms; %d of %d sends done meanwhile; connect timeout "
                    + "after %d ms, close timeout after %d ms (its onClose on %s); the sibling's 10 echoes %d ms after the release%n", r,
                    saturatedMs, doneWhileSaturated, sends.size(), connectMs, closeMs, closeThread.get(), resumeMs);

            for (H2wsSocket s : List.of(sx, sy, sa)) {
                allComplete(List.of(s.sendClose(1000, "")), 5_000);
            }
            exactlyOneTerminal(List.of(x, y, a, b));
            for (Counting c : List.of(x, y, a)) {
                assertEquals(1000, code(c.terminal.get()), c.events.toString());
            }
            // the server may or may not have accepted the socket whose opening timed out
            serversForgetEverySocket(-1);
        } finally {
            release.countDown();
        }
    }

    /** Every server listener got one terminal call ({@code expected} of them, -1 for any) and no socket is left. */
    void serversForgetEverySocket(int expected) throws Exception {
        waitFor("server socket count back to 0", 10_000,
                () -> server.openSockets() == 0 && (otherServer == null || otherServer.openSockets() == 0));
        List<Counting> servers;
        synchronized (allServerSide) {
            servers = new ArrayList<>(allServerSide);
        }
        if (expected >= 0) {
            assertEquals(expected, servers.size(), "server sockets");
        }
        exactlyOneTerminal(servers);
    }
}
