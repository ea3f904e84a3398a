package io.h2ws.cli.lab;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The lab's self-contained HTML report: inline SVG plots and tables, no scripts, fonts or fetches. */
final class LabReport {

    private static final int W = 380;
    private static final int H = 250;
    private static final int L = 58;
    private static final int R = 12;
    private static final int TOP = 28;
    private static final int BOTTOM = 40;

    private LabReport() {}

    static String color(String transport) {
        return switch (transport) {
            case "h1" -> "#e15759";
            case "h2" -> "#4e79a7";
            case "h2k" -> "#59a14f";
            case "h2msg" -> "#f28e2b";
            default -> "#777";
        };
    }

    /** A (rtt, rate, reorder) setting: the panels of a plot are one per setting and socket count. */
    private record Setting(double rtt, double rate, double reorder) {
        String describe() {
            return "RTT " + LabNetwork.Impairment.fmt(rtt) + " ms, " + (rate <= 0 ? "unlimited" : LabNetwork.Impairment.fmt(rate) + " Mbit/s")
                    + (reorder > 0 ? ", reorder " + LabNetwork.Impairment.fmt(reorder) + "%" : "");
        }
    }

    static String html(LabResults r, String csvName, String jsonName) {
        StringBuilder h = new StringBuilder(256 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>h2ws impairment lab</title>\n<style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;max-width:88em;margin:1.5em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:12px}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}.panels svg{display:inline-block;margin:0 .6em .8em 0;vertical-align:top}")
                .append(".note{color:#555;font-size:13px}.legend span{display:inline-block;margin-right:1.2em}.legend i{display:inline-block;width:22px;height:4px;vertical-align:middle;margin-right:.3em}")
                .append("</style>\n</head><body>\n<h1>h2ws impairment lab</h1>\n");
        h.append("<p>When does one HTTP/2 connection (every WebSocket on one TCP connection: one congestion window, TCP head-of-line blocking) lose to N HTTP/1.1 connections? ")
                .append("Server and clients run in separate JVMs in two network namespaces, joined only by a userspace delay line between two TUN devices; loss is an nftables rule on each side's input, rate a tc tbf qdisc on each side's egress. ")
                .append("Loss and rate apply to each direction; the RTT is added, half each way.</p>\n");
        h.append("<p class=\"note\">").append(esc(r.machine)).append(" · started ").append(esc(r.started)).append(" · ")
                .append(String.format(Locale.ROOT, "%.0f s", r.seconds)).append(" · <code>").append(esc(r.commandLine)).append("</code><br/>grid: ")
                .append(esc(r.grid)).append("<br/>raw data: <code>").append(esc(csvName)).append("</code>, <code>").append(esc(jsonName)).append("</code> beside this file</p>\n");
        legend(h, r);

        List<Setting> settings = new ArrayList<>();
        Set<Integer> ns = new LinkedHashSet<>();
        List<Double> losses = new ArrayList<>();
        for (LabResults.Row row : r.rows) {
            Setting s = new Setting(row.imp().rttMillis(), row.imp().rateMbit(), row.imp().reorderPercent());
            if (!settings.contains(s)) {
                settings.add(s);
            }
            ns.add(row.sockets());
            if (!losses.contains(row.imp().lossPercent())) {
                losses.add(row.imp().lossPercent());
            }
        }
        losses.sort(Double::compare);
        List<String> transports = new ArrayList<>();
        for (LabResults.Row row : r.rows) {
            if (!transports.contains(row.transport())) {
                transports.add(row.transport());
            }
        }
        int k = r.rows.stream().filter(x -> x.transport().equals("h2k")).mapToInt(LabResults.Row::connections).max().orElse(0);

