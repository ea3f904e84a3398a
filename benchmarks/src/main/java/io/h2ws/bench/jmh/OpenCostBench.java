package io.h2ws.bench.jmh;

import io.h2ws.bench.Harness;
import io.h2ws.cli.measure.LoadClient;

import java.util.ArrayList;
import java.util.List;
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
 * The cost of opening WebSockets, sequentially (the anchors' section 4): h1 kinds pay a TCP
 * connect and an Upgrade (and over TLS a TLS handshake); h2 kinds a new stream (extended
 * CONNECT) on the one connection that the first open made. JMH SampleTime: every invocation is
 * one sample, so the table gives mean and percentiles natively.
 *
 * <p>An invocation opens {@code sockets} sockets one after another and holds them; they are
 * closed in a per-invocation teardown, outside the timing. With the default 1 at most one
 * socket is open at a time (unlike the anchors, which left 1500 open); a sample is then one
 * open. With {@code sockets=1000} a sample is the time for all 1000. {@code newClient=true}
 * gives each invocation a new client (made outside the timing, with a new TLS context), so an h2
 * kind's sample includes opening its one connection (over TLS: its one full TLS handshake). Over
 * TLS an h1 kind's first socket then pays a full handshake, and the others resume that session
 * (TLS 1.3 PSK with ECDHE: no certificate signed or checked), as any JDK client reusing one
 * SSLContext does; without {@code newClient} every h1 handshake is such a resumption.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.eclipse.jetty.LEVEL=WARN"})
@Threads(1)
public class OpenCostBench {
    @Param({"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw", "h2ws-h1", "h2ws-h2", "h2ws-h2msg",
            "jetty-h1-tls", "jetty-h2-tls", "h2ws-h1-tls", "h2ws-h2-tls", "h2ws-h2msg-tls"})
    public String client;
    @Param({"1"})
    public int sockets;
    @Param({"false"})
    public boolean newClient;

    private Harness harness;
    private LoadClient fresh;
    private final List<LoadClient.LoadSocket> open = new ArrayList<>();

    @Setup(Level.Trial)
    public void start() throws Exception {
        harness = Harness.start(client);
    }

    @Setup(Level.Invocation)
    public void makeClient() throws Exception {
        if (newClient) {
            fresh = harness.newClient();
        }
    }

    @Benchmark
    public Object open() throws Exception {
        LoadClient c = fresh != null ? fresh : harness.client;
        for (int i = 0; i < sockets; i++) {
            open.add(c.open(m -> { }).get(30, TimeUnit.SECONDS));
        }
        return open;
    }

    @TearDown(Level.Invocation)
    public void closeSockets() {
        open.forEach(LoadClient.LoadSocket::close);
        open.clear();
        if (fresh != null) {
            fresh.close();
            fresh = null;
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        harness.close();
    }
}
