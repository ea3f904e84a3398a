package io.h2ws.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.h2ws.H2wsServer;
import io.h2ws.cli.measure.H2wsLoadClients;
import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * {@code h2ws compare}: an embedded server and the same measurements on each transport, side by
 * side in one run, so the ratios mean something on whatever machine runs it.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Measure the transports side by side against an embedded server; print a table, write an HTML report.")
final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--transports", split = ",", defaultValue = "h1,h2,h2msg",
            description = "Transports: h1, h2 (RFC 8441), h2msg (HTTP/2 message mapping), each also over TLS "
                    + "as h1-tls, h2-tls, h2msg-tls (wss://, ALPN, self-signed certificate). Default ${DEFAULT-VALUE}.")
    List<String> transports;

    @Option(names = "--tls", description = "Run every transport over TLS: h1 becomes h1-tls, h2 h2-tls, h2msg h2msg-tls"
            + " (default: as --transports names them).")
    boolean tls;

    @Option(names = "--tls-open", defaultValue = "1000", paramLabel = "N",
            description = "Sockets a new client opens and holds over TLS, per TLS transport: h1 pays that many TLS "
                    + "handshakes (the first full, the others resuming its session), h2 one handshake and that many "
                    + "streams; 0 skips. Default ${DEFAULT-VALUE}.")
    int tlsOpens;

    @Option(names = "--sockets", split = ",", defaultValue = "1,100,1000", paramLabel = "N",
            description = "Socket counts for the multiplexing run (16 B ping-pong). Default ${DEFAULT-VALUE}.")
    List<Integer> sockets;

    @Option(names = "--sizes", split = ",", defaultValue = "16,1024,65536", paramLabel = "BYTES",
            description = "Message sizes for the throughput run (--window in flight). Default ${DEFAULT-VALUE}.")
    List<Integer> sizes;

    @Option(names = "--seconds", defaultValue = "3", paramLabel = "SECONDS",
            description = "Measured seconds per point, after a warm-up of a third of it, at least 0.3 s (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--window", defaultValue = "64", paramLabel = "N",
            description = "Messages in flight on the socket of the throughput run (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--open", defaultValue = "200", paramLabel = "N",
            description = "Sockets opened one after another for the open-cost run (default ${DEFAULT-VALUE}).")
    int opens;

    @Option(names = "--idle", defaultValue = "1000", paramLabel = "N",
            description = "Idle sockets for the memory-per-socket run, 0 skips it (default ${DEFAULT-VALUE}).")
    int idle;

    @Option(names = "--report", defaultValue = "h2ws-compare.html", paramLabel = "FILE", description = "HTML report file (default ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--trace", paramLabel = "DIR",
            description = "Write JSON-lines traces (spec-notes/trace.md) into DIR: <transport>-client.jsonl and "
                    + "<transport>-server.jsonl per transport run. Tracing every frame slows the runs: use small runs"
                    + " (default: no trace).")
    Path traceDir;

    /**
     * The server's trace goes to the file of the transport being measured: the server is shared
     * by every run, so it traces into whichever writer is current.
     */
    private static final class Switch implements io.h2ws.trace.TraceListener {
        volatile io.h2ws.trace.TraceListener current;

        @Override
        public void onEvent(io.h2ws.trace.TraceEvent event) {
            io.h2ws.trace.TraceListener l = current;
            if (l != null) {
                l.onEvent(event);
            }
        }
    }

    /**
     * Everything measured, for the table and the report, and how: messages in flight per
     * socket in the throughput run, seconds measured and warmed up per point, idle sockets for
     * the heap run, and the JVM and machine.
     */
    record Results(List<Workloads.Throughput> throughput, List<Workloads.Latency> multiplex,
                   List<Workloads.Open> open, List<Workloads.Open> tlsOpen, List<double[]> memory,
                   List<String> memoryNames, String machine, int window, double seconds, double warmupSeconds, int idle) {}

    /** The transports each run as named in tables: h1, h2, h2msg, optionally with "-tls". */
    static final List<String> KNOWN = List.of("h1", "h2", "h2msg", "h1-tls", "h2-tls", "h2msg-tls");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> runs = new ArrayList<>();
        for (String t : transports) {
            if (!KNOWN.contains(t)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown transport " + t + " (" + String.join(", ", KNOWN) + ")");
            }
            String run = tls && !t.endsWith("-tls") ? t + "-tls" : t;
            if (!runs.contains(run)) {
                runs.add(run);
            }
        }
        boolean anyTls = runs.stream().anyMatch(t -> t.endsWith("-tls"));
        if (seconds <= 0 || tlsOpens < 0 || window <= 0 || sizes.stream().anyMatch(s -> s < 0) || sockets.stream().anyMatch(n -> n <= 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes, sockets, window and seconds must be positive");
        }
        Duration measure = Duration.ofMillis((long) (seconds * 1000));
        Duration warmup = Duration.ofMillis(Math.max(300, measure.toMillis() / 3));
        List<Workloads.Throughput> tp = new ArrayList<>();
        List<Workloads.Latency> mux = new ArrayList<>();
        List<Workloads.Open> open = new ArrayList<>();
        List<Workloads.Open> tlsOpen = new ArrayList<>();
        List<double[]> memory = new ArrayList<>();
        List<String> memoryNames = new ArrayList<>();
        int maxSockets = Math.max(Math.max(idle, anyTls ? tlsOpens : 0), sockets.stream().mapToInt(Integer::intValue).max().orElse(1));
        Switch serverTrace = traceDir == null ? null : new Switch();
        if (traceDir != null) {
            Files.createDirectories(traceDir);
        }
        // generated here rather than by the server, so this client can trust exactly that certificate
        SelfSignedCertificate cert = anyTls ? SelfSignedCertificate.generate() : null;
        H2wsServer.Builder builder = H2wsServer.builder().port(0).trace(serverTrace)
                .maxConcurrentStreams(Math.max(1024, maxSockets + 16))
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build());
        if (cert != null) {
            builder.tlsPort(0).keyStore(cert.keyStore(), SelfSignedCertificate.PASSWORD);
        }
        try (H2wsServer server = builder.build().start()) {
            SSLContext ssl = cert == null ? null : cert.clientContext();
            int steps = 0;
            for (String t : runs) {
                steps += sizes.size() + sockets.size() + 1 + (idle > 0 ? 1 : 0) + (t.endsWith("-tls") && tlsOpens > 0 ? 1 : 0);
            }
            int step = 0;
            for (String t : runs) {
                String kind = "h2ws-" + t;
                boolean overTls = t.endsWith("-tls");
                URI uri = URI.create((overTls ? "wss://127.0.0.1:" + server.tlsPort() : "ws://127.0.0.1:" + server.port()) + "/echo");
                SSLContext ctx = overTls ? ssl : null;
                io.h2ws.trace.JsonLinesTraceWriter clientTrace = null;
                io.h2ws.trace.JsonLinesTraceWriter serverWriter = null;
                if (traceDir != null) {
                    clientTrace = new io.h2ws.trace.JsonLinesTraceWriter(traceDir.resolve(t + "-client.jsonl"), "client");
                    serverWriter = new io.h2ws.trace.JsonLinesTraceWriter(traceDir.resolve(t + "-server.jsonl"), "server");
                    serverTrace.current = serverWriter;
                }
                final io.h2ws.trace.JsonLinesTraceWriter ct = clientTrace;
                try {
                    for (int size : sizes) {
                        progress(err, ++step, steps, t + " throughput " + size + " B");
                        try (LoadClient c = H2wsLoadClients.create(kind, uri, ctx, ct)) {
                            tp.add(Workloads.throughput(c, 1, size, window, warmup, measure));
                        }
                    }
                    for (int n : sockets) {
                        progress(err, ++step, steps, t + " " + n + " sockets ping-pong");
                        try (LoadClient c = H2wsLoadClients.create(kind, uri, ctx, ct)) {
                            mux.add(Workloads.latency(c, n, 16, warmup, measure));
                        }
                        settle(server);
                    }
                    progress(err, ++step, steps, t + " open " + opens + " sockets");
                    try (LoadClient c = H2wsLoadClients.create(kind, uri, ctx, ct)) {
                        Workloads.open(c, Math.min(20, opens)); // warm the path
                        settle(server);
                        open.add(Workloads.open(c, opens));
                    }
                    settle(server);
                    if (overTls && tlsOpens > 0) {
                        // a new client, so the count includes h2's one connection and its handshake, and a
                        // new SSLContext, so its first handshake is a full one (the JDK resumes sessions
                        // from the context's own cache); the open run above already warmed the code paths
                        progress(err, ++step, steps, t + " open " + tlsOpens + " sockets, new client");
                        try (LoadClient c = H2wsLoadClients.create(kind, uri, cert.clientContext(), ct)) {
                            tlsOpen.add(Workloads.open(c, tlsOpens));
                        }
                        settle(server);
                    }
                    if (idle > 0) {
                        progress(err, ++step, steps, t + " memory of " + idle + " idle sockets");
                        try (LoadClient c = H2wsLoadClients.create(kind, uri, ctx, ct)) {
                            memory.add(new double[] {heapPerSocket(c, idle)});
                            memoryNames.add(t);
                        }
                        settle(server);
                    }
                } finally {
                    if (serverTrace != null) {
                        serverTrace.current = null;
                        clientTrace.close();
                        serverWriter.close();
                    }
                }
            }
        }
        err.println();
        Results r = new Results(tp, mux, open, tlsOpen, memory, memoryNames, machine(), window,
                measure.toMillis() / 1000.0, warmup.toMillis() / 1000.0, idle);
        printTables(out, r);
        Path parent = report.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(report, Report.html(r));
        out.println();
        out.println("report: " + report.toAbsolutePath());
        if (traceDir != null) {
            out.println("traces: " + traceDir.toAbsolutePath() + " (<transport>-client.jsonl, <transport>-server.jsonl)");
        }
        out.flush();
        return 0;
    }

    private static void progress(PrintWriter err, int step, int steps, String what) {
        err.printf("\r[%2d/%d] %-48s", step, steps, what);
        err.flush();
    }

    /** Waits (bounded) for the previous run's sockets to finish closing, so runs do not overlap. */
    private static void settle(H2wsServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.openSockets() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * Heap growth per idle socket with both ends in this JVM (client and server objects, and
     * their buffers), measured after full collections.
     */
    private static double heapPerSocket(LoadClient c, int n) throws Exception {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        List<LoadClient.LoadSocket> held = new ArrayList<>();
        gc();
        long before = mem.getHeapMemoryUsage().getUsed();
        try {
            for (int i = 0; i < n; i++) {
                held.add(c.open(m -> { }).get(30, TimeUnit.SECONDS));
            }
            gc();
            long after = mem.getHeapMemoryUsage().getUsed();
            return Math.max(0, after - before) / (double) n;
        } finally {
            held.forEach(LoadClient.LoadSocket::close);
        }
    }

    private static void gc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    private static String machine() {
        Runtime rt = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%s %s, %d cores, max heap %d MiB, %s",
                System.getProperty("java.vm.name"), System.getProperty("java.version"), rt.availableProcessors(),
                rt.maxMemory() >> 20, System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    /** "h1-tls / h2-tls: 7.9x" for each TLS transport other than h1-tls, when h1-tls ran. */
    static List<String> tlsOpenRatios(List<Workloads.Open> rows) {
        List<String> lines = new ArrayList<>();
        Workloads.Open h1 = rows.stream().filter(o -> o.client().equals("h2ws-h1-tls")).findFirst().orElse(null);
        if (h1 != null) {
            for (Workloads.Open o : rows) {
                if (o != h1 && o.millis() > 0) {
                    lines.add(String.format(Locale.ROOT, "h1-tls / %s: %.1fx the time for %d sockets",
                            o.client().replace("h2ws-", ""), h1.millis() / o.millis(), o.sockets()));
                }
            }
        }
        return lines;
    }

    static void printTables(PrintWriter out, Results r) {
        out.println("h2ws compare: " + Report.runLabel(r));
        out.println();
        out.println("Echo throughput, 1 socket, " + (r.throughput().isEmpty() ? 0 : r.throughput().get(0).window()) + " messages in flight");
        out.printf(Locale.ROOT, "%-10s %10s %14s %10s%n", "transport", "size", "msgs/s", "MB/s");
        for (Workloads.Throughput t : r.throughput()) {
            out.printf(Locale.ROOT, "%-10s %10d %14.0f %10.1f%s%n", t.client().replace("h2ws-", ""), t.size(),
                    t.messagesPerSecond(), t.megabytesPerSecond(), t.stalledSockets() > 0 ? "  STALLED" : "");
        }
        out.println();
        out.println("Multiplexing: N sockets each ping-ponging 16 B (h2: one connection; h1: N connections)");
        out.printf(Locale.ROOT, "%-10s %8s %14s %10s %10s %10s%n", "transport", "sockets", "round trips/s", "p50 us", "p99 us", "p99.9 us");
        for (Workloads.Latency l : r.multiplex()) {
            out.printf(Locale.ROOT, "%-10s %8d %14.0f %10.0f %10.0f %10.0f%n", l.client().replace("h2ws-", ""), l.sockets(),
                    l.roundTripsPerSecond(), l.p50(), l.p99(), l.p999());
        }
        out.println();
        out.println("Opening sockets one after another (h2: new stream on the open connection; h1: new TCP connection)");
        out.printf(Locale.ROOT, "%-10s %8s %12s %12s%n", "transport", "sockets", "total ms", "us/socket");
        for (Workloads.Open o : r.open()) {
            out.printf(Locale.ROOT, "%-10s %8d %12.1f %12.1f%n", o.client().replace("h2ws-", ""), o.sockets(), o.millis(), o.meanMicros());
        }
        if (!r.tlsOpen().isEmpty()) {
            out.println();
            out.println("Opening sockets over TLS from a new client, all held open (h1: one TLS handshake per socket, "
                    + "the first full, the others resuming its session; h2: one full TLS handshake, then a stream per socket)");
            out.printf(Locale.ROOT, "%-10s %8s %12s %12s%n", "transport", "sockets", "total ms", "us/socket");
            for (Workloads.Open o : r.tlsOpen()) {
                out.printf(Locale.ROOT, "%-10s %8d %12.1f %12.1f%n", o.client().replace("h2ws-", ""), o.sockets(), o.millis(), o.meanMicros());
            }
            for (String ratio : tlsOpenRatios(r.tlsOpen())) {
                out.println(ratio);
            }
        }
        if (!r.memory().isEmpty()) {
            out.println();
            out.println("Heap per idle socket, client and server in this JVM");
            for (int i = 0; i < r.memory().size(); i++) {
                out.printf(Locale.ROOT, "%-10s %10.0f B%n", r.memoryNames().get(i), r.memory().get(i)[0]);
            }
        }
    }
}
