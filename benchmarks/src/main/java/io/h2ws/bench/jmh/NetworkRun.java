package io.h2ws.bench.jmh;

import io.h2ws.bench.Harness;
import io.h2ws.bench.Pump;

import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * What the network benchmarks share: a client kind with its server in another JVM
 * ({@link Harness}), sockets kept busy by a {@link Pump} from trial start to trial end, and the
 * "tick" that lets JMH time iterations while the echoes are counted.
 *
 * <p>Why a tick: the echo traffic runs on the client library's own threads (sending one message
 * per echo received, as {@code Workloads.throughput} does), not on the JMH thread. The JMH
 * thread only parks for {@value #TICK_NANOS} ns per invocation and then publishes the number of
 * echoes received since the iteration's {@code @Setup}; JMH divides that by the iteration's
 * measured time. The primary score (ticks/s, about 1000) is therefore meaningless: read the
 * {@code :messages} and {@code :megabytes} rows. The count and the time cover the same span up
 * to one tick (1 ms of a 1 s or longer iteration).
 */
final class NetworkRun implements AutoCloseable {
    static final long TICK_NANOS = 1_000_000;

    final Harness harness;
    final Pump pump;
    private final int size;
    private final String label;
    private long base;
    private long[] before;
    private Histogram measured;

    NetworkRun(String clientKind, int sockets, int size, int window) throws Exception {
        this.size = size;
        this.label = clientKind + " sockets=" + sockets + " size=" + size + " window=" + window;
        Harness h = Harness.start(clientKind);
        try {
            this.pump = Pump.start(h.client, sockets, size, window);
        } catch (Exception | Error e) {
            h.close();
            throw e;
        }
        this.harness = h;
        if (window == 1) {
            measured = new Histogram(3_600_000_000L, 3);
        }
    }

    /** @Setup(Level.Iteration): the count starts here. */
    void beginIteration() {
        before = pump.perSocket();
        base = pump.received();
        if (measured != null) {
            pump.intervalHistogram(); // drop what the previous iteration and the gap recorded
        }
    }

    /** The benchmark method's body. */
    void tick(Echoes e) {
        LockSupport.parkNanos(TICK_NANOS);
        long n = pump.received() - base;
        e.messages = n;
        e.megabytes = n * (double) size / 1e6;
    }

    /** @TearDown(Level.Iteration): stall report and, with window 1, the iteration's latency. */
    void endIteration(IterationParams params) {
        int stalled = pump.stalledSince(before);
        if (stalled > 0) {
            System.out.println("STALL: " + stalled + " of " + pump.sockets() + " sockets got no echo this iteration (" + label + ")");
        }
        if (measured != null) {
            Histogram h = pump.intervalHistogram();
            LatencyProfiler.publish(h);
            if (params.getType() == IterationType.MEASUREMENT) {
                measured.add(h);
            }
        }
    }

    @Override
    public void close() {
        if (measured != null && measured.getTotalCount() > 0) {
            System.out.printf("%nLATENCY %s: n=%d p50=%d p90=%d p99=%d p99.9=%d max=%d us (all measurement iterations)%n",
                    label, measured.getTotalCount(), measured.getValueAtPercentile(50), measured.getValueAtPercentile(90),
                    measured.getValueAtPercentile(99), measured.getValueAtPercentile(99.9), measured.getMaxValue());
        }
        try {
            pump.close();
        } finally {
            harness.close();
        }
    }
}
