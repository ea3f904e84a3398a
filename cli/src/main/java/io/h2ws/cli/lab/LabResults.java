package io.h2ws.cli.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Everything one lab run measured, and its CSV and JSON forms. */
final class LabResults {

    /** One measured point. */
    record Row(LabNetwork.Impairment imp, String transport, int connections, String workload, int sockets, Map<String, String> r) {
        boolean ok() {
            return "true".equals(r.get("ok"));
        }

        double num(String key) {
            try {
                return Double.parseDouble(r.getOrDefault(key, "NaN"));
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }

        String label(int k) {
            return label(transport, k);
        }

        static String label(String transport, int k) {
            return switch (transport) {
                case "h1" -> "h1 (N TCP)";
                case "h2" -> "h2 (1 TCP)";
                case "h2k" -> "h2 (" + k + " TCP)";
                case "h2msg" -> "h2msg (1 TCP)";
                default -> transport;
            };
        }
    }

    /** One network condition as configured and as measured back. */
    record Condition(LabNetwork.Impairment imp, Map<String, String> rtt, long arrived, long dropped, Map<String, String> delayLine) {
        double measuredLossPercent() {
            return arrived == 0 ? Double.NaN : 100.0 * dropped / arrived;
        }
    }

    /** The longest time no stream of the traced connection received a DATA frame, and what followed. */
    record Stall(long fromNanos, long toNanos, int streamsWaiting, int streamsReleased, double typicalGapMillis) {
        double millis() {
            return (toNanos - fromNanos) / 1e6;
        }
    }

    final String started;
    final String machine;
    final String commandLine;
    final String grid;
    final List<Row> rows = new ArrayList<>();
    final List<Condition> conditions = new ArrayList<>();
    Map<String, String> flood = Map.of();
    double seconds;
    boolean realtime;
    LabNetwork.Impairment traceImp;
    Path tracePath;
    Map<String, String> traceResult;
    Stall stall;
    String timelineSvg;

    LabResults(String started, String machine, String commandLine, String grid) {
        this.started = started;
        this.machine = machine;
        this.commandLine = commandLine;
        this.grid = grid;
    }

    void add(LabNetwork.Impairment imp, String transport, int connections, String workload, int sockets, Map<String, String> r) {
        rows.add(new Row(imp, transport, transport.equals("h2k") ? Math.min(connections, sockets) : transport.equals("h1") ? sockets : 1,
                workload, sockets, r));
    }

    void condition(LabNetwork.Impairment imp, Map<String, String> rtt, long[] counters, Map<String, String> delayLine) {
        conditions.add(new Condition(imp, rtt, counters[0], counters[1], delayLine));
    }

    /** Records the traced run, finds its longest all-stream stall and draws its timeline with {@code h2ws trace timeline}. */
    void traceRun(LabNetwork.Impairment imp, Path trace, Map<String, String> result) throws IOException {
        traceImp = imp;
        tracePath = trace;
        traceResult = result;
        if (!Files.exists(trace)) {
            return;
        }
        List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
        stall = longestStall(lines);
        Path svg = Files.createTempFile("h2ws-lab-timeline", ".svg");
        try {
            int code = io.h2ws.cli.Main.execute("trace", "timeline", trace.toString(), "--out", svg.toString(), "--width", "1100");
            if (code == 0) {
                timelineSvg = highlight(Files.readString(svg), lines, stall, 1100);
            }
        } finally {
            Files.deleteIfExists(svg);
        }
    }

    private static final Pattern T = Pattern.compile("\"t\":(\\d+)");
    private static final Pattern STREAM = Pattern.compile("\"stream\":(\\d+)");

