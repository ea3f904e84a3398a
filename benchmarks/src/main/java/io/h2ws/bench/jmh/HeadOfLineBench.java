package io.h2ws.bench.jmh;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import io.h2ws.H2wsClient;
import io.h2ws.bench.Pump;
import io.h2ws.bench.ServerProcess;
import io.h2ws.cli.measure.H2wsLoadClients;
import io.h2ws.cli.measure.LoadClient;

/**
 * Head-of-line blocking inside ONE HTTP/2 connection (issue 19): {@code bigSockets} sockets echo
 * {@code bigSize}-byte messages continuously ({@code bigWindow} in flight each) while
 * {@code small} sockets on the same connection ping-pong {@code smallSize}-byte messages one at
 * a time, with both ends advertising {@code maxFrameSize} as SETTINGS_MAX_FRAME_SIZE and
 * {@code streamWindow} as SETTINGS_INITIAL_WINDOW_SIZE. A DATA frame on the wire cannot be
 * interleaved, so each small round trip may wait behind big frames in both directions.
 *
 * <p>Results: {@code pingPong:smallRoundTrips} (round trips/s over all small sockets),
 * {@code pingPong:bigMegabytes} (MB/s of big echoes received, one direction), and the small
 * sockets' round-trip percentiles: the {@code LATENCY} line at the end of each trial, or
 * {@code -prof io.h2ws.bench.jmh.LatencyProfiler}. The primary score is the 1 ms tick (see
 * {@link NetworkRun}): ignore it. {@code -p bigSockets=0} is the baseline without the big sender.
 *
 * <p>h2ws's write queue hands Jetty at most 64 KiB per socket write ({@code OutputGather.MAX_WRITE})
 * and a DATA frame never spans two of Jetty's {@code stream.data()} calls, so frames above 64 KiB
 * do not occur whatever is advertised: "1 MiB" means frames of up to 64 KiB here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.eclipse.jetty.LEVEL=WARN"})
@Threads(1)
public class HeadOfLineBench {
    /** SETTINGS_MAX_FRAME_SIZE both ends advertise. */
    @Param({"16384", "1048576"})
    public int maxFrameSize;
    /** SETTINGS_INITIAL_WINDOW_SIZE both ends advertise (h2ws's default). */
    @Param({"262144"})
    public int streamWindow;
    @Param({"100"})
    public int small;
    @Param({"16"})
    public int smallSize;
    /** Big senders; 0 for the baseline. */
    @Param({"1"})
    public int bigSockets;
    @Param({"1048576"})
    public int bigSize;
    @Param({"2"})
    public int bigWindow;

    /** The results, normalised by each iteration's time (as {@link Echoes}). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        /** Small round trips, all small sockets together. */
        public long smallRoundTrips;
        /** MB (10^6 bytes) of big echoes received. */
        public double bigMegabytes;
    }

    private ServerProcess server;
    private LoadClient client;
    private Pump smallPump;
    private Pump bigPump;
    private final Histogram measured = new Histogram(3_600_000_000L, 3);
    private long smallBase;
    private long bigBase;
    private long[] before;

    @Setup(Level.Trial)
    public void start() throws Exception {
        server = ServerProcess.start("h2ws", String.valueOf(maxFrameSize), String.valueOf(streamWindow));
        try {
            H2wsClient c = H2wsClient.builder().h2MaxFrameSize(maxFrameSize).h2InitialStreamWindow(streamWindow).build();
            client = H2wsLoadClients.of("h2ws-h2", URI.create("ws://127.0.0.1:" + server.port() + "/echo"), c);
            smallPump = Pump.start(client, small, smallSize, 1);
            if (bigSockets > 0) {
                bigPump = Pump.start(client, bigSockets, bigSize, bigWindow);
            }
            int connections = c.h2().connectionCount();
            if (connections != 1) {
                throw new IllegalStateException("the sockets are on " + connections + " HTTP/2 connections, not one");
            }
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @Setup(Level.Iteration)
    public void begin() {
        before = smallPump.perSocket();
        smallBase = smallPump.received();
        bigBase = bigPump == null ? 0 : bigPump.received();
        smallPump.intervalHistogram(); // drop what the previous iteration and the gap recorded
    }

    /** Parks 1 ms and publishes the counts since the iteration began. */
    @Benchmark
    public void pingPong(Counts counts) {
        LockSupport.parkNanos(NetworkRun.TICK_NANOS);
        counts.smallRoundTrips = smallPump.received() - smallBase;
        counts.bigMegabytes = bigPump == null ? 0 : (bigPump.received() - bigBase) * (double) bigSize / 1e6;
    }

    @TearDown(Level.Iteration)
    public void end(IterationParams params) {
        int stalled = smallPump.stalledSince(before);
        if (stalled > 0) {
            System.out.println("STALL: " + stalled + " of " + small + " small sockets got no echo this iteration");
        }
        Histogram h = smallPump.intervalHistogram();
        LatencyProfiler.publish(h);
        if (params.getType() == IterationType.MEASUREMENT) {
            measured.add(h);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (measured.getTotalCount() > 0) {
            System.out.printf("%nLATENCY maxFrameSize=%d streamWindow=%d small=%d bigSockets=%d bigSize=%d: n=%d p50=%d p90=%d"
                            + " p99=%d p99.9=%d max=%d us (small round trips, all measurement iterations)%n",
                    maxFrameSize, streamWindow, small, bigSockets, bigSize, measured.getTotalCount(),
                    measured.getValueAtPercentile(50), measured.getValueAtPercentile(90), measured.getValueAtPercentile(99),
                    measured.getValueAtPercentile(99.9), measured.getMaxValue());
        }
        try {
            if (bigPump != null) {
                bigPump.close();
            }
            if (smallPump != null) {
                smallPump.close();
            }
            if (client != null) {
                client.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