        h.append("<h2>p99 round-trip latency vs loss (N sockets each ping-ponging 16 B)</h2>\n<div class=\"panels\">");
        for (Setting s : settings) {
            for (int n : ns) {
                h.append(lossPlot(r, s, n, losses, transports, "pingpong", "p99_ms", "p99 ms", true));
            }
        }
        h.append("</div>\n<h2>Goodput vs loss (N sockets each streaming 64 KiB messages, 2 in flight per socket, echoed; the bytes the server's TCP acknowledged per second)</h2>\n<div class=\"panels\">");
        for (Setting s : settings) {
            for (int n : ns) {
                h.append(lossPlot(r, s, n, losses, transports, "stream", "goodput_mbit", "Mbit/s acknowledged", false));
            }
        }
        double cdfLoss = losses.stream().min((a, b) -> Double.compare(Math.abs(a - 1), Math.abs(b - 1))).orElse(1.0);
        h.append("</div>\n<h2>Per-message latency at ").append(LabNetwork.Impairment.fmt(cdfLoss))
                .append("% loss (CDF; the vertical axis stretches the tail: 90%, 99%, 99.9%...)</h2>\n<div class=\"panels\">");
        for (Setting s : settings) {
            for (int n : ns) {
                h.append(cdfPlot(r, s, n, cdfLoss, transports));
            }
        }
        h.append("</div>\n");

        if (r.traceImp != null) {
            h.append("<h2>A head-of-line stall across streams (traced h2 run, ").append(esc(r.traceImp.describe())).append(")</h2>\n");
            if (r.stall != null) {
                h.append(String.format(Locale.ROOT, "<p>Six sockets ping-pong 16 B on one HTTP/2 connection; the client's trace, drawn by <code>h2ws trace timeline</code>. "
                                + "The dashed box is the longest time no stream received a DATA frame: <b>%.0f ms</b> (the median gap between inbound DATA frames is %.1f ms). "
                                + "%d of the streams had a message out, unanswered, through its second half and %d received within 5 ms after it ended: one lost TCP segment held back every stream behind it. "
                                + "Trace file: <code>%s</code>.</p>\n",
                        r.stall.millis(), r.stall.typicalGapMillis(), r.stall.streamsWaiting(), r.stall.streamsReleased(), esc(String.valueOf(r.tracePath.getFileName()))));
            }
            if (r.timelineSvg != null) {
                h.append("<div style=\"overflow-x:auto\">").append(r.timelineSvg.replaceFirst("<\\?xml[^>]*>", "")).append("</div>\n");
            }
        }

