package io.h2ws.cli.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The impaired path of the lab: two network namespaces joined by nothing but the userspace
 * delay line ({@code delayline.c}, compiled here with gcc) between a TUN device in each. Loss is
 * an nftables rule on each side's input (a dropped packet is lost in flight, not refused to the
 * sender), rate a tc tbf qdisc on each TUN's egress, delay and reordering the delay line's.
 * Everything it creates is removed by {@link #close()}, which a shutdown hook also runs.
 */
public final class LabNetwork implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LabNetwork.class);

    /** The client namespace's address. */
    public static final String CLIENT_ADDRESS = "10.213.0.1";
    /** The server namespace's address. */
    public static final String SERVER_ADDRESS = "10.213.0.2";
    static final String TUN = "lab0";
    static final String PREFIX = "h2wslab-";

    /** One network condition: loss per direction, round-trip delay, rate per direction (0: unlimited), reordering. */
    public record Impairment(double lossPercent, double rttMillis, double rateMbit, double reorderPercent, double reorderGapMillis) {
        /** Without reordering. */
        public Impairment(double lossPercent, double rttMillis, double rateMbit) {
            this(lossPercent, rttMillis, rateMbit, 0, 0);
        }

        /** "loss 1%, rtt 20 ms, 10 Mbit/s". */
        public String describe() {
            return String.format(Locale.ROOT, "loss %s%%, rtt %s ms, %s%s", fmt(lossPercent), fmt(rttMillis),
                    rateMbit <= 0 ? "unlimited" : fmt(rateMbit) + " Mbit/s",
                    reorderPercent > 0 ? ", reorder " + fmt(reorderPercent) + "% by " + fmt(reorderGapMillis) + " ms" : "");
        }

        static String fmt(double v) {
            return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    private final Map<String, String> tools;
    private final String clientNs;
    private final String serverNs;
    private final Path workDir;
    private final List<Process> processes = new ArrayList<>();
    private Process delayLine;
    private Writer delayLineIn;
    private BufferedReader delayLineOut;
    private final Thread hook;
    private boolean closed;
    private boolean realtime;
    private Path binary;

    private LabNetwork(Map<String, String> tools, Path workDir) {
        this.tools = tools;
        this.workDir = workDir;
        long pid = ProcessHandle.current().pid();
        this.clientNs = PREFIX + pid + "-c";
        this.serverNs = PREFIX + pid + "-s";
        this.hook = new Thread(this::closeQuietly, "h2ws-lab-cleanup");
    }

    /**
     * What this machine lacks for the lab, one line each (empty when nothing): root, the
     * commands ip, tc, nft and gcc, the TUN device, and network namespaces that can be created.
     */
    public static List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root: the lab creates network namespaces, TUN devices, nftables rules and tc qdiscs (run it as root or with sudo)");
        }
        Map<String, String> hints = new LinkedHashMap<>();
        hints.put("ip", "iproute2 (apt-get install -y iproute2)");
        hints.put("tc", "iproute2 (apt-get install -y iproute2)");
        hints.put("nft", "nftables (apt-get install -y nftables)");
        hints.put("gcc", "gcc, to build the delay line (apt-get install -y gcc)");
        for (Map.Entry<String, String> h : hints.entrySet()) {
            if (which(h.getKey()) == null) {
                missing.add("command " + h.getKey() + ": " + h.getValue());
            }
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            missing.add("/dev/net/tun: the TUN driver (modprobe tun)");
        }
        if (missing.isEmpty()) {
            // root is not always enough (a container without CAP_SYS_ADMIN): try it
            String probe = PREFIX + "probe-" + ProcessHandle.current().pid();
            Result r = run(List.of(which("ip"), "netns", "add", probe));
            if (r.code != 0) {
                missing.add("network namespaces: 'ip netns add' failed: " + r.output.strip());
            } else {
                run(List.of(which("ip"), "netns", "del", probe));
            }
        }
        return missing;
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The absolute path of {@code command} on PATH or in the sbin directories (often off a user's PATH), or null. */
    static String which(String command) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, command);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /**
     * Builds the path: removes namespaces left by lab runs that died (their pid is gone),
     * compiles and starts the delay line, creates the namespaces, configures addresses and
     * the nftables table, with no impairment yet.
     */
    public static LabNetwork start(Path workDir) throws IOException, InterruptedException {
        Map<String, String> tools = new LinkedHashMap<>();
        for (String t : List.of("ip", "tc", "nft", "gcc")) {
            tools.put(t, which(t));
        }
        Files.createDirectories(workDir);
        LabNetwork net = new LabNetwork(tools, workDir);
        Runtime.getRuntime().addShutdownHook(net.hook);
        try {
            net.removeStale();
            net.build();
        } catch (IOException | InterruptedException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void removeStale() {
        Result list = run(List.of(tools.get("ip"), "netns", "list"));
        Matcher m = Pattern.compile("(?m)^(" + Pattern.quote(PREFIX) + "(\\d+)-[cs])\\b").matcher(list.output);
        while (m.find()) {
            long pid = Long.parseLong(m.group(2));
            if (ProcessHandle.of(pid).isEmpty()) {
                LOG.info("removing namespace {} left by a lab run that ended without cleaning up", m.group(1));
                run(List.of(tools.get("ip"), "netns", "del", m.group(1)));
            }
        }
    }

    private void build() throws IOException, InterruptedException {
        Path src = workDir.resolve("delayline.c");
        try (InputStream in = LabNetwork.class.getResourceAsStream("delayline.c")) {
            if (in == null) {
                throw new IOException("delayline.c is missing from the jar");
            }
            Files.write(src, in.readAllBytes());
        }
        Path bin = workDir.resolve("delayline");
        must(List.of(tools.get("gcc"), "-O2", "-Wall", "-o", bin.toString(), src.toString(), "-lm"));
        this.binary = bin;
        must(List.of(tools.get("ip"), "netns", "add", clientNs));
        must(List.of(tools.get("ip"), "netns", "add", serverNs));
        delayLine = new ProcessBuilder(bin.toString(), "/run/netns/" + clientNs, TUN, "/run/netns/" + serverNs, TUN)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        delayLineIn = new OutputStreamWriter(delayLine.getOutputStream(), StandardCharsets.US_ASCII);
        delayLineOut = new BufferedReader(new InputStreamReader(delayLine.getInputStream(), StandardCharsets.US_ASCII));
        String ready = readLine(delayLineOut, 10_000);
        if (ready == null || !ready.startsWith("ready")) {
            throw new IOException("the delay line did not start (said " + ready + ")");
        }
        realtime = ready.contains("realtime=1");
        if (!realtime) {
            LOG.warn("the delay line could not take a real-time priority (SCHED_FIFO): expect more delay jitter");
        }
        for (String[] side : new String[][] {{clientNs, CLIENT_ADDRESS, SERVER_ADDRESS}, {serverNs, SERVER_ADDRESS, CLIENT_ADDRESS}}) {
            must(List.of(tools.get("ip"), "-n", side[0], "link", "set", "lo", "up"));
            must(List.of(tools.get("ip"), "-n", side[0], "link", "set", TUN, "mtu", "1500", "txqueuelen", "1000", "up"));
            must(List.of(tools.get("ip"), "-n", side[0], "addr", "add", side[1] + "/32", "peer", side[2], "dev", TUN));
            // one table per side; its input chain counts what arrives and drops the configured share
            nft(side[0], "add table inet h2wslab");
            nft(side[0], "add chain inet h2wslab in { type filter hook input priority 0; policy accept; }");
        }
        LOG.info("lab network up: {} ({}) <-> delay line <-> {} ({})", clientNs, CLIENT_ADDRESS, serverNs, SERVER_ADDRESS);
    }

    /** Applies {@code imp} to both directions, replacing the previous condition. */
    public void impair(Impairment imp) throws IOException, InterruptedException {
        long per100k = Math.round(imp.lossPercent() * 1000);
        for (String ns : List.of(clientNs, serverNs)) {
            nft(ns, "flush chain inet h2wslab in");
            nft(ns, "add rule inet h2wslab in iifname \"" + TUN + "\" meta nfproto ipv4 counter");
            if (per100k > 0) {
                nft(ns, "add rule inet h2wslab in iifname \"" + TUN + "\" meta nfproto ipv4 numgen random mod 100000 < "
                        + per100k + " counter drop");
            }
            if (imp.rateMbit() > 0) {
                long bytesPerSecond = Math.round(imp.rateMbit() * 1e6 / 8);
                // burst: 10 ms at the rate (at least two packets); queue: 100 ms at the rate, at least 16 KiB
                long burst = Math.max(3200, bytesPerSecond / 100);
                long limit = Math.max(16 * 1024, bytesPerSecond / 10);
                must(List.of(tools.get("tc"), "-n", ns, "qdisc", "replace", "dev", TUN, "root", "tbf",
                        "rate", Math.round(imp.rateMbit() * 1000) + "kbit", "burst", String.valueOf(burst), "limit", String.valueOf(limit)));
            } else {
                run(List.of(tools.get("tc"), "-n", ns, "qdisc", "del", "dev", TUN, "root")); // absent already is fine
            }
        }
        delayLine("delay " + Math.round(imp.rttMillis() * 1000 / 2));
        delayLine(String.format(Locale.ROOT, "reorder %d %d", Math.round(imp.reorderPercent() * 10), Math.round(imp.reorderGapMillis() * 1000)));
        delayLine("reset");
    }

    /**
     * The packets counted on input on both sides and the share the loss rule dropped, since the
     * last {@link #impair}: {@code {arrived, dropped}} (arrived counts the dropped ones too).
     */
    public long[] lossCounters() throws IOException, InterruptedException {
        long arrived = 0;
        long dropped = 0;
        for (String ns : List.of(clientNs, serverNs)) {
            Result r = run(List.of(tools.get("ip"), "netns", "exec", ns, tools.get("nft"), "list", "chain", "inet", "h2wslab", "in"));
            Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+( drop)?").matcher(r.output);
            while (m.find()) {
                if (m.group(2) == null) {
                    arrived += Long.parseLong(m.group(1));
                } else {
                    dropped += Long.parseLong(m.group(1));
                }
            }
        }
        return new long[] {arrived, dropped};
    }

    /** The delay line's counters and lateness since the last {@link #impair} (its "stats" line as a map). */
    public Map<String, String> delayLineStats() throws IOException {
        synchronized (this) {
            delayLineIn.write("stats\n");
            delayLineIn.flush();
            String line = readLine(delayLineOut, 5_000);
            if (line == null || !line.startsWith("stats ")) {
                throw new IOException("the delay line answered " + line);
            }
            return parse(line.substring(6));
        }
    }

    /**
     * {@code count} ICMP echoes {@code intervalMicros} apart from the client namespace to the
     * server's kernel, replies stamped by the client's kernel: the path's RTT without any JVM in it.
     */
    public Map<String, String> ping(int count, long intervalMicros) throws IOException {
        Result r = run(List.of(tools.get("ip"), "netns", "exec", clientNs, binary.toString(), "ping", SERVER_ADDRESS,
                String.valueOf(count), String.valueOf(intervalMicros)));
        String line = r.output.lines().filter(l -> l.startsWith("ping ")).findFirst().orElse(null);
        if (r.code != 0 || line == null) {
            throw new IOException("the ICMP probe failed (" + r.code + "): " + r.output.strip());
        }
        return parse(line.substring(5));
    }

    /**
     * The kernel's UDP counters in a namespace ({@code /proc/net/snmp}): datagrams delivered to
     * sockets ({@code InDatagrams}) and dropped for a full receive buffer ({@code RcvbufErrors}).
     * Both together are what reached the UDP layer, however late the receiving JVM reads.
     */
    public long[] udpCounters(boolean server) throws IOException {
        Result r = run(List.of(tools.get("ip"), "netns", "exec", server ? serverNs : clientNs, "cat", "/proc/net/snmp"));
        List<String> udp = r.output.lines().filter(l -> l.startsWith("Udp:")).toList();
        if (udp.size() < 2) {
            throw new IOException("no Udp lines in /proc/net/snmp: " + r.output);
        }
        List<String> names = List.of(udp.get(0).trim().split("\\s+"));
        String[] values = udp.get(1).trim().split("\\s+");
        return new long[] {Long.parseLong(values[names.indexOf("InDatagrams")]), Long.parseLong(values[names.indexOf("RcvbufErrors")])};
    }

    /** "key=value key=value" as a map, in order. */
    static Map<String, String> parse(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    /** Starts {@code command} inside the client ({@code server} false) or server namespace; it is killed on {@link #close()}. */
    public Process exec(boolean server, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of(tools.get("ip"), "netns", "exec", server ? serverNs : clientNs));
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** Whether the delay line runs at a real-time priority (SCHED_FIFO), as it should. */
    public boolean realtime() {
        return realtime;
    }

    /** The namespace names, client then server (for messages). */
    public List<String> namespaces() {
        return List.of(clientNs, serverNs);
    }

    private synchronized void delayLine(String command) throws IOException {
        delayLineIn.write(command + "\n");
        delayLineIn.flush();
        String answer = readLine(delayLineOut, 5_000);
        if (!"ok".equals(answer)) {
            throw new IOException("the delay line refused '" + command + "': " + answer);
        }
    }

    private void nft(String ns, String rule) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tools.get("ip"), "netns", "exec", ns, tools.get("nft")));
        cmd.addAll(List.of(rule.split(" ")));
        must(cmd);
    }

    /** Blocking reads of child processes: daemon threads of their own, never the common pool (one thread on two cores). */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "h2ws-lab-reader");
        t.setDaemon(true);
        return t;
    });

    /** Reads a line with a deadline, so a wedged helper fails the run instead of hanging it. */
    static String readLine(BufferedReader in, long timeoutMillis) throws IOException {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                return null;
            }
        }, READERS);
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IOException("no answer within " + timeoutMillis + " ms", e);
        }
    }

    private record Result(int code, String output) {}

    private static void must(List<String> cmd) throws IOException {
        Result r = run(cmd);
        if (r.code != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.code + "): " + r.output.strip());
        }
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            }, READERS);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", cmd) + ": timed out after 30 s");
            }
            return new Result(p.exitValue(), new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } catch (Exception e) {
            return new Result(-1, e.toString());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // the JVM is exiting: nothing else can be done
        }
    }

    /** Stops the agents and the delay line and deletes both namespaces (the TUN devices, rules and qdiscs go with them). Bounded. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
        }
        if (delayLine != null) {
            all.add(delayLine);
        }
        for (Process p : all) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Process p : all) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        String ip = tools.get("ip");
        if (ip != null) {
            for (String ns : List.of(clientNs, serverNs)) {
                run(List.of(ip, "netns", "del", ns));
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
        if (workDir != null) {
            deleteQuietly(workDir.resolve("delayline"));
            deleteQuietly(workDir.resolve("delayline.c"));
        }
        LOG.info("lab network removed");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover file in the work directory is harmless
        }
    }

}
