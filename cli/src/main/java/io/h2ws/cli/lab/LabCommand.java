package io.h2ws.cli.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code h2ws lab}: the server and the clients in two network namespaces joined by an impaired
 * path (loss, delay, rate, reordering on real TCP), a grid of conditions swept over each
 * transport and workload, and one self-contained HTML report with the raw data beside it.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"The impairment lab: h1, h2, h2 over K connections and h2msg under loss, delay and limited rate, "
                + "server and clients in separate JVMs and network namespaces. Needs root, ip, tc, nft, gcc and /dev/net/tun; "
                + "without them it says what is missing and exits 2."})
public final class LabCommand implements Callable<Integer> {

    static final int HTTP_PORT = 8080;
    static final int UDP_PORT = 9000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "A short grid for CI, under a minute: loss 0,1,5 %%, RTT 20 ms, 10 Mbit/s, 10 sockets, 0.4 s per point.")
    boolean quick;

    @Option(names = "--out", defaultValue = "h2ws-lab.html",
            description = "HTML report (default ${DEFAULT-VALUE}); the raw data goes beside it as .csv and .json, the trace as .trace.jsonl.")
    Path out;

    @Option(names = "--loss", split = ",", description = "Packet loss in percent, each direction (default 0,0.1,1,5; quick 0,1,5).")
    List<Double> loss;

    @Option(names = "--rtt", split = ",", description = "Added round-trip delay in ms, half each way (default 20; the issue's full grid: 0,20,100).")
    List<Double> rtt;

    @Option(names = "--rate", split = ",", description = "Rate limit in Mbit/s each direction, 0 for none (default 10: without a limit the stream runs measure the CPU; full grid: 0,10,1).")
    List<Double> rate;

    @Option(names = "--reorder", split = ",", description = "Share of packets held back, in percent (default 0).")
    List<Double> reorder;

    @Option(names = "--reorder-gap", defaultValue = "5", description = "How long a held-back packet waits after the others, ms (default ${DEFAULT-VALUE}).")
    double reorderGap;

    @Option(names = "--sockets", split = ",", description = "Socket counts N (default 1,10,100; quick 10).")
    List<Integer> sockets;

    @Option(names = "--transports", split = ",", defaultValue = "h1,h2,h2k,h2msg",
            description = "h1 (N TCP connections), h2 (one connection), h2k (--connections K), h2msg (message mapping). Default ${DEFAULT-VALUE}.")
    List<String> transports;

    @Option(names = "--connections", defaultValue = "4", description = "K for the h2k transport (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--workloads", split = ",", defaultValue = "pingpong,stream",
            description = "pingpong (16 B round trips: latency) and stream (64 KiB messages, 2 in flight per socket: goodput). Default ${DEFAULT-VALUE}.")
    List<String> workloads;

    @Option(names = "--seconds", description = "Measured seconds per point (default 2; quick 0.4).")
    Double seconds;

    @Option(names = "--trace-loss", defaultValue = "2", description = "Loss in %% for the traced h2 run drawn as a timeline; negative skips it (default ${DEFAULT-VALUE}).")
    double traceLoss;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> missing = LabNetwork.missing();
        if (!missing.isEmpty()) {
            err.println("h2ws lab: cannot run here; missing:");
            for (String m : missing) {
                err.println("  - " + m);
            }
            err.flush();
            return 2;
        }
        Grid g = grid();
        if (g.problem() != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), g.problem());
        }
        Path html = out.toAbsolutePath();
        Path dir = html.getParent();
        Files.createDirectories(dir);
        String base = html.getFileName().toString().replaceFirst("\\.html?$", "");
        Path work = Files.createTempDirectory("h2ws-lab");
        long started = System.nanoTime();
        LabResults results = new LabResults(Instant.now().toString(), machine(), commandLine(), g.describe());
        try (LabNetwork net = LabNetwork.start(work)) {
            o.println("h2ws lab: namespaces " + String.join(" and ", net.namespaces()) + ", " + g.points() + " points"
                    + (net.realtime() ? "" : "; the delay line has no real-time priority: expect more jitter"));
            results.realtime = net.realtime();
            o.flush();
            // both JVMs start at once: a second or two off the quick run
            Agent server = Agent.launch(net, true);
            Agent client = Agent.launch(net, false);
            server.awaitReady();
            client.awaitReady();
            // the delay line's packet-rate ceiling, on a clean path
            net.impair(new LabNetwork.Impairment(0, 0, 0));
            results.flood = client.call("flood seconds=" + (quick ? "0.5" : "1") + " size=64", 30);
            o.printf(Locale.ROOT, "path ceiling: %s packets/s delivered of %s offered (64 B UDP, one Java sender)%n",
                    results.flood.get("delivered_pps"), results.flood.get("offered_pps"));
            // both JVMs are cold: untimed runs first, or the first points measure the JIT (h1's code, and
            // h2msg's, which covers h2's HTTP/2 paths too)
            for (String t : g.transports.stream().filter(t -> t.equals("h1") || t.equals("h2msg")).toList()) {
                for (String w : List.of("pingpong", "stream")) {
                    client.call(String.format(Locale.ROOT, "run transport=%s workload=%s sockets=10 connections=%d seconds=0.3 warmup=0.1 size=%d window=2",
                            t, w, connections, w.equals("stream") ? 65536 : 16), 120);
                }
            }
            int done = 0;
            for (double rateMbit : g.rate) {
                for (double rttMs : g.rtt) {
                    for (double reo : g.reorder) {
                        for (double lossPct : g.loss) {
                            LabNetwork.Impairment imp = new LabNetwork.Impairment(lossPct, rttMs, rateMbit, reo, reo > 0 ? reorderGap : 0);
                            net.impair(imp);
                            Thread.sleep(300); // what the previous condition left queued drains first
                            Map<String, String> rttResult = net.ping(60, 3000);
                            for (String w : g.workloads) {
                                for (int n : g.sockets) {
                                    for (String t : g.transports) {
                                        if (t.equals("h2k") && n <= 1) {
                                            continue; // one socket on K connections is h2
                                        }
                                        Map<String, String> r = client.call(runCommand(t, w, n, g, null), 120 + g.seconds * 2);
                                        results.add(imp, t, connections, w, n, r);
                                        done++;
                                        o.printf(Locale.ROOT, "[%3d/%d] %-44s %-6s %-8s N=%-4d %s%n", done, g.points(), imp.describe(), t, w, n, summary(w, r));
                                        o.flush();
                                    }
                                }
                            }
                            long[] counters = net.lossCounters();
                            results.condition(imp, rttResult, counters, net.delayLineStats());
                        }
                    }
                }
            }
            if (traceLoss >= 0) {
                double traceRtt = g.rtt.stream().filter(x -> x > 0).findFirst().orElse(20.0);
                LabNetwork.Impairment imp = new LabNetwork.Impairment(traceLoss, traceRtt, 0);
                net.impair(imp);
                Path trace = dir.resolve(base + ".trace.jsonl");
                Map<String, String> r = client.call(String.format(Locale.ROOT, "run transport=h2 workload=pingpong sockets=6 connections=1 seconds=%s warmup=0.2 size=16 trace=%s", quick ? 0.8 : 1.5, trace), 120);
                results.traceRun(imp, trace, r);
                o.println("traced h2 run under " + imp.describe() + ": " + trace);
            }
            server.close();
            client.close();
        } finally {
            try (var files = Files.list(work)) {
                files.forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(work);
        }
        results.seconds = (System.nanoTime() - started) / 1e9;
        Path csv = dir.resolve(base + ".csv");
        Path json = dir.resolve(base + ".json");
        Files.writeString(csv, results.csv());
        Files.writeString(json, results.json());
        Files.writeString(html, LabReport.html(results, csv.getFileName().toString(), json.getFileName().toString()));
        o.printf(Locale.ROOT, "report: %s (%.0f s)%ndata: %s, %s%n", html, results.seconds, csv, json);
        o.flush();
        return 0;
    }

    private static String summary(String workload, Map<String, String> r) {
        if (!"true".equals(r.get("ok"))) {
            return "FAILED " + r.get("error");
        }
        // a streaming socket may rightly see no whole echo in a short interval; a ping-pong socket may not
        String extra = (!"0".equals(r.get("open_failed")) ? " open_failed=" + r.get("open_failed") : "")
                + (!"0".equals(r.get("stalled")) && !workload.equals("stream") ? " silent=" + r.get("stalled") : "")
                + (r.containsKey("lingering_after") && Double.parseDouble(r.get("lingering_after")) > 0 ? " server_still_open=" + r.get("lingering_after") : "");
        return (workload.equals("stream")
                ? "goodput " + r.get("goodput_mbit") + " Mbit/s"
                : "p50 " + r.get("p50_ms") + " p99 " + r.get("p99_ms") + " p99.9 " + r.get("p999_ms") + " ms (" + r.get("count") + ")") + extra;
    }

    private String runCommand(String t, String w, int n, Grid g, Path trace) {
        return String.format(Locale.ROOT, "run transport=%s workload=%s sockets=%d connections=%d seconds=%s warmup=%s size=%d window=2%s",
                t, w, n, t.equals("h2k") ? connections : 1, g.seconds, g.warmup, w.equals("stream") ? 65536 : 16,
                trace == null ? "" : " trace=" + trace);
    }

    /** The swept values after defaults. */
    record Grid(List<Double> loss, List<Double> rtt, List<Double> rate, List<Double> reorder, List<Integer> sockets,
                List<String> transports, List<String> workloads, double seconds, double warmup, String problem) {
        int points() {
            int perCondition = 0;
            for (int n : sockets) {
                for (String t : transports) {
                    if (!(t.equals("h2k") && n <= 1)) {
                        perCondition++;
                    }
                }
            }
            return loss.size() * rtt.size() * rate.size() * reorder.size() * workloads.size() * perCondition;
        }

        String describe() {
            return String.format(Locale.ROOT, "loss %s %%, rtt %s ms, rate %s Mbit/s (0: unlimited), reorder %s %%, sockets %s, transports %s, workloads %s, %s s per point after %s s warm-up",
                    loss, rtt, rate, reorder, sockets, transports, workloads, seconds, warmup);
        }
    }

    Grid grid() {
        List<Double> l = loss != null ? loss : quick ? List.of(0.0, 1.0, 5.0) : List.of(0.0, 0.1, 1.0, 5.0);
        List<Double> d = rtt != null ? rtt : List.of(20.0);
        List<Double> r = rate != null ? rate : List.of(10.0);
        List<Double> re = reorder != null ? reorder : List.of(0.0);
        List<Integer> n = sockets != null ? sockets : quick ? List.of(10) : List.of(1, 10, 100);
        double s = seconds != null ? seconds : quick ? 0.4 : 2.0;
        double warm = quick ? 0.2 : 0.5;
        String problem = null;
        if (l.stream().anyMatch(x -> x < 0 || x > 100) || d.stream().anyMatch(x -> x < 0 || x > 10_000)
                || r.stream().anyMatch(x -> x < 0) || re.stream().anyMatch(x -> x < 0 || x > 100)
                || n.stream().anyMatch(x -> x <= 0 || x > 10_000) || s <= 0 || connections <= 0 || reorderGap < 0) {
            problem = "loss and reorder in [0, 100], rtt in [0, 10000], rate not negative, sockets in [1, 10000], seconds and connections positive";
        }
        for (String t : transports) {
            if (!List.of("h1", "h2", "h2k", "h2msg").contains(t)) {
                problem = "unknown transport " + t + " (h1, h2, h2k, h2msg)";
            }
        }
        for (String w : workloads) {
            if (!List.of("pingpong", "stream").contains(w)) {
                problem = "unknown workload " + w + " (pingpong, stream)";
            }
        }
        return new Grid(l, d, r, re, n, List.copyOf(transports), List.copyOf(workloads), s, warm, problem);
    }

    private String commandLine() {
        return "h2ws " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    static String machine() {
        Runtime rt = Runtime.getRuntime();
        String kernel = "";
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            kernel = System.getProperty("os.version");
        }
        return String.format(Locale.ROOT, "%s %s, %d CPUs, Linux %s", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), rt.availableProcessors(), kernel);
    }

    /** One agent JVM in a namespace and its line protocol. */
    static final class Agent implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BufferedReader outLines;

        private Agent(Process process) {
            this.process = process;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.outLines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Starts an agent and waits (bounded) until it says it is ready. */
        static Agent start(LabNetwork net, boolean server) throws IOException {
            Agent a = launch(net, server);
            a.awaitReady();
            return a;
        }

        private boolean server;

        /** Starts an agent; {@link #awaitReady()} before the first call. */
        static Agent launch(LabNetwork net, boolean server) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), LabAgent.class.getName(),
                    server ? "server" : "client", LabNetwork.SERVER_ADDRESS, String.valueOf(HTTP_PORT), String.valueOf(UDP_PORT)));
            Agent a = new Agent(net.exec(server, cmd));
            a.server = server;
            return a;
        }

        void awaitReady() throws IOException {
            String ready = LabNetwork.readLine(outLines, 60_000);
            if (ready == null || !ready.startsWith("ready")) {
                throw new IOException("the " + (server ? "server" : "client") + " agent did not start (said " + ready + ")");
            }
        }

        /** Sends one command and waits (bounded) for its result line. */
        Map<String, String> call(String command, double timeoutSeconds) throws IOException {
            in.write(command + "\n");
            in.flush();
            long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
            while (System.nanoTime() < deadline) {
                String line = LabNetwork.readLine(outLines, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (line == null) {
                    throw new IOException("the client agent ended during: " + command);
                }
                if (line.startsWith("result ")) {
                    return new LinkedHashMap<>(LabNetwork.parse(line.substring(7)));
                }
            }
            throw new IOException("no result within " + timeoutSeconds + " s for: " + command);
        }

        @Override
        public void close() {
            try {
                in.close(); // the agent ends when its stdin does
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