        h.append("<h2>The path, configured and measured back</h2>\n");
        if (!r.flood.isEmpty()) {
            h.append("<p>Packet-rate ceiling of the clean path: ").append(esc(r.flood.getOrDefault("delivered_pps", "?")))
                    .append(" packets/s delivered of ").append(esc(r.flood.getOrDefault("offered_pps", "?")))
                    .append(" offered (64 B UDP datagrams from one Java thread for 1 s; the lower of the sender and the delay line).</p>\n");
        }
        h.append("<table><tr><th class=\"l\">configured</th><th>packets in</th><th>dropped</th><th>loss measured %</th><th>ICMP RTT p50 ms</th><th>p99 ms</th><th>sd ms</th>"
                + "<th>delayed pkts</th><th>delay-line lateness p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>max µs</th><th>queue overflow</th></tr>\n");
        for (LabResults.Condition c : r.conditions) {
            Map<String, String> d = c.delayLine();
            long overflow = parseLong(d.get("a2b_overflow")) + parseLong(d.get("b2a_overflow"));
            h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%.3f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>%n",
                    esc(c.imp().describe()), c.arrived(), c.dropped(), c.measuredLossPercent(), v(c.rtt(), "rtt_p50_ms"), v(c.rtt(), "rtt_p99_ms"),
                    v(c.rtt(), "rtt_sd_ms"), v(d, "delayed"), v(d, "late_p50_us"), v(d, "late_p99_us"), v(d, "late_p999_us"), v(d, "late_max_us"), overflow));
        }
        h.append("</table>\n<p class=\"note\">Packets in and dropped: the nftables counters on both sides' input over all of that condition's runs (TCP as it was). "
                + "ICMP RTT: 60 echoes 3 ms apart from the client namespace, answered by the server's kernel, replies stamped by the client's kernel (no JVM in the figure). Lateness: how long after its due time the delay line wrote a delayed packet (its own jitter).</p>\n");

        h.append("<h2>All points</h2>\n<table><tr><th class=\"l\">condition</th><th class=\"l\">transport</th><th>TCP conns</th><th class=\"l\">workload</th><th>N</th>"
                + "<th>samples</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>goodput Mbit/s</th><th>slowest socket / fair share</th><th>open ms</th><th>failed opens</th><th>silent sockets</th></tr>\n");
        for (LabResults.Row row : r.rows) {
            boolean stream = row.workload().equals("stream");
            h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%d</td><td class=\"l\">%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                    esc(row.imp().describe()), esc(row.transport()), row.connections(), esc(row.workload()), row.sockets(),
                    row.ok() ? v(row.r(), "count") : "<b>failed: " + esc(row.r().getOrDefault("error", "")) + "</b>",
                    stream ? "" : v(row.r(), "p50_ms"), stream ? "" : v(row.r(), "p99_ms"), stream ? "" : v(row.r(), "p999_ms"), stream ? "" : v(row.r(), "max_ms"),
                    stream ? v(row.r(), "goodput_mbit") : "", stream ? v(row.r(), "min_share") : "", v(row.r(), "open_ms"),
                    v(row.r(), "open_failed"), v(row.r(), "stalled")));
        }
        h.append("</table>\n<p class=\"note\">Silent sockets: open but no echo during the measured interval. With few samples (N=1 at long RTTs) p99.9 is the maximum.</p>\n");
        if (k > 0) {
            h.append("<p class=\"note\">h2 (").append(k).append(" TCP): the sockets spread round-robin over ").append(k)
                    .append(" HTTP/2 connections (<code>--connections</code>), the middle ground.</p>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static void legend(StringBuilder h, LabResults r) {
        h.append("<p class=\"legend\">");
        List<String> seen = new ArrayList<>();
        for (LabResults.Row row : r.rows) {
            if (!seen.contains(row.transport())) {
                seen.add(row.transport());
                String label = row.transport().equals("h2k") ? "h2 over K TCP connections" : LabResults.Row.label(row.transport(), 0);
                h.append("<span><i style=\"background:").append(color(row.transport())).append("\"></i>").append(esc(label)).append("</span>");
            }
        }
        h.append("</p>\n");
    }

    private static String lossPlot(LabResults r, Setting s, int n, List<Double> losses, List<String> transports, String workload,
                                   String key, String yLabel, boolean log) {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (double loss : losses) {
            for (LabResults.Row row : r.select(loss, s.rtt(), s.rate(), s.reorder(), workload, n).values()) {
                double y = row.num(key);
                if (row.ok() && Double.isFinite(y) && y > 0) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
        }
        StringBuilder b = frame(s.describe() + ", N=" + n);
        if (hi == 0) {
            return b.append(text(W / 2.0, H / 2.0, "no data", "middle")).append("</svg>").toString();
        }
        Axis y = log ? Axis.log(lo, hi) : Axis.linear(0, hi);
        y.draw(b, yLabel);
        int m = losses.size();
        double pw = W - L - R;
        for (int i = 0; i < m; i++) {
            double x = L + (m == 1 ? pw / 2 : i * pw / (m - 1));
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>", x, H - BOTTOM, x, H - BOTTOM + 4));
            b.append(text(x, H - BOTTOM + 16, LabNetwork.Impairment.fmt(losses.get(i)) + "%", "middle"));
        }
        b.append(text(L + pw / 2, H - 6, "packet loss, each direction", "middle"));
        for (String t : transports) {
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < m; i++) {
                LabResults.Row row = r.select(losses.get(i), s.rtt(), s.rate(), s.reorder(), workload, n).get(t);
                if (row == null || !row.ok() || !(row.num(key) > 0)) {
                    continue;
                }
                double x = L + (m == 1 ? pw / 2 : i * pw / (m - 1));
                double yy = y.map(row.num(key));
                path.append(path.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", x, yy));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %s</title></circle>",
                        x, yy, color(t), esc(row.label(row.connections())), fmt(row.num(key))));
            }
            if (path.length() > 0) {
                b.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color(t)).append("\" stroke-width=\"2\"/>");
            }
        }
        return b.append("</svg>\n").toString();
    }

    private static String cdfPlot(LabResults r, Setting s, int n, double loss, List<String> transports) {
        Map<String, LabResults.Row> rows = r.select(loss, s.rtt(), s.rate(), s.reorder(), "pingpong", n);
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (LabResults.Row row : rows.values()) {
            for (double[] p : cdf(row)) {
                if (p[1] > 0) {
                    lo = Math.min(lo, p[1]);
                    hi = Math.max(hi, p[1]);
                }
            }
        }
        StringBuilder b = frame(s.describe() + ", loss " + LabNetwork.Impairment.fmt(loss) + "%, N=" + n);
        if (hi == 0) {
            return b.append(text(W / 2.0, H / 2.0, "no data", "middle")).append("</svg>").toString();
        }
        Axis x = Axis.log(lo, hi);
        double maxNines = 4;
        double ph = H - TOP - BOTTOM;
        for (int i = 0; i <= 4; i++) {
            double yy = H - BOTTOM - i / maxNines * ph;
            String label = i == 0 ? "0%" : i == 1 ? "90%" : i == 2 ? "99%" : i == 3 ? "99.9%" : "99.99%";
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", L, yy, W - R, yy));
            b.append(text(L - 4, yy + 4, label, "end"));
        }
        for (double v : x.ticks()) {
            double xx = L + x.frac(v) * (W - L - R);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", xx, TOP, xx, H - BOTTOM));
            b.append(text(xx, H - BOTTOM + 16, fmt(v), "middle"));
        }
        b.append(text(L + (W - L - R) / 2.0, H - 6, "round-trip latency, ms (log)", "middle"));
        for (String t : transports) {
            LabResults.Row row = rows.get(t);
            if (row == null) {
                continue;
            }
            StringBuilder path = new StringBuilder();
            for (double[] p : cdf(row)) {
                double nines = p[0] >= 100 ? maxNines : Math.min(maxNines, -Math.log10(1 - p[0] / 100));
                double xx = L + x.frac(p[1]) * (W - L - R);
                double yy = H - BOTTOM - nines / maxNines * ph;
                path.append(path.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", xx, yy));
            }
            b.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color(t)).append("\" stroke-width=\"2\"><title>")
                    .append(esc(row.label(row.connections()))).append("</title></path>");
        }
        return b.append("</svg>\n").toString();
    }

    /** {percentile, ms} pairs from a ping-pong row's "cdf" field. */
    static List<double[]> cdf(LabResults.Row row) {
        List<double[]> out = new ArrayList<>();
        String c = row.r().getOrDefault("cdf", "");
        if (!row.ok() || c.isEmpty()) {
            return out;
        }
        for (String pair : c.split(";")) {
            String[] kv = pair.split(":");
            out.add(new double[] {Double.parseDouble(kv[0]), Math.max(0.001, Double.parseDouble(kv[1]))});
        }
        return out;
    }

    private static StringBuilder frame(String title) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">", W, H, W, H));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\" stroke=\"#ddd\"/>");
        b.append(text(W / 2.0, 16, title, "middle").replace("<text ", "<text font-weight=\"bold\" "));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", L, TOP, L, H - BOTTOM));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", L, H - BOTTOM, W - R, H - BOTTOM));
        return b;
    }

    /** A vertical or horizontal value axis, linear or log10. */
    private record Axis(double lo, double hi, boolean log) {
        static Axis linear(double lo, double hi) {
            return new Axis(lo, hi * 1.08, false);
        }

        static Axis log(double lo, double hi) {
            double a = Math.pow(10, Math.floor(Math.log10(lo)));
            double b = Math.pow(10, Math.ceil(Math.log10(hi)));
            return new Axis(a, b <= a ? a * 10 : b, true);
        }

        double frac(double v) {
            if (log) {
                return (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
            }
            return (v - lo) / (hi - lo);
        }

        double map(double v) {
            return H - BOTTOM - frac(v) * (H - TOP - BOTTOM);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (double v = lo; v <= hi * 1.0001; v *= 10) {
                    t.add(v);
                }
            } else {
                double step = nice((hi - lo) / 5);
                for (double v = lo; v <= hi; v += step) {
                    t.add(v);
                }
            }
            return t;
        }

        void draw(StringBuilder b, String label) {
            for (double v : ticks()) {
                double yy = map(v);
                b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", L, yy, W - R, yy));
                b.append(text(L - 4, yy + 4, fmt(v), "end"));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\" fill=\"#333\">%s%s</text>",
                    (H - BOTTOM + TOP) / 2, (H - BOTTOM + TOP) / 2, esc(label), log ? " (log)" : ""));
        }

        static double nice(double raw) {
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            for (double m : new double[] {1, 2, 5, 10}) {
                if (m * p >= raw) {
                    return m * p;
                }
            }
            return 10 * p;
        }
    }

    private static String text(double x, double y, String s, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#333\">%s</text>", x, y, anchor, esc(s));
    }

    static String fmt(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    private static String v(Map<String, String> m, String k) {
        return esc(m == null ? "" : m.getOrDefault(k, ""));
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
