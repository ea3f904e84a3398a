package io.h2ws.cli.soak;

import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.h2ws.H2wsClient;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.client.ClientBuilder;

/** One transport's soak: open the sockets, run traffic for a while, drain, close, count. */
public final class SoakRun {

    /** The settings of a run. */
    public record Config(int sockets, Duration duration, Duration drain, int window, int maxPayload, long seed,
                         double pingChance, int openConcurrency, Duration settle) {}

    private SoakRun() {}

    /**
     * Runs one transport against {@code uri}.
     *
     * @param transport     "h1", "h2" or "h2msg"
     * @param index         distinguishes this transport's socket ids from the others'
     * @param serverSockets the embedded server's open-socket count, or null against a remote server
     */
    public static SoakResult run(String transport, int index, URI uri, Config cfg, SoakMessage messages,
                                 IntSupplier serverSockets, ServerPool pool, PrintWriter err) throws Exception {
        SoakCounters c = new SoakCounters();
        gc();
        long heapBefore = heapUsed();
        long directBefore = direct().getMemoryUsed();
        long directCountBefore = direct().getCount();
        List<SoakSocket> sockets = new ArrayList<>(cfg.sockets());
        int opened = 0;
        List<String> problems = new ArrayList<>();
        long heapOpen;
        long start;
        long end;
        H2wsClient client = H2wsClient.create();
        try {
            // open every socket first, a bounded number at a time
            Semaphore permits = new Semaphore(cfg.openConcurrency());
            List<CompletableFuture<?>> opens = new ArrayList<>();
            WebSocketOptions options = WebSocketOptions.builder()
                    .maxMessageSize(SoakMessage.HEADER + (long) cfg.maxPayload() + 1024)
                    .maxFrameSize(SoakMessage.HEADER + (long) cfg.maxPayload() + 1024)
                    .closeTimeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < cfg.sockets(); i++) {
                SoakSocket s = new SoakSocket(((long) index << 32) | i, cfg.window(), cfg.pingChance(), messages, c, cfg.seed());
                sockets.add(s);
                if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("opening sockets stalled");
                }
                ClientBuilder b = client.newWebSocketBuilder().options(options).connectTimeout(Duration.ofSeconds(30));
                switch (transport) {
                    case "h1" -> b.transport(Transport.H1);
                    case "h2" -> b.transport(Transport.H2);
                    case "h2msg" -> b.messageMapping(true);
                    default -> throw new IllegalArgumentException("unknown transport " + transport);
                }
                opens.add(b.buildH2ws(uri, s).orTimeout(60, TimeUnit.SECONDS).whenComplete((w, e) -> permits.release()));
            }
            for (int i = 0; i < opens.size(); i++) {
                try {
                    opens.get(i).get(90, TimeUnit.SECONDS);
                    opened++;
                } catch (Exception e) {
                    if (problems.size() < 5) {
                        problems.add("socket " + i + " did not open: " + rootMessage(e));
                    }
                }
            }
            err.printf(Locale.ROOT, "%s: %d of %d sockets open; running %d s%n", transport, opened, cfg.sockets(),
                    cfg.duration().toSeconds());
            err.flush();

