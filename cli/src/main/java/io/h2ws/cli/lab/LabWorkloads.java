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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.net.http.WebSocket;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.cli.measure.Workloads;
import io.h2ws.client.ClientBuilder;
import io.h2ws.trace.TraceListener;

/**
 * The lab's two workloads over an impaired path: N sockets ping-ponging small messages (every
 * round trip recorded, for percentiles and a CDF) and N sockets streaming large echoed messages
 * (goodput). Unlike {@code Workloads}, sockets open concurrently: one after another, 100 HTTP/1.1
 * handshakes at 100 ms RTT would take longer than the measurement.
 */
final class LabWorkloads {

    /** Percentiles kept for the CDF plot. */
    static final double[] CDF_POINTS = {0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99, 100};

    private LabWorkloads() {}

    /** Called for every part of an echoed message as the transport delivers it. */
    interface Parts {
        void onPart(H2wsSocket socket, int bytes, boolean last);
    }

    /**
     * Sockets of a lab transport: {@code h1} (a TCP connection per socket), {@code h2} (one
     * HTTP/2 connection), {@code h2k} ({@code connections} HTTP/2 connections, sockets spread
     * round-robin: each client keeps one connection per origin) or {@code h2msg} (one
     * connection, the message mapping). Parts rather than whole messages, so goodput counts
     * bytes as they arrive and not in 64 KiB steps.
     */
    static final class Sockets implements AutoCloseable {
        private final String transport;
        private final URI uri;
        private final List<H2wsClient> clients = new ArrayList<>();
        private final AtomicInteger next = new AtomicInteger();

        Sockets(String transport, URI uri, int connections, TraceListener trace) throws Exception {
            if (!List.of("h1", "h2", "h2k", "h2msg").contains(transport)) {
                throw new IllegalArgumentException("unknown transport " + transport);
            }
            this.transport = transport;
            this.uri = uri;
            int k = transport.equals("h2k") ? Math.max(1, connections) : 1;
            for (int i = 0; i < k; i++) {
                clients.add(H2wsClient.create(null, trace));
            }
        }

