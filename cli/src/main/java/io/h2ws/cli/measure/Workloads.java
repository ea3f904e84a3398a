package io.h2ws.cli.measure;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measuring core shared by {@code h2ws compare} and the JMH suite: echo throughput with a
 * window of messages in flight per socket, round-trip latency, and the cost of opening sockets.
 * Every wait is bounded; a socket that stops echoing shows as a low count, not a hang.
 */
public final class Workloads {

    private Workloads() {}

    /** Echo throughput over a measured interval. */
    public record Throughput(String client, int sockets, int size, int window, long messages, double seconds,
                             long stalledSockets) {
        public double messagesPerSecond() {
            return messages / seconds;
        }

        public double megabytesPerSecond() {
            return messages * (double) size / seconds / 1e6;
        }
    }

    /** Round-trip latency percentiles in microseconds. */
    public record Latency(String client, int sockets, int size, long count, double p50, double p90, double p99,
                          double p999, double max, double seconds) {
        public double roundTripsPerSecond() {
            return count / seconds;
        }
    }

    /** Opening N sockets. */
    public record Open(String client, int sockets, double millis, double meanMicros) {}

    /**
     * Opens {@code sockets}, keeps {@code window} messages of {@code size} bytes in flight on
     * each (one sent per echo received), warms up, then counts echoes for {@code duration}.
     */
    public static Throughput throughput(LoadClient client, int sockets, int size, int window,
                                        Duration warmup, Duration duration) throws Exception {
        LongAdder received = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        ByteBuffer payload = payload(size);
        List<LoadClient.LoadSocket> open = new ArrayList<>();
        List<AtomicLong> perSocket = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                AtomicLong mine = new AtomicLong();
                perSocket.add(mine);
                LoadClient.LoadSocket[] self = new LoadClient.LoadSocket[1];
                CompletableFuture<LoadClient.LoadSocket> f = client.open(msg -> {
                    received.increment();
                    mine.incrementAndGet();
                    if (running.get() && self[0] != null) {
                        self[0].send(payload.duplicate());
                    }
                });
                self[0] = f.get(30, TimeUnit.SECONDS);
                open.add(self[0]);
            }
            for (LoadClient.LoadSocket s : open) {
                for (int w = 0; w < window; w++) {
                    s.send(payload.duplicate());
                }
            }
            Thread.sleep(warmup.toMillis());
            long[] before = perSocket.stream().mapToLong(AtomicLong::get).toArray();
            long start = received.sum();
            long t0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            long count = received.sum() - start;
            double secs = (System.nanoTime() - t0) / 1e9;
            long stalled = 0;
            for (int i = 0; i < open.size(); i++) {
                if (perSocket.get(i).get() == before[i]) {
                    stalled++;
                }
            }
            return new Throughput(client.name(), sockets, size, window, count, secs, stalled);
        } finally {
            running.set(false);
            open.forEach(LoadClient.LoadSocket::close);
        }
    }

    /**
     * Each of {@code sockets} keeps one message in flight; every round trip is recorded.
     */
    public static Latency latency(LoadClient client, int sockets, int size, Duration warmup, Duration duration)
            throws Exception {
        Recorder recorder = new Recorder(3_600_000_000L, 3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean recording = new AtomicBoolean(false);
        ByteBuffer payload = payload(size);
        List<LoadClient.LoadSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                long[] sentAt = new long[1];
                LoadClient.LoadSocket[] self = new LoadClient.LoadSocket[1];
                CompletableFuture<LoadClient.LoadSocket> f = client.open(msg -> {
                    long now = System.nanoTime();
                    if (recording.get()) {
                        recorder.recordValue(Math.max(1, (now - sentAt[0]) / 1000));
                    }
                    if (running.get()) {
                        sentAt[0] = System.nanoTime();
                        self[0].send(payload.duplicate());
                    }
                });
                self[0] = f.get(30, TimeUnit.SECONDS);
                open.add(self[0]);
            }
            for (LoadClient.LoadSocket s : open) {
                // the callback owns sentAt; the first send's timestamp is approximate and is warm-up anyway
                s.send(payload.duplicate());
            }
            Thread.sleep(warmup.toMillis());
            recorder.reset();
            recording.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            Histogram h = recorder.getIntervalHistogram();
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Latency(client.name(), sockets, size, h.getTotalCount(),
                    h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue(), secs);
        } finally {
            running.set(false);
            recording.set(false);
            open.forEach(LoadClient.LoadSocket::close);
        }
    }

    /** Opens {@code sockets} one after the other and reports the time; they are closed after. */
    public static Open open(LoadClient client, int sockets) throws Exception {
        List<LoadClient.LoadSocket> open = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < sockets; i++) {
                open.add(client.open(m -> { }).get(30, TimeUnit.SECONDS));
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            return new Open(client.name(), sockets, ms, ms * 1000 / sockets);
        } finally {
            open.forEach(LoadClient.LoadSocket::close);
        }
    }

    /** Payload kinds: the default pattern, JSON-like text (compresses well), random bytes (does not). */
    public enum Payload { DEFAULT, JSON, RANDOM }

    /** A deterministic payload of {@code kind} and exactly {@code size} bytes. */
    public static ByteBuffer payload(Payload kind, int size) {
        return payload(kind, size, 0);
    }

    /**
     * As {@link #payload(Payload, int)}, varied by {@code seed} (JSON values, random bytes): a
     * compressor keeping context across messages (RFC 7692 section 7.1.1) would otherwise send a
     * repeated message as one back-reference.
     */
    public static ByteBuffer payload(Payload kind, int size, long seed) {
        return switch (kind) {
            case DEFAULT -> payload(size);
            case JSON -> ByteBuffer.wrap(json(size, seed).getBytes(java.nio.charset.StandardCharsets.US_ASCII)).asReadOnlyBuffer();
            case RANDOM -> {
                byte[] b = new byte[size];
                new java.util.Random(size * 31L + seed).nextBytes(b);
                yield ByteBuffer.wrap(b).asReadOnlyBuffer();
            }
        };
    }

    /** JSON-like ASCII text of exactly {@code size} characters: records with repeated keys and varying values. */
    public static String json(int size, long seed) {
        java.util.Random rnd = new java.util.Random(42 + seed);
        String[] tags = {"alpha", "beta", "gamma", "delta", "news", "sport", "tech", "eu", "us"};
        StringBuilder sb = new StringBuilder(size + 200).append('[');
        for (int i = 0; sb.length() < size; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":").append(i).append(",\"user\":\"user").append(rnd.nextInt(1000))
                    .append("\",\"price\":").append(rnd.nextInt(100_000) / 100.0)
                    .append(",\"tags\":[\"").append(tags[rnd.nextInt(tags.length)]).append("\",\"")
                    .append(tags[rnd.nextInt(tags.length)]).append("\"],\"active\":").append(rnd.nextBoolean()).append('}');
        }
        sb.setLength(Math.max(0, size - 1));
        return size == 0 ? "" : sb.append(']').toString();
    }

    /** A deterministic payload: compressible enough to look like data, never all zeros. */
    public static ByteBuffer payload(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (i * 7 + i / 13) % 26);
        }
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }
}
