package io.h2ws.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.h2ws.testing.Recorder;

/** Helpers of the fault tests: terminal-event counting, bounded waits, thread checks, a TCP cutter. */
final class Faults {

    private Faults() {}

    /** A {@link Recorder} that counts terminal calls, so a second one is caught. */
    static class Counting extends Recorder {
        final AtomicInteger terminals = new AtomicInteger();

        Counting() {
            super(true);
        }

        Counting(boolean autoDemand) {
            super(autoDemand);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            terminals.incrementAndGet();
            return super.onClose(ws, statusCode, reason);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            terminals.incrementAndGet();
            super.onError(ws, error);
        }

        /** Waits for the terminal event, then checks that it was the only one. */
        Recorder.Rec one() {
            Recorder.Rec r = awaitTerminal();
            return r;
        }
    }

    /** Checks, after a grace period, that each recorder got exactly one terminal call. */
    static void exactlyOneTerminal(Collection<? extends Counting> recs) throws InterruptedException {
        int i = 0;
        for (Counting r : recs) {
            try {
                r.terminal.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                fail("listener #" + i + " of " + recs.size() + " got no terminal event within 10 s; it got " + r.events);
            }
            i++;
        }
        Thread.sleep(200); // a second terminal call would arrive here
        for (Counting r : recs) {
            assertEquals(1, r.terminals.get(), "terminal calls: " + r.events);
        }
    }

    /** The terminal code: the Close's code, or the violation's (an Error is reported as -1). */
    static int code(Recorder.Rec r) {
        return r instanceof Recorder.Rec.Close c ? c.code() : -1;
    }

    /** Outcome of a batch of futures: how many completed normally and how many failed. */
    record Outcome(int ok, int failed) {}

    /** Waits (bounded) for every future; fails the test naming how many hang. */
    static Outcome allComplete(Collection<? extends CompletableFuture<?>> futures, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int ok = 0;
        int failed = 0;
        int hung = 0;
        for (CompletableFuture<?> f : futures) {
            long left = Math.max(1, deadline - System.nanoTime());
            try {
                f.get(left, TimeUnit.NANOSECONDS);
                ok++;
            } catch (ExecutionException e) {
                failed++;
            } catch (TimeoutException e) {
                hung++;
            }
        }
        if (hung > 0) {
            fail(hung + " of " + futures.size() + " send futures still pending after " + millis + " ms");
        }
        return new Outcome(ok, failed);
    }

    static void waitFor(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + millis + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Names of live threads from the pools h2ws and Jetty start (servers, clients, selectors). */
    static Set<String> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("h2ws-") || n.startsWith("qtp") || n.startsWith("HttpClient")
                        || n.startsWith("HTTP2Client") || n.contains("Scheduler") || n.startsWith("cutter"))
                .collect(Collectors.toSet());
    }

    /** Waits until no more pool threads are alive than in {@code before} plus {@code tolerance}. */
    static void noThreadLeak(Set<String> before, int tolerance) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Set<String> now = poolThreads();
        while (now.size() > before.size() + tolerance && System.nanoTime() < deadline) {
            Thread.sleep(50);
            now = poolThreads();
        }
        Set<String> extra = new java.util.TreeSet<>(now);
        extra.removeAll(before);
        assertTrue(now.size() <= before.size() + tolerance, "threads left behind: " + extra);
    }

    /**
     * A TCP forwarder between a client and a server that can cut every connection with a
     * reset (SO_LINGER 0), as a crashed host or a middlebox would, or {@link #freeze} them: both
     * TCP connections stay open but no byte (nor FIN) goes through any more, as when a peer
     * vanishes without FIN or RST (a host powered off, a dropped NAT mapping, a pulled cable).
     */
    static final class Cutter implements AutoCloseable {
        private final ServerSocket listen;
        private final int target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final List<Link> links = new CopyOnWriteArrayList<>();
        private final ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();
        final AtomicInteger accepted = new AtomicInteger();

        Cutter(int targetPort) throws IOException {
            this.target = targetPort;
            listen = new ServerSocket();
            listen.bind(new InetSocketAddress("127.0.0.1", 0));
            start("cutter-accept", this::accept);
        }

        int port() {
            return listen.getLocalPort();
        }

        private void start(String name, Runnable r) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        private void accept() {
            try {
                for (;;) {
                    Socket a = listen.accept();
                    Socket b = new Socket("127.0.0.1", target);
                    a.setTcpNoDelay(true);
                    b.setTcpNoDelay(true);
                    sockets.add(a);
                    sockets.add(b);
                    Link link = new Link();
                    links.add(link);
                    accepted.incrementAndGet();
                    start("cutter-up", () -> pipe(a, b, link));
                    start("cutter-down", () -> pipe(b, a, link));
                }
            } catch (IOException closed) {
                // stopped
            }
        }

        /** The freeze state of one forwarded connection (both directions). */
        private static final class Link {
            private boolean frozen; // guarded by this
            private boolean gone;   // reset or closed: a frozen pipe gives up

            synchronized void freeze() {
                frozen = true;
            }

            synchronized void release(boolean gone) {
                frozen = false;
                this.gone |= gone;
                notifyAll();
            }

            /** Waits while frozen (in 50 ms steps, until thawed or gone); false when gone. */
            synchronized boolean passable() throws InterruptedException {
                while (frozen && !gone) {
                    wait(50);
                }
                return !gone;
            }
        }

        private static void pipe(Socket from, Socket to, Link link) {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    // frozen: hold what was read and read no more, so the sender's TCP backs up
                    if (!link.passable()) {
                        return;
                    }
                    out.write(buf, 0, n);
                }
                if (link.passable()) { // a FIN does not get through a frozen link either
                    to.shutdownOutput();
                }
            } catch (IOException cut) {
                // reset or closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Stops forwarding on every connection open now, both ways, without closing anything:
         * bytes already read are held, nothing more is read. Connections accepted later forward
         * normally.
         */
        void freeze() {
            for (Link l : links) {
                l.freeze();
            }
        }

        /** Forwards again on every frozen connection (the held bytes first). */
        void thaw() {
            for (Link l : links) {
                l.release(false);
            }
        }

        /** Resets every forwarded connection, both ways. */
        void reset() {
            for (Link l : links) {
                l.release(true);
            }
            links.clear();
            for (Socket s : new ArrayList<>(sockets)) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
            sockets.clear();
        }

        @Override
        public void close() throws Exception {
            listen.close();
            reset();
            for (Thread t : threads) {
                t.join(2000);
            }
        }
    }
}
