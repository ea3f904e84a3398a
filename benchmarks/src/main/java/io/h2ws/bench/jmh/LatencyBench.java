package io.h2ws.bench.jmh;

import java.util.concurrent.TimeUnit;

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

/**
 * Round-trip latency with ONE 16-byte message in flight on one socket (the anchors' section 2):
 * the echo callback sends the next message and records the round trip, as
 * {@code Workloads.latency} does. {@code roundTrip:messages} is round trips/s (mean latency =
 * 1 / that); percentiles: the {@code LATENCY} line at the end of each trial, or
 * {@code -prof io.h2ws.bench.jmh.LatencyProfiler} for per-iteration p50/p99/p99.9 in the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.eclipse.jetty.LEVEL=WARN"})
@Threads(1)
public class LatencyBench {
    @Param({"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw", "h2ws-h1", "h2ws-h2", "h2ws-h2msg"})
    public String client;
    @Param({"16"})
    public int size;
    @Param({"1"})
    public int inFlight;

    private NetworkRun run;

    @Setup(Level.Trial)
    public void start() throws Exception {
        run = new NetworkRun(client, 1, size, 1);
    }

    @Setup(Level.Iteration)
    public void begin() {
        run.beginIteration();
    }

    @Benchmark
    public void roundTrip(Echoes echoes) {
        run.tick(echoes);
    }

    @TearDown(Level.Iteration)
    public void end(IterationParams params) {
        run.endIteration(params);
    }

    @TearDown(Level.Trial)
    public void stop() {
        run.close();
    }
}
