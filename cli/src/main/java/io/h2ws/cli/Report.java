package io.h2ws.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.h2ws.cli.measure.Workloads;

/**
 * The self-contained HTML report of {@code compare}: for each measurement what it is, which way
 * is better, a chart, a table and a line saying what the figures mean. No scripts or fonts.
 */
final class Report {

    /** Message sizes from here on are charted in MB/s: in messages/s their bars vanish next to 16 B ones. */
    static final int LARGE = 4096;

    /** The section headings, in order; the test checks that a full report has each. */
    static final List<String> SECTIONS = List.of("What is compared", "Echo throughput", "Multiplexing",
            "Opening sockets", "Opening sockets over TLS from a new client", "Heap per idle socket");

    /** One colour per transport, the same in every chart. */
    private static final Map<String, String> COLORS = Map.of(
            "h1", "#4e79a7", "h2", "#f28e2b", "h2msg", "#59a14f",
            "h1-tls", "#9cb9d9", "h2-tls", "#f8c28f", "h2msg-tls", "#a6d49d");

    private Report() {}

    static String html(CompareCommand.Results r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>h2ws compare</title>\n")
                .append("<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
                .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}svg{display:block;margin:.5em 0 1em}")
                .append("p.means{background:#f6f8fa;border-left:3px solid #4e79a7;padding:.4em .8em}dt{font-weight:bold}</style>\n")
                .append("</head><body>\n<h1>h2ws compare</h1>\n");
        h.append("<p class=\"run\"><b>This run:</b> ").append(esc(runLabel(r))).append("</p>\n");

        h.append("<h2>What is compared</h2>\n<dl>\n")
                .append("<dt>h1</dt><dd>WebSocket over HTTP/1.1 Upgrade (RFC 6455): one TCP connection per socket, RFC 6455 frames, client frames masked.</dd>\n")
                .append("<dt>h2</dt><dd>WebSocket over HTTP/2 (RFC 8441 extended CONNECT): one stream per socket, all sockets of a client on one TCP connection; "
                        + "RFC 6455 frames, masked, carried in HTTP/2 DATA frames.</dd>\n")
                .append("<dt>h2msg</dt><dd>h2ws's experimental HTTP/2 message mapping (<code>:protocol h2ws-message</code>, spec-notes/message-mapping.md): "
                        + "like h2, but each message travels as a 1-byte part header and its payload in DATA frames, with no RFC 6455 frame header and no masking.</dd>\n")
                .append("<dt>-tls</dt><dd>The same over TLS (wss://, ALPN, a self-signed certificate the client trusts).</dd>\n")
                .append("</dl>\n<p>Client and server run in this one JVM over loopback, so each figure includes both ends' work. "
                        + "Figures move between runs; compare the transports within one run.</p>\n");

        throughput(h, r);
        multiplex(h, r);
        open(h, "Opening sockets", "One client opens sockets one after another on a warm path: h1 makes a new TCP connection and Upgrade "
                + "for each, h2 and h2msg a new stream on the connection already open.", r.open(),
                "Lower is better: this is the wait before a socket can send.");
        if (!r.tlsOpen().isEmpty()) {
            open(h, "Opening sockets over TLS from a new client", "A new client opens sockets over TLS and holds them all open: h1 pays a TLS handshake per socket (the first full, "
                    + "the others resuming its session, TLS 1.3 PSK with ECDHE); h2 one full TLS handshake, then a stream per socket.", r.tlsOpen(),
                    "Lower is better: this is the wait before a new client's sockets can send, TLS handshakes included."
                            + CompareCommand.tlsOpenRatios(r.tlsOpen()).stream().map(x -> " " + x + ".").reduce("", String::concat));
        }
        if (!r.memory().isEmpty()) {
            h.append("<h2>Heap per idle socket</h2>\n<p>Heap growth per open, idle socket after full collections, client and server "
                    + "objects and buffers together (both ends are in this JVM). A few idle sockets make a noisy figure: 0 means less "
                    + "than this run could tell from the heap's own movement.</p>\n");
            Map<String, Map<String, Double>> heap = new LinkedHashMap<>();
            for (int i = 0; i < r.memory().size(); i++) {
                heap.computeIfAbsent(r.idle() + " idle sockets", k -> new LinkedHashMap<>()).put(r.memoryNames().get(i), r.memory().get(i)[0]);
            }
            h.append(chart("bytes per idle socket (lower is better)", heap, false));
            h.append("<table><tr><th>transport</th><th>bytes per socket</th></tr>\n");
            for (int i = 0; i < r.memory().size(); i++) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.0f</td></tr>%n", esc(r.memoryNames().get(i)), r.memory().get(i)[0]));
            }
            h.append("</table>\n");
            means(h, "Lower is better: this is what holding many quiet sockets costs. "
                    + lowest(heap, "B", "uses the least heap per socket"));
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    /** "64 messages in flight, 3 s per point after 1 s warm-up, OpenJDK ... 17, 2 cores, ...". */
    static String runLabel(CompareCommand.Results r) {
        return String.format(Locale.ROOT, "throughput with %d messages in flight on one socket; each point measured for %s s after a %s s warm-up; "
                        + "%s", r.window(), num(r.seconds()), num(r.warmupSeconds()), r.machine());
    }

    private static void throughput(StringBuilder h, CompareCommand.Results r) {
        h.append("<h2>Echo throughput</h2>\n<p>One socket keeps ").append(r.window())
                .append(" messages in flight: each echo received sends the next. Messages under ").append(LARGE / 1024)
                .append(" KiB are charted in messages/s (the per-message cost dominates), larger ones in MB/s (the cost per byte dominates).</p>\n");
        Map<String, Map<String, Double>> small = new LinkedHashMap<>();
        Map<String, Map<String, Double>> large = new LinkedHashMap<>();
        for (Workloads.Throughput t : r.throughput()) {
            if (t.size() < LARGE) {
                small.computeIfAbsent(size(t.size()), k -> new LinkedHashMap<>()).put(name(t.client()), t.messagesPerSecond());
            } else {
                large.computeIfAbsent(size(t.size()), k -> new LinkedHashMap<>()).put(name(t.client()), t.megabytesPerSecond());
            }
        }
        if (!small.isEmpty()) {
            h.append(chart("messages/s, messages under " + LARGE / 1024 + " KiB (higher is better)", small, false));
        }
        if (!large.isEmpty()) {
            h.append(chart("MB/s, messages of " + LARGE / 1024 + " KiB and more (higher is better)", large, false));
        }
        h.append("<table><tr><th>transport</th><th>size</th><th>msgs/s</th><th>MB/s</th></tr>\n");
        for (Workloads.Throughput t : r.throughput()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.0f</td><td>%.1f</td></tr>%n",
                    esc(name(t.client())), size(t.size()), t.messagesPerSecond(), t.megabytesPerSecond()));
        }
        h.append("</table>\n");
        List<String> best = new ArrayList<>();
        small.forEach((size, m) -> best.add(size + ": " + leader(m, true)));
        large.forEach((size, m) -> best.add(size + ": " + leader(m, true)));
        means(h, "Higher is better. Small messages measure the per-message work (framing, masking, HTTP/2 DATA frames and "
                + "window updates); large ones the per-byte work (copies, masking, flow control). Fastest per size: "
                + String.join("; ", best) + ".");
    }

    private static void multiplex(StringBuilder h, CompareCommand.Results r) {
        h.append("<h2>Multiplexing</h2>\n<p>N sockets each ping-pong 16 B (one message in flight per socket, the next sent when its echo "
                + "arrives). h1 uses N TCP connections; h2 and h2msg put all N sockets on one HTTP/2 connection.</p>\n");
        Map<String, Map<String, Double>> mux = new LinkedHashMap<>();
        Map<String, Map<String, Double>> p99 = new LinkedHashMap<>();
        for (Workloads.Latency l : r.multiplex()) {
            mux.computeIfAbsent("N=" + l.sockets(), k -> new LinkedHashMap<>()).put(name(l.client()), l.roundTripsPerSecond());
            p99.computeIfAbsent("N=" + l.sockets(), k -> new LinkedHashMap<>()).put(name(l.client()), l.p99());
        }
        h.append(chart("round trips/s, all sockets together (higher is better)", mux, false));
        h.append(chart("p99 round-trip latency, µs, log scale (lower is better)", p99, true));
        h.append("<table><tr><th>transport</th><th>sockets</th><th>round trips/s</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th></tr>\n");
        for (Workloads.Latency l : r.multiplex()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td></tr>%n",
                    esc(name(l.client())), l.sockets(), l.roundTripsPerSecond(), l.p50(), l.p99(), l.p999()));
        }
        h.append("</table>\n");
        List<String> best = new ArrayList<>();
        mux.forEach((n, m) -> best.add(n + ": most round trips " + leader(m, true) + "; lowest p99 " + leader(p99.get(n), false)));
        means(h, "Round trips/s: higher is better; latency: lower is better. With many sockets this shows what sharing one "
                + "connection costs or saves against one connection per socket. " + String.join(". ", best) + ".");
    }

    private static void open(StringBuilder h, String title, String what, List<Workloads.Open> rows, String meaning) {
        h.append("<h2>").append(esc(title)).append("</h2>\n<p>").append(esc(what)).append("</p>\n");
        Map<String, Map<String, Double>> cost = new LinkedHashMap<>();
        for (Workloads.Open o : rows) {
            cost.computeIfAbsent(o.sockets() + " sockets", k -> new LinkedHashMap<>()).put(name(o.client()), o.meanMicros());
        }
        h.append(chart("µs per socket opened (lower is better)", cost, false));
        h.append("<table><tr><th>transport</th><th>sockets</th><th>total ms</th><th>µs per socket</th></tr>\n");
        for (Workloads.Open o : rows) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.1f</td><td>%.1f</td></tr>%n",
                    esc(name(o.client())), o.sockets(), o.millis(), o.meanMicros()));
        }
        h.append("</table>\n");
        means(h, meaning + (meaning.isEmpty() || meaning.endsWith(".") ? " " : ". ") + lowest(cost, "µs", "opens sockets fastest"));
    }

    private static void means(StringBuilder h, String text) {
        h.append("<p class=\"means\"><b>What this means:</b> ").append(esc(text)).append("</p>\n");
    }

    /**
     * The best transport of a group against the runner-up: "h2msg, 1.37x h2" when higher is
     * better, "h2, 66% of h1" when lower is better; "h2 alone" for a single bar.
     */
    static String leader(Map<String, Double> m, boolean higherIsBetter) {
        if (m == null || m.isEmpty()) {
            return "-";
        }
        List<Map.Entry<String, Double>> e = new ArrayList<>(m.entrySet());
        e.sort((a, b) -> higherIsBetter ? Double.compare(b.getValue(), a.getValue()) : Double.compare(a.getValue(), b.getValue()));
        if (e.size() == 1) {
            return e.get(0).getKey() + " alone";
        }
        double best = e.get(0).getValue();
        double next = e.get(1).getValue();
        if (higherIsBetter) {
            return next > 0 ? String.format(Locale.ROOT, "%s, %.2fx %s", e.get(0).getKey(), best / next, e.get(1).getKey())
                    : e.get(0).getKey() + ", " + e.get(1).getKey() + " at 0";
        }
        return next > 0 ? String.format(Locale.ROOT, "%s, %.0f%% of %s", e.get(0).getKey(), 100 * best / next, e.get(1).getKey())
                : e.get(0).getKey();
    }

    private static String lowest(Map<String, Map<String, Double>> groups, String unit, String what) {
        List<String> parts = new ArrayList<>();
        groups.forEach((g, m) -> {
            Map.Entry<String, Double> min = m.entrySet().stream().min(Map.Entry.comparingByValue()).orElse(null);
            Map.Entry<String, Double> max = m.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
            if (min != null && m.size() > 1 && min.getValue() > 0) {
                parts.add(String.format(Locale.ROOT, "%s %s: %.0f %s against %.0f %s for %s", min.getKey(), what, min.getValue(), unit,
                        max.getValue(), unit, max.getKey()));
            }
        });
        return parts.isEmpty() ? "" : String.join("; ", parts) + ".";
    }

    private static String name(String client) {
        return client.replace("h2ws-", "");
    }

    private static String size(int bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " B";
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "");
    }

    /**
     * A grouped bar chart: one group per key of {@code groups}, one bar per series, each bar
     * labelled with its value. The axis runs from 0 to a round maximum in 1-2-5 steps, or on a
     * log scale over whole decades.
     */
    static String chart(String title, Map<String, Map<String, Double>> groups, boolean log) {
        Set<String> series = new LinkedHashSet<>();
        groups.values().forEach(m -> series.addAll(m.keySet()));
        List<String> names = new ArrayList<>(series);
        double max = groups.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        double min = groups.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElse(1);
        List<Double> ticks = log ? logTicks(min, max) : linearTicks(max);
        double lo = ticks.get(0);
        double hi = ticks.get(ticks.size() - 1);
        int barW = 30;
        int gap = 24;
        int groupW = names.size() * barW + gap;
        int chartH = 180;
        int top = 34;
        int left = 60;
        int width = Math.max(Math.max(left + Math.max(1, groups.size()) * groupW + 20, left + names.size() * 90 + 20), title.length() * 8 + 10);
        int height = top + chartH + 48;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">%n",
                width, height, esc(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", esc(title)));
        for (double v : ticks) {
            int y = top + chartH - (int) Math.round(chartH * scale(v, lo, hi, log));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text class=\"tick\" x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>%n",
                    left, width - 10, y, y, left - 4, y + 3, tickLabel(v, ticks)));
        }
        int gx = left + gap / 2;
        for (Map.Entry<String, Map<String, Double>> g : groups.entrySet()) {
            for (int i = 0; i < names.size(); i++) {
                Double v = g.getValue().get(names.get(i));
                if (v == null) {
                    continue;
                }
                int bh = (int) Math.round(chartH * scale(v, lo, hi, log));
                int x = gx + i * barW;
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %s: %s</title></rect>"
                                + "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%s</text>%n",
                        x, top + chartH - bh, barW - 3, bh, color(names.get(i), i), esc(names.get(i)), esc(g.getKey()), value(v),
                        x + (barW - 3) / 2, top + chartH - bh - 3, value(v)));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    gx + names.size() * barW / 2, top + chartH + 14, esc(g.getKey())));
            gx += groupW;
        }
        for (int i = 0; i < names.size(); i++) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n",
                    left + i * 90, height - 16, color(names.get(i), i), left + i * 90 + 14, height - 7, esc(names.get(i))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String color(String name, int i) {
        String[] spare = {"#e15759", "#76b7b2", "#edc948"};
        return COLORS.getOrDefault(name, spare[i % spare.length]);
    }

    /** Where {@code v} sits between the axis ends, 0..1. */
    private static double scale(double v, double lo, double hi, boolean log) {
        double f = log ? (v <= lo ? 0 : Math.log(v / lo) / Math.log(hi / lo)) : v / hi;
        return Math.max(0, Math.min(1, f));
    }

    /** 0 and 4 to 6 more ticks a 1, 2 or 5 times a power of ten apart, the last at or above {@code max}. */
    static List<Double> linearTicks(double max) {
        if (!(max > 0)) {
            max = 1;
        }
        double step = niceStep(max / 4);
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; i <= 8; i++) {
            ticks.add(i * step);
            if (i * step >= max * (1 - 1e-9)) {
                break;
            }
        }
        return ticks;
    }

    /** Powers of ten from at or below {@code min} to at or above {@code max}. */
    static List<Double> logTicks(double min, double max) {
        int a = (int) Math.floor(Math.log10(Math.max(min, 1e-9)) + 1e-9);
        int b = (int) Math.ceil(Math.log10(Math.max(max, min)) - 1e-9);
        if (b <= a) {
            b = a + 1;
        }
        List<Double> ticks = new ArrayList<>();
        for (int e = a; e <= b; e++) {
            ticks.add(Math.pow(10, e));
        }
        return ticks;
    }

    /** The smallest of 1, 2, 5 times a power of ten that is at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /**
     * A tick label with no more digits than the axis needs: 250k, 1.5M, 0.2 on a linear axis
     * (the suffix chosen by the largest tick, the decimals by the step); 10, 100, 1k, 10k on a
     * log axis.
     */
    static String tickLabel(double v, List<Double> ticks) {
        if (v == 0) {
            return "0";
        }
        boolean log = ticks.get(0) > 0;
        if (log) {
            double unit = v >= 1e6 ? 1e6 : v >= 1e3 ? 1e3 : 1;
            return plain(v / unit) + (unit == 1e6 ? "M" : unit == 1e3 ? "k" : "");
        }
        double top = ticks.get(ticks.size() - 1);
        double unit = top >= 1e6 ? 1e6 : top >= 1e4 ? 1e3 : 1;
        double step = (ticks.size() > 1 ? ticks.get(1) : top) / unit;
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v / unit) + (unit == 1e6 ? "M" : unit == 1e3 ? "k" : "");
    }

    /** 10, 0.1, 0.01: a power of ten without trailing zeros. */
    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** A bar's value, three significant digits at most: 253k, 6.8k, 93, 0.52. */
    static String value(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, v >= 1e8 ? "%.0fM" : v >= 1e7 ? "%.1fM" : "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, v >= 1e5 ? "%.0fk" : v >= 1e4 ? "%.1fk" : "%.2fk", v / 1e3);
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