    /**
     * Inbound DATA frames of the traced connection in time order, while the sockets were still
     * sending: a gap between two of them is a time when no stream received anything. Of the 20
     * widest gaps, the widest through whose second half at least half of the streams had a
     * message out, unanswered, is the stall (else the widest); the streams that received within 5 ms after
     * it ended show it was one stall shared by all (TCP head-of-line blocking), not one slow stream.
     */
    static Stall longestStall(List<String> lines) {
        List<long[]> in = new ArrayList<>();   // {t, stream}
        List<long[]> out = new ArrayList<>();
        for (String l : lines) {
            if (!l.contains("\"ev\":\"h2\"") || !l.contains("\"type\":\"DATA\"")) {
                continue;
            }
            Matcher t = T.matcher(l);
            Matcher s = STREAM.matcher(l);
            if (!t.find() || !s.find() || s.group(1).equals("0")) {
                continue;
            }
            long[] e = {Long.parseLong(t.group(1)), Long.parseLong(s.group(1))};
            (l.contains("\"dir\":\"in\"") ? in : out).add(e);
        }
        in.sort((a, b) -> Long.compare(a[0], b[0]));
        out.sort((a, b) -> Long.compare(a[0], b[0]));
        if (in.size() < 3 || out.isEmpty()) {
            return null;
        }
        // only while every socket was playing: after its last send the run is winding down
        long lastSend = out.get(out.size() - 1)[0];
        java.util.Set<Long> streams = new java.util.TreeSet<>();
        out.forEach(e -> streams.add(e[1]));
        List<Double> gaps = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 1; i < in.size() && in.get(i)[0] <= lastSend; i++) {
            gaps.add((in.get(i)[0] - in.get(i - 1)[0]) / 1e6);
            order.add(i);
        }
        if (gaps.isEmpty()) {
            return null;
        }
        order.sort((a, b) -> Long.compare(in.get(b)[0] - in.get(b - 1)[0], in.get(a)[0] - in.get(a - 1)[0]));
        gaps.sort(Double::compare);
        double median = gaps.get(gaps.size() / 2);
        Stall first = null;
        // the longest gaps first; the first one most streams were waiting through is the shared stall
        for (int c = 0; c < Math.min(20, order.size()); c++) {
            int i = order.get(c);
            long from = in.get(i - 1)[0];
            long to = in.get(i)[0];
            // waiting: a message out, unanswered, through at least the second half of the gap
            long half = from + (to - from) / 2;
            Map<Long, Long> lastIn = new TreeMap<>();
            Map<Long, Long> lastOut = new TreeMap<>();
            for (long[] e : in) {
                if (e[0] <= from) {
                    lastIn.put(e[1], e[0]);
                }
            }
            for (long[] e : out) {
                if (e[0] <= half) {
                    lastOut.put(e[1], e[0]);
                }
            }
            int waiting = 0;
            for (Map.Entry<Long, Long> o : lastOut.entrySet()) {
                if (o.getValue() > lastIn.getOrDefault(o.getKey(), -1L)) {
                    waiting++;
                }
            }
            java.util.Set<Long> released = new java.util.TreeSet<>();
            for (long[] e : in) {
                if (e[0] >= to && e[0] <= to + 5_000_000L) {
                    released.add(e[1]);
                }
            }
            Stall st = new Stall(from, to, waiting, released.size(), median);
            if (first == null) {
                first = st;
            }
            if (waiting * 2 >= streams.size()) {
                return st;
            }
        }
        return first;
    }

