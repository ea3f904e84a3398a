package io.h2ws.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.h2ws.cli.measure.Workloads;

/** The self-contained HTML report of {@code compare}: tables and SVG bar charts, no scripts or fonts. */
final class Report {

    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"};

    private Report() {}

    static String html(CompareCommand.Results r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>h2ws compare</title>\n")
                .append("<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
                .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}svg{display:block;margin:.5em 0 1.5em}</style>\n")
                .append("</head><body>\n<h1>h2ws compare</h1>\n<p>").append(esc(r.machine())).append("</p>\n");

        h.append("<h2>Echo throughput (1 socket, messages in flight)</h2>\n");
        Map<String, Map<String, Double>> tp = new LinkedHashMap<>();
        for (Workloads.Throughput t : r.throughput()) {
            tp.computeIfAbsent(t.size() + " B", k -> new LinkedHashMap<>()).put(name(t.client()), t.messagesPerSecond());
        }
        h.append(chart("messages/s", tp));
        h.append("<table><tr><th>transport</th><th>size</th><th>msgs/s</th><th>MB/s</th></tr>\n");
        for (Workloads.Throughput t : r.throughput()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%.1f</td></tr>%n",
                    esc(name(t.client())), t.size(), t.messagesPerSecond(), t.megabytesPerSecond()));
        }
        h.append("</table>\n");

        h.append("<h2>Multiplexing: N sockets ping-ponging 16 B</h2>\n");
        Map<String, Map<String, Double>> mux = new LinkedHashMap<>();
        Map<String, Map<String, Double>> p99 = new LinkedHashMap<>();
        for (Workloads.Latency l : r.multiplex()) {
            mux.computeIfAbsent("N=" + l.sockets(), k -> new LinkedHashMap<>()).put(name(l.client()), l.roundTripsPerSecond());
            p99.computeIfAbsent("N=" + l.sockets(), k -> new LinkedHashMap<>()).put(name(l.client()), l.p99());
        }
        h.append(chart("round trips/s", mux)).append(chart("p99 latency, µs", p99));
        h.append("<table><tr><th>transport</th><th>sockets</th><th>round trips/s</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th></tr>\n");
        for (Workloads.Latency l : r.multiplex()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td></tr>%n",
                    esc(name(l.client())), l.sockets(), l.roundTripsPerSecond(), l.p50(), l.p99(), l.p999()));
        }
        h.append("</table>\n");

        h.append("<h2>Opening sockets</h2>\n<table><tr><th>transport</th><th>sockets</th><th>total ms</th><th>µs per socket</th></tr>\n");
        for (Workloads.Open o : r.open()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.1f</td><td>%.1f</td></tr>%n",
                    esc(name(o.client())), o.sockets(), o.millis(), o.meanMicros()));
        }
        h.append("</table>\n");
        if (!r.tlsOpen().isEmpty()) {
            h.append("<h2>Opening sockets over TLS from a new client, all held open</h2>\n")
                    .append("<p>h1: one TLS handshake per socket, the first full, the others resuming its session (TLS 1.3 PSK with ECDHE); h2: one full TLS handshake, then a stream per socket.</p>\n")
                    .append("<table><tr><th>transport</th><th>sockets</th><th>total ms</th><th>µs per socket</th></tr>\n");
            for (Workloads.Open o : r.tlsOpen()) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.1f</td><td>%.1f</td></tr>%n",
                        esc(name(o.client())), o.sockets(), o.millis(), o.meanMicros()));
            }
            h.append("</table>\n");
            for (String ratio : CompareCommand.tlsOpenRatios(r.tlsOpen())) {
                h.append("<p>").append(esc(ratio)).append("</p>\n");
            }
        }
        if (!r.memory().isEmpty()) {
            h.append("<h2>Heap per idle socket (client and server in one JVM)</h2>\n<table><tr><th>transport</th><th>bytes</th></tr>\n");
            for (int i = 0; i < r.memory().size(); i++) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.0f</td></tr>%n", esc(r.memoryNames().get(i)), r.memory().get(i)[0]));
            }
            h.append("</table>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String name(String client) {
        return client.replace("h2ws-", "");
    }

    /** A grouped bar chart: one group per key of {@code groups}, one bar per series. */
    static String chart(String unit, Map<String, Map<String, Double>> groups) {
        Set<String> series = new LinkedHashSet<>();
        groups.values().forEach(m -> series.addAll(m.keySet()));
        List<String> names = new ArrayList<>(series);
        double max = groups.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        if (max <= 0) {
            max = 1;
        }
        int barW = 22;
        int gap = 18;
        int groupW = names.size() * barW + gap;
        int chartH = 180;
        int left = 70;
        int width = left + Math.max(1, groups.size()) * groupW + 20;
        int height = chartH + 60;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">%n",
                width, height, esc(unit)));
        s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"12\">%s</text>%n", esc(unit)));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            int y = 20 + chartH - chartH * i / 4;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>%n",
                    left, width - 10, y, y, left - 4, y + 3, fmt(v)));
        }
        int gx = left + gap / 2;
        for (Map.Entry<String, Map<String, Double>> g : groups.entrySet()) {
            for (int i = 0; i < names.size(); i++) {
                Double v = g.getValue().get(names.get(i));
                if (v == null) {
                    continue;
                }
                int bh = (int) Math.round(chartH * v / max);
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %s: %s</title></rect>%n",
                        gx + i * barW, 20 + chartH - bh, barW - 3, bh, COLORS[i % COLORS.length], esc(names.get(i)), esc(g.getKey()), fmt(v)));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    gx + names.size() * barW / 2, 20 + chartH + 14, esc(g.getKey())));
            gx += groupW;
        }
        for (int i = 0; i < names.size(); i++) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n",
                    left + i * 90, height - 14, COLORS[i % COLORS.length], left + i * 90 + 14, height - 5, esc(names.get(i))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String fmt(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
