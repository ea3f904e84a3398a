package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@link Workloads#throughput} and {@link Workloads#latency} without their own clock: the same
 * sockets, payload ({@link Workloads#payload}) and "send one for every echo received" window,
 * but left running so that JMH's iterations do the timing. The JMH benchmarks read
 * {@link #received()} at the edges of each iteration.
 *
 * <p>With {@code window == 1} each round trip is recorded (microseconds, in the echo callback,
 * as {@code Workloads.latency} does).
 */
public final class Pump implements AutoCloseable {
    private final LongAdder received = new LongAdder();
    private final List<LoadClient.LoadSocket> sockets = new ArrayList<>();
    private final List<AtomicLong> perSocket = new ArrayList<>();
    private final Recorder recorder;
    private volatile boolean running = true;

    private Pump(boolean record) {
        this.recorder = record ? new Recorder(3_600_000_000L, 3) : null;
    }

    /** Opens {@code count} sockets and puts {@code window} messages of {@code size} bytes in flight on each. */
    public static Pump start(LoadClient client, int count, int size, int window) throws Exception {
        Pump pump = new Pump(window == 1);
        try {
            pump.run(client, count, size, window);
        } catch (Exception | Error e) {
            pump.close();
            throw e;
        }
        return pump;
    }

    private void run(LoadClient client, int count, int size, int window) throws Exception {
        ByteBuffer payload = Workloads.payload(size);
        List<long[]> sentAts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AtomicLong mine = new AtomicLong();
            long[] sentAt = new long[1];
            LoadClient.LoadSocket[] self = new LoadClient.LoadSocket[1];
            CompletableFuture<LoadClient.LoadSocket> f = client.open(msg -> {
                if (recorder != null) {
                    recorder.recordValue(Math.max(1, (System.nanoTime() - sentAt[0]) / 1000));
                }
                received.increment();
                mine.incrementAndGet();
                if (running) {
                    if (recorder != null) {
                        sentAt[0] = System.nanoTime();
                    }
                    self[0].send(payload.duplicate());
                }
            });
            self[0] = f.get(30, TimeUnit.SECONDS);
            sockets.add(self[0]);
            perSocket.add(mine);
            sentAts.add(sentAt);
        }
        for (int i = 0; i < sockets.size(); i++) {
            sentAts.get(i)[0] = System.nanoTime();
            for (int w = 0; w < window; w++) {
                sockets.get(i).send(payload.duplicate());
            }
        }
    }

    /** Echoes received so far, over all sockets. */
    public long received() {
        return received.sum();
    }

    /** Per-socket echo counts, to tell which sockets stalled between two snapshots. */
    public long[] perSocket() {
        return perSocket.stream().mapToLong(AtomicLong::get).toArray();
    }

    /** How many sockets made no progress since {@code before} (from {@link #perSocket()}). */
    public int stalledSince(long[] before) {
        int n = 0;
        for (int i = 0; i < before.length; i++) {
            if (perSocket.get(i).get() == before[i]) {
                n++;
            }
        }
        return n;
    }

    /** Round trips recorded since the last call (µs); window 1 only. */
    public Histogram intervalHistogram() {
        if (recorder == null) {
            throw new IllegalStateException("latency is recorded with window 1 only");
        }
        return recorder.getIntervalHistogram();
    }

    public int sockets() {
        return sockets.size();
    }

    @Override
    public void close() {
        running = false;
        sockets.forEach(LoadClient.LoadSocket::close);
    }
}
