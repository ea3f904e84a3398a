package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server alone (issue 19): ONE load client, not h2ws's own, drives h2ws's echo server and
 * Jetty's echo server, each in its own JVM ({@link ServerProcess}), from this third JVM, in
 * interleaved rounds (h2ws, Jetty, h2ws, Jetty, ...), so that only the server differs and slow
 * drift of a shared machine hits both alike.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.ServerAlone [--rounds 5] [--seconds 2]
 *     [--warmup 12] [--clients jetty-h1,jetty-h2] [--sizes 16,1024,65536,1048576] [--window 64]
 *     [--sockets 100] [--multi-sizes 16,1024] [--out file.md]</pre>
 *
 * <p>Per client kind both servers start once ({@code h2ws}, and {@code jetty-h1} or
 * {@code jetty-h2} to match the client), and per point (size, sockets) the client opens its
 * sockets to both and keeps them: a round resumes one server's sockets ({@code window} messages
 * in flight on each, one sent for every echo received), counts echoes for {@code --seconds}
 * after a short settle, then pauses it and waits until its in-flight messages drained before
 * the other server's round. Client and both servers stay warm across rounds.
 *
 * <p>Warm-up rule: alternating slices of one second (or {@code --seconds} if shorter) on each
 * server until each one's last three slices are within 10% of each other (max/min &lt;= 1.10),
 * or {@code --warmup} seconds per server have passed; a point that did not plateau is marked.
 *
 * <p>The table: per point, msgs/s median and min-max over the rounds for each server, and the
 * ratio h2ws/Jetty of each round pair (the two rounds measured next to each other), median and
 * min-max. Performance is not asserted: this prints what it measured.
 */
public final class ServerAlone {
    private static final double PLATEAU = 1.10;
    private static final long SETTLE_MILLIS = 150;
    private static final long DRAIN_SECONDS = 30;

    private ServerAlone() {}