    /** Shades the stall on the timeline; the x mapping is the one {@code trace timeline} uses (label 230 px, 20 px right margin). */
    static String highlight(String svg, List<String> lines, Stall stall, int width) {
        if (stall == null) {
            return svg;
        }
        long t0 = Long.MAX_VALUE;
        long t1 = 0;
        for (String l : lines) {
            if (l.contains("\"ev\":\"trace\"")) {
                continue;
            }
            Matcher m = T.matcher(l);
            if (m.find()) {
                long t = Long.parseLong(m.group(1));
                t0 = Math.min(t0, t);
                t1 = Math.max(t1, t);
            }
        }
        Matcher h = Pattern.compile("height=\"(\\d+)\"").matcher(svg);
        if (t0 == Long.MAX_VALUE || !h.find()) {
            return svg;
        }
        int height = Integer.parseInt(h.group(1));
        double span = Math.max(1, t1 - t0);
        int plot = width - 230 - 20;
        double x0 = 230 + (stall.fromNanos() - t0) / span * plot;
        double x1 = 230 + (stall.toNanos() - t0) / span * plot;
        String mark = String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"62\" width=\"%.1f\" height=\"%d\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>"
                        + "<text x=\"%.1f\" y=\"60\" fill=\"#d62728\" font-weight=\"bold\">no stream received for %.0f ms</text>\n</svg>",
                x0, Math.max(2, x1 - x0), height - 62 - 50, x0, stall.millis());
        int end = svg.lastIndexOf("</svg>");
        return end < 0 ? svg : svg.substring(0, end) + mark + svg.substring(end + "</svg>".length());
    }

    static final String[] ROW_KEYS = {"count", "seconds", "rate", "p50_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms", "goodput_mbit", "server_msg_mbit", "echo_mbit",
        "min_share", "max_share", "open_failed", "open_ms", "stalled", "lingering_at_close", "lingering_after", "lingering_ms", "ok", "error"};

    String csv() {
        StringBuilder b = new StringBuilder("loss_percent,rtt_ms,rate_mbit,reorder_percent,transport,tcp_connections,workload,sockets");
        for (String k : ROW_KEYS) {
            b.append(',').append(k);
        }
        b.append('\n');
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%d,%s,%d", r.imp().lossPercent(), r.imp().rttMillis(), r.imp().rateMbit(),
                    r.imp().reorderPercent(), r.transport(), r.connections(), r.workload(), r.sockets()));
            for (String k : ROW_KEYS) {
                String v = r.r().getOrDefault(k, "");
                b.append(',').append(v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v);
            }
            b.append('\n');
        }
        return b.toString();
    }

    String json() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"started\": ").append(q(started)).append(",\n  \"machine\": ").append(q(machine))
                .append(",\n  \"command\": ").append(q(commandLine)).append(",\n  \"grid\": ").append(q(grid))
                .append(String.format(Locale.ROOT, ",\n  \"seconds\": %.1f", seconds))
                .append(",\n  \"delay_line_realtime\": ").append(realtime)
                .append(",\n  \"path_ceiling\": ").append(obj(flood)).append(",\n  \"conditions\": [\n");
        for (int i = 0; i < conditions.size(); i++) {
            Condition c = conditions.get(i);
            b.append("    {\"impairment\": ").append(imp(c.imp())).append(", \"icmp_rtt\": ").append(obj(c.rtt()))
                    .append(String.format(Locale.ROOT, ", \"packets_arrived\": %d, \"packets_dropped\": %d, \"measured_loss_percent\": %s",
                            c.arrived(), c.dropped(), num(c.measuredLossPercent())))
                    .append(", \"delay_line\": ").append(obj(c.delayLine())).append(i + 1 < conditions.size() ? "},\n" : "}\n");
        }
        b.append("  ],\n  \"points\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            b.append("    {\"impairment\": ").append(imp(r.imp())).append(", \"transport\": ").append(q(r.transport()))
                    .append(", \"tcp_connections\": ").append(r.connections()).append(", \"workload\": ").append(q(r.workload()))
                    .append(", \"sockets\": ").append(r.sockets()).append(", \"result\": ").append(obj(r.r()))
                    .append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        b.append("  ]");
        if (traceImp != null) {
            b.append(",\n  \"trace\": {\"impairment\": ").append(imp(traceImp)).append(", \"file\": ").append(q(String.valueOf(tracePath.getFileName())))
                    .append(", \"result\": ").append(obj(traceResult));
            if (stall != null) {
                b.append(String.format(Locale.ROOT, ", \"longest_stall_ms\": %.3f, \"streams_waiting\": %d, \"streams_released_within_5ms\": %d, \"median_gap_ms\": %.3f",
                        stall.millis(), stall.streamsWaiting(), stall.streamsReleased(), stall.typicalGapMillis()));
            }
            b.append('}');
        }
        return b.append("\n}\n").toString();
    }

    private static String imp(LabNetwork.Impairment i) {
        return String.format(Locale.ROOT, "{\"loss_percent\": %s, \"rtt_ms\": %s, \"rate_mbit\": %s, \"reorder_percent\": %s, \"reorder_gap_ms\": %s}",
                num(i.lossPercent()), num(i.rttMillis()), num(i.rateMbit()), num(i.reorderPercent()), num(i.reorderGapMillis()));
    }

    private static String obj(Map<String, String> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : (m == null ? Map.<String, String>of() : m).entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(q(e.getKey())).append(": ");
            String v = e.getValue();
            if (v.equals("true") || v.equals("false") || v.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
                b.append(v);
            } else {
                b.append(q(v));
            }
        }
        return b.append('}').toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%s", v) : "null";
    }

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** The rows of one condition, workload and socket count, by transport in grid order. */
    Map<String, Row> select(double loss, double rtt, double rate, double reorder, String workload, int n) {
        Map<String, Row> m = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.imp().lossPercent() == loss && r.imp().rttMillis() == rtt && r.imp().rateMbit() == rate
                    && r.imp().reorderPercent() == reorder && r.workload().equals(workload) && r.sockets() == n) {
                m.put(r.transport(), r);
            }
        }
        return m;
    }
}
