package io.h2ws.bench.jmh;

import io.h2ws.bench.Harness;
import io.h2ws.cli.measure.LoadClient;

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

/**
 * The cost of opening one WebSocket, sequentially (the anchors' section 4): h1 kinds pay a TCP
 * connect and an Upgrade; h2 kinds a new stream (extended CONNECT) on the one connection that
 * the first open made. JMH SampleTime: every open is one sample, so the table gives mean and
 * percentiles natively. The socket is closed in a per-invocation teardown, outside the timing.
 * Unlike the anchors (1500 sockets left open), at most one socket is open at a time here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.eclipse.jetty.LEVEL=WARN"})
@Threads(1)
public class OpenCostBench {
    @Param({"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw", "h2ws-h1", "h2ws-h2", "h2ws-h2msg"})
    public String client;

    private Harness harness;
    private LoadClient.LoadSocket socket;

    @Setup(Level.Trial)
    public void start() throws Exception {
        harness = Harness.start(client);
    }

    @Benchmark
    public Object open() throws Exception {
        socket = harness.client.open(m -> { }).get(30, TimeUnit.SECONDS);
        return socket;
    }

    @TearDown(Level.Invocation)
    public void closeSocket() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        harness.close();
    }
}
