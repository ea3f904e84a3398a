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
 * Echo throughput on ONE socket with {@code window} messages in flight (one sent for every echo
 * received), the anchors' section 1. Server in a separate JVM. The {@code -tls} kinds run the
 * same over TLS (wss://; h2 by ALPN) against a self-signed certificate the client trusts.
 * {@code jetty-h1@h2ws} and {@code jetty-h2@h2ws} drive h2ws's server with Jetty's client, so that
 * against {@code jetty-h1}/{@code jetty-h2} only the server differs ({@code ServerAlone} runs that
 * pairing interleaved, with its spread). Read {@code echo:messages}
 * (msgs/s) and {@code echo:megabytes} (MB/s); see {@link NetworkRun} for why the primary score
 * is not the result.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.eclipse.jetty.LEVEL=WARN"})
@Threads(1)
public class EchoThroughputBench {
    @Param({"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw", "h2ws-h1", "h2ws-h2", "h2ws-h2msg",
            "jetty-h1-tls", "jetty-h2-tls", "h2ws-h1-tls", "h2ws-h2-tls", "h2ws-h2msg-tls",
            "jetty-h1@h2ws", "jetty-h2@h2ws"})
    public String client;
    @Param({"16", "1024", "65536", "1048576"})
    public int size;
    @Param({"64"})
    public int window;

    private NetworkRun run;

    @Setup(Level.Trial)
    public void start() throws Exception {
        run = new NetworkRun(client, 1, size, window);
    }

    @Setup(Level.Iteration)
    public void begin() {
        run.beginIteration();
    }

    @Benchmark
    public void echo(Echoes echoes) {
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