    /** A run's settings, from the command line. */
    record Options(int rounds, double seconds, double warmupSeconds, List<String> clients, List<Integer> sizes, int window,
                   int sockets, List<Integer> multiSizes, Path out) {

        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
                }
                m.put(args[i].substring(2), args[++i]);
            }
            Options o = new Options(
                    Integer.parseInt(m.getOrDefault("rounds", "5")),
                    Double.parseDouble(m.getOrDefault("seconds", "2")),
                    Double.parseDouble(m.getOrDefault("warmup", "12")),
                    List.of(m.getOrDefault("clients", "jetty-h1,jetty-h2").split(",")),
                    ints(m.getOrDefault("sizes", "16,1024,65536,1048576")),
                    Integer.parseInt(m.getOrDefault("window", "64")),
                    Integer.parseInt(m.getOrDefault("sockets", "100")),
                    ints(m.getOrDefault("multi-sizes", "16,1024")),
                    m.containsKey("out") ? Path.of(m.get("out")) : null);
            for (String k : m.keySet()) {
                if (!List.of("rounds", "seconds", "warmup", "clients", "sizes", "window", "sockets", "multi-sizes", "out").contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k);
                }
            }
            if (o.rounds < 1 || o.seconds <= 0 || o.warmupSeconds < 0 || o.window < 1 || o.sockets < 0) {
                throw new IllegalArgumentException("rounds >= 1, seconds > 0, warmup >= 0, window >= 1, sockets >= 0");
            }
            for (String c : o.clients) {
                jettyServerFor(c);
            }
            return o;
        }

        private static List<Integer> ints(String csv) {
            return csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
        }
    }

    /** Jetty's server kind a load client kind is compared on (h2ws's serves h1 and h2c on one port). */
    static String jettyServerFor(String clientKind) {
        return switch (clientKind) {
            case "jetty-h1", "netty-h1" -> "jetty-h1";
            case "jetty-h2" -> "jetty-h2";
            default -> throw new IllegalArgumentException("load client '" + clientKind
                    + "' is not a third party's cleartext WebSocket client; use jetty-h1, jetty-h2 or netty-h1");
        };
    }

    /** One point's result: msgs/s per round for each server, paired by round. */
    record Point(String client, int sockets, int size, double[] h2ws, double[] jetty, boolean plateaued, int h2wsStalls, int jettyStalls) {
        double[] ratios() {
            double[] r = new double[h2ws.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = h2ws[i] / jetty[i];
            }
            return r;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ServerAlone: " + e.getMessage());
            System.exit(2);
            return;
        }
        String loadBefore = loadAverage();
        System.out.println("ServerAlone " + String.join(" ", args) + "  (load before: " + loadBefore + ")");
        List<Point> points = new ArrayList<>();
        for (String client : o.clients) {
            points.addAll(runClient(o, client));
        }
        String table = markdown(o, points, loadBefore, loadAverage(), String.join(" ", args));
        System.out.println();
        System.out.println(table);
        if (o.out != null) {
            Files.writeString(o.out, table, StandardCharsets.UTF_8);
        }
    }

    /** Both servers for one load client kind, every point, interleaved rounds. */
    static List<Point> runClient(Options o, String clientKind) throws Exception {
        List<Point> points = new ArrayList<>();
        try (ServerProcess h2ws = ServerProcess.start("h2ws");
             ServerProcess jetty = ServerProcess.start(jettyServerFor(clientKind));
             LoadClient toH2ws = Clients.create(clientKind, Clients.uriFor(clientKind, h2ws.port()));
             LoadClient toJetty = Clients.create(clientKind, Clients.uriFor(clientKind, jetty.port()))) {
            System.out.println("# " + clientKind + ": " + h2ws + ", " + jetty + ", client pid " + ProcessHandle.current().pid());
            for (int size : o.sizes) {
                points.add(runPoint(o, clientKind, toH2ws, toJetty, 1, size));
            }
            if (o.sockets > 0) {
                for (int size : o.multiSizes) {
                    points.add(runPoint(o, clientKind, toH2ws, toJetty, o.sockets, size));
                }
            }
        }
        return points;
    }

    private static Point runPoint(Options o, String clientKind, LoadClient toH2ws, LoadClient toJetty, int sockets, int size)
            throws Exception {
        try (GatedPump a = GatedPump.open(toH2ws, sockets, size, o.window);
             GatedPump b = GatedPump.open(toJetty, sockets, size, o.window)) {
            long sliceNanos = (long) (Math.min(1.0, o.seconds) * 1e9);
            List<Double> wa = new ArrayList<>();
            List<Double> wb = new ArrayList<>();
            long cap = (long) (o.warmupSeconds * 1e9);
            long spent = 0;
            while (spent < cap && !(plateaued(wa) && plateaued(wb))) {
                wa.add(a.round(sliceNanos).rate());
                wb.add(b.round(sliceNanos).rate());
                spent += sliceNanos + SETTLE_MILLIS * 1_000_000;
            }
            boolean plateau = plateaued(wa) && plateaued(wb);
            double[] ra = new double[o.rounds];
            double[] rb = new double[o.rounds];
            int stallsA = 0;
            int stallsB = 0;
            long roundNanos = (long) (o.seconds * 1e9);
            for (int i = 0; i < o.rounds; i++) {
                Round x = a.round(roundNanos);
                Round y = b.round(roundNanos);
                ra[i] = x.rate();
                rb[i] = y.rate();
                stallsA += x.stalled();
                stallsB += y.stalled();
            }
            Point p = new Point(clientKind, sockets, size, ra, rb, plateau, stallsA, stallsB);
            System.out.printf(Locale.ROOT, "%-9s sockets=%-4d size=%-8d warm-up %d slices%s | h2ws %s | jetty %s | ratio %s%s%n",
                    clientKind, sockets, size, wa.size(), plateau ? "" : " (no plateau)", stats(ra, 0), stats(rb, 0),
                    stats(p.ratios(), 2), stallsA + stallsB == 0 ? ""
                            : " | socket-rounds without an echo: h2ws " + stallsA + ", jetty " + stallsB);
            return p;
        }
    }

    /** The last three slices within {@link #PLATEAU} of each other. */
    static boolean plateaued(List<Double> slices) {
        if (slices.size() < 3) {
            return false;
        }
        List<Double> last = slices.subList(slices.size() - 3, slices.size());
        double min = last.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = last.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return min > 0 && max / min <= PLATEAU;
    }

    /** One measured stretch of one server. */
    record Round(long echoes, long nanos, int stalled) {
        double rate() {
            return echoes / (nanos / 1e9);
        }
    }

    /**
     * Sockets to one server that can be paused: running, each echo received sends the next
     * message, so {@code window} stay in flight; paused, echoes are only counted back until none
     * is in flight, so the other server's round runs alone.
     */
    static final class GatedPump implements AutoCloseable {
        private final List<LoadClient.LoadSocket> sockets = new ArrayList<>();
        private final List<AtomicLong> perSocket = new ArrayList<>();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final LongAdder received = new LongAdder();
        private final AtomicLong wrongSize = new AtomicLong();
        private final ByteBuffer payload;
        private final int window;
        private volatile boolean running;

        private GatedPump(int size, int window) {
            this.payload = Workloads.payload(size);
            this.window = window;
        }

        static GatedPump open(LoadClient client, int count, int size, int window) throws Exception {
            GatedPump p = new GatedPump(size, window);
            try {
                List<CompletableFuture<LoadClient.LoadSocket>> opening = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    AtomicLong mine = new AtomicLong();
                    int index = i;
                    p.perSocket.add(mine);
                    opening.add(client.open(msg -> p.onEcho(index, mine, msg)));
                }
                for (CompletableFuture<LoadClient.LoadSocket> f : opening) {
                    p.sockets.add(f.get(30, TimeUnit.SECONDS));
                }
            } catch (Exception | Error e) {
                p.close();
                throw e;
            }
            return p;
        }

        private void onEcho(int index, AtomicLong mine, ByteBuffer msg) {
            if (msg.remaining() != payload.remaining()) {
                wrongSize.incrementAndGet();
            }
            received.increment();
            mine.incrementAndGet();
            if (running) {
                sockets.get(index).send(payload.duplicate());
            } else {
                inFlight.decrementAndGet();
            }
        }

        /** Echoes received so far on each socket. */
        long[] perSocket() {
            return perSocket.stream().mapToLong(AtomicLong::get).toArray();
        }

        /** Echoes received so far. */
        long received() {
            return received.sum();
        }

        /** Runs for a settle, counts echoes for {@code nanos}, then pauses and drains. */
        Round round(long nanos) throws Exception {
            running = true;
            for (LoadClient.LoadSocket s : sockets) {
                for (int w = 0; w < window; w++) {
                    inFlight.incrementAndGet();
                    s.send(payload.duplicate());
                }
            }
            Thread.sleep(SETTLE_MILLIS);
            long[] before = perSocket.stream().mapToLong(AtomicLong::get).toArray();
            long n0 = received.sum();
            long t0 = System.nanoTime();
            TimeUnit.NANOSECONDS.sleep(nanos);
            long n1 = received.sum();
            long t1 = System.nanoTime();
            int stalled = 0;
            for (int i = 0; i < before.length; i++) {
                if (perSocket.get(i).get() == before[i]) {
                    stalled++;
                }
            }
            running = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (inFlight.get() > 0) {
                throw new IllegalStateException(inFlight.get() + " messages still in flight " + DRAIN_SECONDS + " s after pausing");
            }
            if (wrongSize.get() > 0) {
                throw new IllegalStateException(wrongSize.get() + " echoes came back with the wrong size");
            }
            return new Round(n1 - n0, t1 - t0, stalled);
        }

        @Override
        public void close() {
            running = false;
            sockets.forEach(LoadClient.LoadSocket::close);
        }
    }

    /** "median [min-max]". */
    static String stats(double[] v, int decimals) {
        double[] s = v.clone();
        Arrays.sort(s);
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", median(s), s[0], s[s.length - 1]);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String fmtRate(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)", median(s), s[0], s[s.length - 1]);
    }

    private static String fmtRatio(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "**%.2f** (%.2f-%.2f)", median(s), s[0], s[s.length - 1]);
    }

    /** The table the notes quote, with what produced it. */
    static String markdown(Options o, List<Point> points, String loadBefore, String loadAfter, String args) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Server alone, %s, %d cores, %s; load average before %s, after %s.%n%n",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE), Runtime.getRuntime().availableProcessors(),
                "Java " + System.getProperty("java.version"), loadBefore, loadAfter));
        b.append(String.format(Locale.ROOT, "`java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.ServerAlone %s`%n%n", args));
        b.append(String.format(Locale.ROOT, "%d interleaved round pairs of %.1f s per server per point; window %d per socket.%n%n",
                o.rounds, o.seconds, o.window));
        b.append("| load client | sockets | size | h2ws msgs/s median (min-max) | Jetty msgs/s median (min-max) | h2ws/Jetty median (min-max) |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        for (Point p : points) {
            String note = (p.plateaued ? "" : " ¹") + (p.h2wsStalls + p.jettyStalls > 0 ? " ²" : "");
            b.append(String.format(Locale.ROOT, "| %s | %d | %s%s | %s | %s | %s |%n", p.client, p.sockets, size(p.size), note,
                    fmtRate(p.h2ws), fmtRate(p.jetty), fmtRatio(p.ratios())));
        }
        if (points.stream().anyMatch(p -> !p.plateaued)) {
            b.append("\n¹ no plateau within the warm-up cap (last 3 one-second slices of each server not within 10%).\n");
        }
        for (Point p : points) {
            if (p.h2wsStalls + p.jettyStalls > 0) {
                b.append(String.format(Locale.ROOT, "%n² %s, %d sockets, %s: a socket got no echo in a measured round "
                        + "(socket-rounds: h2ws %d, Jetty %d).%n", p.client, p.sockets, size(p.size), p.h2wsStalls, p.jettyStalls));
            }
        }
        return b.toString();
    }

    private static String size(int bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
