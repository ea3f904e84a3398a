package io.h2ws.cli.lab;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.h2ws.cli.measure.H2wsLoadClients;
import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;
import io.h2ws.trace.TraceListener;

/**
 * The lab's two workloads over an impaired path: N sockets ping-ponging small messages (every
 * round trip recorded, for percentiles and a CDF) and N sockets streaming large echoed messages
 * (goodput). Unlike {@link Workloads}, sockets open concurrently: one after another, 100 HTTP/1.1
 * handshakes at 100 ms RTT would take longer than the measurement.
 */
final class LabWorkloads {

    /** Percentiles kept for the CDF plot. */
    static final double[] CDF_POINTS = {0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99, 100};

    private LabWorkloads() {}

    /**
     * A client for a lab transport: {@code h1} (a TCP connection per socket), {@code h2} (one
     * HTTP/2 connection), {@code h2k} ({@code connections} HTTP/2 connections, sockets spread
     * round-robin) or {@code h2msg} (one connection, the message mapping).
     */
    static LoadClient client(String transport, URI uri, int connections, TraceListener trace) throws Exception {
        return switch (transport) {
            case "h1" -> H2wsLoadClients.create("h2ws-h1", uri, null, trace);
            case "h2" -> H2wsLoadClients.create("h2ws-h2", uri, null, trace);
            case "h2msg" -> H2wsLoadClients.create("h2ws-h2msg", uri, null, trace);
            case "h2k" -> spread(uri, Math.max(1, connections), trace);
            default -> throw new IllegalArgumentException("unknown transport " + transport);
        };
    }

    /** K independent clients, so K HTTP/2 connections (each client keeps one per origin). */
    private static LoadClient spread(URI uri, int k, TraceListener trace) throws Exception {
        List<LoadClient> clients = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            clients.add(H2wsLoadClients.create("h2ws-h2", uri, null, trace));
        }
        AtomicInteger next = new AtomicInteger();
        return new LoadClient() {
            @Override
            public String name() {
                return "h2ws-h2x" + k;
            }

            @Override
            public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
                return clients.get(Math.floorMod(next.getAndIncrement(), k)).open(onMessage);
            }