        CompletableFuture<H2wsSocket> open(Parts parts) {
            H2wsClient c = clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
            ClientBuilder b = c.newWebSocketBuilder()
                    .options(WebSocketOptions.builder().maxMessageSize(64L << 20).maxFrameSize(64L << 20).build());
            switch (transport) {
                case "h1" -> b.transport(Transport.H1);
                case "h2msg" -> b.messageMapping(true);
                default -> b.transport(Transport.H2);
            }
            return b.buildH2ws(uri, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                    parts.onPart((H2wsSocket) ws, data.remaining(), last);
                    ws.request(1);
                    return null;
                }
            });
        }

        @Override
        public void close() {
            for (H2wsClient c : clients) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing at the end of a point: nothing to do about it
                }
            }
        }
    }

    /** Opens {@code n} sockets at once; a socket that fails or does not open in time is counted, not fatal. */
    private static H2wsSocket[] openAll(Sockets client, int n, Parts parts, int[] failed) {
        List<CompletableFuture<H2wsSocket>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(client.open(parts));
        }
        H2wsSocket[] open = new H2wsSocket[n];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < n; i++) {
            try {
                open[i] = fs.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                failed[0]++;
            }
        }
        return open;
    }

    private static void closeAll(H2wsSocket[] open) {
        for (H2wsSocket s : open) {
            if (s != null && !s.isOutputClosed()) {
                s.abort(); // a Close would queue behind the data still in flight and keep the path busy into the next point
            }
        }
    }

    /** Round trips of {@code size}-byte messages, one in flight per socket; result keys as in {@link #toLine}. */
    static Map<String, Object> pingPong(Sockets client, int n, int size, Duration warmup, Duration duration) throws Exception {
        Recorder recorder = new Recorder(3_600_000_000L, 3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean recording = new AtomicBoolean(false);
        ByteBuffer payload = Workloads.payload(size);
        Map<H2wsSocket, long[]> state = new ConcurrentHashMap<>(); // {sentAt, echoes while recording}
        Parts parts = (socket, bytes, last) -> {
            long[] st = state.get(socket);
            if (!last || st == null) {
                return;
            }
            long now = System.nanoTime();
            if (recording.get()) {
                recorder.recordValue(Math.max(1, (now - st[0]) / 1000));
                st[1]++;
            }
            if (running.get()) {
                st[0] = System.nanoTime();
                socket.sendBinary(payload.duplicate(), true);
            }
        };
        int[] failed = {0};
        long t0 = System.nanoTime();
        H2wsSocket[] open = openAll(client, n, parts, failed);
        double openMillis = (System.nanoTime() - t0) / 1e6;
        try {
            for (H2wsSocket s : open) {
                if (s != null) {
                    long[] st = {System.nanoTime(), 0};
                    state.put(s, st);
                    s.sendBinary(payload.duplicate(), true);
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
            long stalled = state.values().stream().filter(st -> st[1] == 0).count();
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
            closeAll(open);
        }
    }

    /**
     * Goodput of {@code size}-byte messages, {@code window} in flight per socket: the bytes the
     * server's TCP acknowledged during the measured interval ({@code tcpAcked}, per connection),
     * the whole messages its endpoint received ({@code serverBytes} reads its counter), and the
     * bytes of echoes this side received.
     */
    static Map<String, Object> stream(Sockets client, int n, int size, int window, Duration warmup, Duration duration,
                                      java.util.function.LongSupplier serverBytes,
                                      java.util.function.Supplier<Map<String, Long>> tcpAcked) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ByteBuffer payload = Workloads.payload(size);
        Map<H2wsSocket, AtomicLong> received = new ConcurrentHashMap<>();
        Parts parts = (socket, bytes, last) -> {
            AtomicLong mine = received.get(socket);
            if (mine == null) {
                return;
            }
            mine.addAndGet(bytes);
            if (last && running.get()) {
                socket.sendBinary(payload.duplicate(), true);
            }
        };
        int[] failed = {0};
        long t0 = System.nanoTime();
        H2wsSocket[] open = openAll(client, n, parts, failed);
        double openMillis = (System.nanoTime() - t0) / 1e6;
        try {
            List<AtomicLong> counters = new ArrayList<>();
            for (H2wsSocket s : open) {
                if (s != null) {
                    AtomicLong c = new AtomicLong();
                    counters.add(c);
                    received.put(s, c);
                    for (int w = 0; w < window; w++) {
                        s.sendBinary(payload.duplicate(), true);
                    }
                }
            }
            Thread.sleep(warmup.toMillis());
            // each snapshot is timed at its middle: reading 100 sockets with ss, or a UDP query retried
            // under loss, takes long enough to inflate a 2 s interval measured around the sleep
            long serverBefore = serverBytes.getAsLong();
            long a0 = System.nanoTime();
            Map<String, Long> ackedBefore = tcpAcked.get();
            long ackedAt0 = (a0 + System.nanoTime()) / 2;
            long[] before = counters.stream().mapToLong(AtomicLong::get).toArray();
            long s0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            double secs = (System.nanoTime() - s0) / 1e9;
            long[] after = counters.stream().mapToLong(AtomicLong::get).toArray();
            long a1 = System.nanoTime();
            Map<String, Long> ackedAfter = tcpAcked.get();
            double ackedSecs = ((a1 + System.nanoTime()) / 2 - ackedAt0) / 1e9;
            long serverAfter = serverBytes.getAsLong();
            long acked = 0;
            for (Map.Entry<String, Long> e : ackedAfter.entrySet()) {
                Long b = ackedBefore.get(e.getKey()); // a connection of the previous point that went away does not count
                if (b != null) {
                    acked += e.getValue() - b;
                }
            }
            long total = 0;
            long stalled = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < counters.size(); i++) {
                long d = after[i] - before[i];
                total += d;
                min = Math.min(min, d);
                max = Math.max(max, d);
                if (d == 0) {
                    stalled++;
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("count", total);
            r.put("seconds", secs);
            // upstream, acknowledged by the server's TCP (WebSocket and HTTP/2 framing included: under 0.1% at 64 KiB)
            r.put("goodput_mbit", ackedAfter.isEmpty() ? -1.0 : acked * 8 / ackedSecs / 1e6);
            // whole messages the server's endpoint received (a query lost twenty times over leaves it unknown: -1)
            r.put("server_msg_mbit", serverBefore < 0 || serverAfter < 0 ? -1.0 : (serverAfter - serverBefore) * 8 / secs / 1e6);
            r.put("echo_mbit", total * 8 / secs / 1e6);
            // the slowest and fastest socket against the fair share: 1 and 1 is perfectly even
            double fair = counters.isEmpty() ? 0 : total / (double) counters.size();
            r.put("min_share", fair == 0 || min == Long.MAX_VALUE ? 0 : min / fair);
            r.put("max_share", fair == 0 ? 0 : max / fair);
            r.put("open_failed", failed[0]);
            r.put("open_ms", openMillis);
            r.put("stalled", stalled);
            return r;
        } finally {
            running.set(false);
            closeAll(open);
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