            // traffic
            start = System.nanoTime();
            for (SoakSocket s : sockets) {
                s.pump();
            }
            long until = start + cfg.duration().toNanos();
            long nextReport = start + TimeUnit.SECONDS.toNanos(10);
            long lastBytes = 0;
            long lastAt = start;
            while (System.nanoTime() < until) {
                Thread.sleep(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
                if (System.nanoTime() >= nextReport) {
                    long now = System.nanoTime();
                    long bytes = c.receivedBytes.sum();
                    err.printf(Locale.ROOT, "%s: %4d s  sent %d  echoed %d  %.1f MB/s  heap %d MiB  direct %d MiB in %d  send errors %d  server sockets %s  client sockets ended %d%n",
                            transport, TimeUnit.NANOSECONDS.toSeconds(now - start), c.sent.sum(), c.received.sum(),
                            (bytes - lastBytes) / 1e6 / ((now - lastAt) / 1e9), heapUsed() >> 20,
                            direct().getMemoryUsed() >> 20, direct().getCount(), c.sendErrors.sum(),
                            serverSockets == null ? "n/a" : Integer.toString(serverSockets.getAsInt()),
                            sockets.stream().filter(x -> x.closed().isDone()).count());
                    err.flush();
                    lastBytes = bytes;
                    lastAt = now;
                    nextReport += TimeUnit.SECONDS.toNanos(10);
                }
            }
            sockets.forEach(SoakSocket::stop);
            end = System.nanoTime();

            // drain: every message sent must come back
            long drainUntil = System.nanoTime() + cfg.drain().toNanos();
            while (inflight(sockets) > 0 && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            gc();
            heapOpen = heapUsed();

            // close every socket and wait (bounded) for the server's Close
            for (SoakSocket s : sockets) {
                WebSocket w = s.webSocket();
                if (w != null && !w.isOutputClosed()) {
                    w.sendClose(WebSocket.NORMAL_CLOSURE, "soak done");
                }
            }
            long closeUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (SoakSocket s : sockets) {
                if (s.webSocket() == null) {
                    continue;
                }
                try {
                    s.closed().get(Math.max(1, closeUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // counted below
                }
            }
        } finally {
            client.close();
            client = null; // so the after-GC heap does not count the closed client
        }

        long lost = 0;
        int abnormal = cfg.sockets() - opened;
        for (SoakSocket s : sockets) {
            if (s.sendFailed() && s.error() != null) {
                problems.add(String.format(Locale.ROOT, "first send error, socket %x: %s", s.id(), rootMessage(s.error())));
                break;
            }
        }
        for (SoakSocket s : sockets) {
            int left = s.inflight();
            lost += left;
            if (left > 0 && problems.size() < 10) {
                problems.add(String.format(Locale.ROOT, "socket %x: %d not echoed (seq %s)", s.id(), left, s.inflightSummary(8)));
            }
            if (s.webSocket() == null) {
                continue;
            }
            Integer code = s.closed().getNow(null);
            if (code == null || code != WebSocket.NORMAL_CLOSURE || s.sendFailed()) {
                abnormal++;
                if (problems.size() < 10) {
                    problems.add(String.format(Locale.ROOT, "socket %x ended abnormally: close %s%s", s.id(),
                            code == null ? "never came" : code == -1 ? "error" : String.valueOf(code),
                            s.error() == null ? "" : ", " + rootMessage(s.error())));
                }
            }
        }
        // the embedded server's sockets must all go away too
        int serverLeft = -1;
        if (serverSockets != null) {
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (serverSockets.getAsInt() > 0 && System.nanoTime() < settle) {
                Thread.sleep(20);
            }
            serverLeft = serverSockets.getAsInt();
        }
        sockets.clear();
        if (!cfg.settle().isZero()) {
            Thread.sleep(cfg.settle().toMillis()); // let timers that still hold closed connections fire
        }
        gc();
        long heapAfter = heapUsed();
        ServerPool.Snapshot poolAfter = pool == null ? ServerPool.Snapshot.NONE : pool.snapshot();
        return new SoakResult(transport, cfg.sockets(), opened, (end - start) / 1e9, c.sent.sum(), c.received.sum(),
                c.receivedBytes.sum(), c.sentBytes.sum(), c.fragmented.sum(), lost, c.duplicated.sum(), c.reordered.sum(),
                c.corrupted.sum(), c.pingsSent.sum(), c.pongsReceived.sum(), c.pongMismatches.sum(), c.sendErrors.sum(),
                abnormal, serverLeft, heapBefore, heapOpen, heapAfter, directBefore, direct().getMemoryUsed(),
                directCountBefore, direct().getCount(), poolAfter, List.copyOf(problems));
    }

    private static int inflight(List<SoakSocket> sockets) {
        int n = 0;
        for (SoakSocket s : sockets) {
            n += s.inflight();
        }
        return n;
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static BufferPoolMXBean direct() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b;
            }
        }
        throw new IllegalStateException("no direct buffer pool bean");
    }

    static void gc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }
}