            @Override
            public void close() {
                clients.forEach(LoadClient::close);
            }
        };
    }

    /** Opens {@code n} sockets at once; a socket that fails or does not open in time is counted, not fatal. */
    private static List<LoadClient.LoadSocket> openAll(LoadClient client, int n, List<Consumer<ByteBuffer>> handlers,
                                                       List<LoadClient.LoadSocket[]> selves, int[] failed) {
        List<CompletableFuture<LoadClient.LoadSocket>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(client.open(handlers.get(i)));
        }
        List<LoadClient.LoadSocket> open = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < n; i++) {
            try {
                LoadClient.LoadSocket s = fs.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                selves.get(i)[0] = s;
                open.add(s);
            } catch (Exception e) {
                failed[0]++;
                selves.get(i)[0] = null;
            }
        }
        return open;
    }

    /** Round trips of {@code size}-byte messages, one in flight per socket; result keys as in {@link #toLine}. */
    static Map<String, Object> pingPong(LoadClient client, int n, int size, Duration warmup, Duration duration) throws Exception {
        Recorder recorder = new Recorder(3_600_000_000L, 3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean recording = new AtomicBoolean(false);
        ByteBuffer payload = Workloads.payload(size);
        List<Consumer<ByteBuffer>> handlers = new ArrayList<>();
        List<LoadClient.LoadSocket[]> selves = new ArrayList<>();
        long[] sentAt = new long[n];
        AtomicLong[] perSocket = new AtomicLong[n];
        for (int i = 0; i < n; i++) {
            int me = i;
            LoadClient.LoadSocket[] self = new LoadClient.LoadSocket[1];
            selves.add(self);
            perSocket[i] = new AtomicLong();
            handlers.add(msg -> {
                long now = System.nanoTime();
                if (recording.get()) {
                    recorder.recordValue(Math.max(1, (now - sentAt[me]) / 1000));
                    perSocket[me].incrementAndGet();
                }
                if (running.get() && self[0] != null) {
                    sentAt[me] = System.nanoTime();
                    self[0].send(payload.duplicate());
                }
            });
        }
        int[] failed = {0};
        long t0 = System.nanoTime();
        List<LoadClient.LoadSocket> open = openAll(client, n, handlers, selves, failed);
        double openMillis = (System.nanoTime() - t0) / 1e6;
        try {
            for (int i = 0; i < n; i++) {
                if (selves.get(i)[0] != null) {
                    sentAt[i] = System.nanoTime();
                    selves.get(i)[0].send(payload.duplicate());
                }
            }
            Thread.sleep(warmup.toMillis());
            recorder.reset();
            recording.set(true);
            long s0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            Histogram h = recorder.getIntervalHistogram();
            double secs = (System.nanoTime() - s0) / 1e9;
            recording.set(false);
            long stalled = 0;
            for (int i = 0; i < n; i++) {
                if (selves.get(i)[0] != null && perSocket[i].get() == 0) {
                    stalled++;
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("count", h.getTotalCount());
            r.put("seconds", secs);
            r.put("rate", h.getTotalCount() / secs);
            r.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
            r.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
            r.put("p999_ms", h.getValueAtPercentile(99.9) / 1000.0);
            r.put("max_ms", h.getMaxValue() / 1000.0);
            r.put("mean_ms", h.getMean() / 1000.0);
            StringBuilder cdf = new StringBuilder();
            for (double p : CDF_POINTS) {
                if (cdf.length() > 0) {
                    cdf.append(';');
                }
                cdf.append(String.format(Locale.ROOT, "%s:%.3f", p, (p == 0 ? h.getMinValue() : h.getValueAtPercentile(p)) / 1000.0));
            }
            r.put("cdf", h.getTotalCount() == 0 ? "" : cdf.toString());
            r.put("open_failed", failed[0]);
            r.put("open_ms", openMillis);
            r.put("stalled", stalled);
            return r;
        } finally {
            running.set(false);
            open.forEach(LoadClient.LoadSocket::close);
        }
    }

    /** Echo goodput of {@code size}-byte messages, {@code window} in flight per socket. */
    static Map<String, Object> stream(LoadClient client, int n, int size, int window, Duration warmup, Duration duration) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ByteBuffer payload = Workloads.payload(size);
        List<Consumer<ByteBuffer>> handlers = new ArrayList<>();
        List<LoadClient.LoadSocket[]> selves = new ArrayList<>();
        AtomicLong[] perSocket = new AtomicLong[n];
        for (int i = 0; i < n; i++) {
            int me = i;
            LoadClient.LoadSocket[] self = new LoadClient.LoadSocket[1];
            selves.add(self);
            perSocket[i] = new AtomicLong();
            handlers.add(msg -> {
                perSocket[me].addAndGet(msg.remaining());
                if (running.get() && self[0] != null) {
                    self[0].send(payload.duplicate());
                }
            });
        }
        int[] failed = {0};
        long t0 = System.nanoTime();
        List<LoadClient.LoadSocket> open = openAll(client, n, handlers, selves, failed);
        double openMillis = (System.nanoTime() - t0) / 1e6;
        try {
            for (int i = 0; i < n; i++) {
                if (selves.get(i)[0] != null) {
                    for (int w = 0; w < window; w++) {
                        selves.get(i)[0].send(payload.duplicate());
                    }
                }
            }
            Thread.sleep(warmup.toMillis());
            long[] before = new long[n];
            for (int i = 0; i < n; i++) {
                before[i] = perSocket[i].get();
            }
            long s0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            double secs = (System.nanoTime() - s0) / 1e9;
            long total = 0;
            long stalled = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < n; i++) {
                if (selves.get(i)[0] == null) {
                    continue;
                }
                long d = perSocket[i].get() - before[i];
                total += d;
                min = Math.min(min, d);
                max = Math.max(max, d);
                if (d == 0) {
                    stalled++;
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("count", total / Math.max(1, size));
            r.put("seconds", secs);
            r.put("goodput_mbit", total * 8 / secs / 1e6);
            // the slowest and fastest socket's share of the fair share: 1 and 1 is perfectly even
            double fair = open.isEmpty() ? 0 : total / (double) open.size();
            r.put("min_share", fair == 0 || min == Long.MAX_VALUE ? 0 : min / fair);
            r.put("max_share", fair == 0 ? 0 : max / fair);
            r.put("open_failed", failed[0]);
            r.put("open_ms", openMillis);
            r.put("stalled", stalled);
            return r;
        } finally {
            running.set(false);
            open.forEach(LoadClient.LoadSocket::close);
        }
    }

    /** One "key=value key=value" line: values never contain spaces. */
    static String toLine(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            Object v = e.getValue();
            String s = v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(v);
            b.append(e.getKey()).append('=').append(s.replace(' ', '_'));
        }
        return b.toString();
    }
}
