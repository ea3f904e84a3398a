package io.h2ws.cli.trace;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code h2ws trace timeline FILE --out FILE.svg}: one lane per HTTP/2 stream (plus one for each
 * connection's stream 0) or HTTP/1.1 socket; frames sent above the lane's middle line, frames
 * received below; HTTP/2 frames as bars, WebSocket frames as dots; flow-control stalls shaded.
 */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = "Draw a trace as a self-contained SVG timeline: a lane per stream or socket, stalls shaded.")
final class TimelineCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "Trace file (JSON lines).")
    Path file;

    @Option(names = "--out", required = true, description = "SVG file to write.")
    Path svg;

    @Option(names = "--width", defaultValue = "1200", description = "Width in pixels (default ${DEFAULT-VALUE}).")
    int width;

    static final int LABEL = 230;
    static final int LANE = 44;
    static final int TOP = 70;

    /** One lane: its label and its events. */
    static final class Lane {
        final String key;
        String label;
        final List<Map<String, Object>> events = new ArrayList<>();

        Lane(String key, String label) {
            this.key = key;
            this.label = label;
        }
    }

    @Override
    public Integer call() throws Exception {
        TraceFile trace = TraceFile.read(file);
        Files.writeString(svg, render(trace, width, file.getFileName().toString()), StandardCharsets.UTF_8);
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + svg);
        out.flush();
        return 0;
    }

    static String laneKey(Map<String, Object> e) {
        String conn = TraceFile.str(e, "conn");
        long stream = TraceFile.num(e, "stream", -1);
        if (stream >= 0) {
            return conn + "#" + stream;
        }
        return conn + "/" + TraceFile.str(e, "sock");
    }

    static String render(TraceFile trace, int width, String title) {
        Map<String, Lane> lanes = new LinkedHashMap<>();
        long t0 = Long.MAX_VALUE;
        long t1 = 0;
        for (Map<String, Object> e : trace.events) {
            long t = TraceFile.num(e, "t", 0);
            t0 = Math.min(t0, t);
            t1 = Math.max(t1, t);
            String key = laneKey(e);
            long stream = TraceFile.num(e, "stream", -1);
            Lane lane = lanes.computeIfAbsent(key, k -> new Lane(k, stream == 0 ? TraceFile.str(e, "conn") + " connection (stream 0)"
                    : stream > 0 ? TraceFile.str(e, "conn") + " stream #" + stream : TraceFile.str(e, "conn") + " HTTP/1.1 " + TraceFile.str(e, "sock")));
            if ("socket".equals(e.get("ev")) && "open".equals(e.get("what"))) {
                lane.label = (stream > 0 ? TraceFile.str(e, "conn") + " #" + stream : TraceFile.str(e, "conn") + " HTTP/1.1")
                        + " " + TraceFile.str(e, "sock") + " " + TraceFile.str(e, "path") + " (" + TraceFile.str(e, "mapping") + ")";
            }
            lane.events.add(e);
        }
        if (t0 == Long.MAX_VALUE) {
            t0 = 0;
        }
        long span = Math.max(1, t1 - t0);
        int plot = width - LABEL - 20;
        List<Lane> order = new ArrayList<>(lanes.values());
        int height = TOP + order.size() * LANE + 60;
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append("<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">h2ws trace timeline: ").append(esc(title))
                .append(" (").append(esc(String.valueOf(trace.header.get("endpoint")))).append(" side)</text>\n");
        legend(b, 10, 38);
        // time axis
        double ms = span / 1e6;
        double step = niceStep(ms / 10);
        int axisY = TOP + order.size() * LANE + 8;
        for (double v = 0; v <= ms + 1e-9; v += step) {
            double x = LABEL + v / ms * plot;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", x, TOP - 4, x, axisY));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s ms</text>\n", x, axisY + 14,
                    step >= 1 ? String.valueOf(Math.round(v)) : String.format(Locale.ROOT, "%.2f", v)));
        }
        // stalls, shaded under the marks
        Map<String, Integer> laneIndex = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            laneIndex.put(order.get(i).key, i);
        }
        for (Stalls.Stall st : Stalls.find(trace.events)) {
            Integer i = laneIndex.get(st.conn() + "#" + st.stream());
            if (i == null) {
                continue;
            }
            double x0 = LABEL + (st.from() - t0) / (double) span * plot;
            double x1 = LABEL + (st.to() - t0) / (double) span * plot;
            int y = TOP + i * LANE;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f4a3a3\" fill-opacity=\"0.55\">"
                    + "<title>%s send window 0 for %.1f ms</title></rect>\n", x0, y + 2, Math.max(1, x1 - x0), LANE - 4,
                    st.stream() == 0 ? "connection" : "stream #" + st.stream(), st.nanos() / 1e6));
        }
        for (int i = 0; i < order.size(); i++) {
            Lane lane = order.get(i);
            int y = TOP + i * LANE;
            int mid = y + LANE / 2;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>", LABEL, mid, LABEL + plot, mid));
            b.append("<text x=\"8\" y=\"").append(mid + 4).append("\">").append(esc(lane.label)).append("</text>\n");
            for (Map<String, Object> e : lane.events) {
                double x = LABEL + (TraceFile.num(e, "t", 0) - t0) / (double) span * plot;
                boolean out = "out".equals(e.get("dir"));
                String ev = TraceFile.str(e, "ev");
                if ("h2".equals(ev)) {
                    String type = TraceFile.str(e, "type");
                    int y0 = out ? mid - 19 : mid + 9;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"1.6\" height=\"10\" fill=\"%s\"/>", x, y0, color(type)));
                } else if ("ws".equals(ev)) {
                    int yy = out ? mid - 5 : mid + 5;
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"2.2\" fill=\"%s\"/>", x, yy,
                            "CLOSE".equals(e.get("op")) ? "#d62728" : out ? "#1f4e9c" : "#c46a00"));
                } else if ("h1".equals(ev)) {
                    int y0 = out ? mid - 19 : mid + 9;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"10\" fill=\"#2ca02c\"><title>%s</title></rect>",
                            x, y0, esc(TraceFile.str(e, "line"))));
                }
            }
            b.append('\n');
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void legend(StringBuilder b, int x, int y) {
        String[][] items = {{"DATA", "bar"}, {"HEADERS", "bar"}, {"WINDOW_UPDATE", "bar"}, {"SETTINGS", "bar"}, {"RST_STREAM", "bar"}};
        int cx = x;
        b.append("<text x=\"").append(cx).append("\" y=\"").append(y + 9).append("\" fill=\"#333\">HTTP/2 frames (bars):</text>");
        cx += 130;
        for (String[] it : items) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"10\" fill=\"%s\"/>", cx, y, color(it[0])));
            b.append("<text x=\"").append(cx + 11).append("\" y=\"").append(y + 9).append("\">").append(it[0]).append("</text>");
            cx += 22 + it[0].length() * 7;
        }
        cx += 10;
        b.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#1f4e9c\"/><text x=\"%d\" y=\"%d\">WebSocket frame sent</text>",
                cx, y + 5, cx + 6, y + 9));
        cx += 140;
        b.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#c46a00\"/><text x=\"%d\" y=\"%d\">received</text>",
                cx, y + 5, cx + 6, y + 9));
        cx += 70;
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"#f4a3a3\"/><text x=\"%d\" y=\"%d\">send window 0 (stall)</text>",
                cx, y, cx + 17, y + 9));
        b.append("<text x=\"").append(x).append("\" y=\"").append(y + 24)
                .append("\" fill=\"#555\">above each lane's line: sent by this endpoint; below: received</text>\n");
    }

    static String color(String type) {
        return switch (type == null ? "" : type) {
            case "DATA" -> "#1f77b4";
            case "HEADERS" -> "#2ca02c";
            case "WINDOW_UPDATE" -> "#9467bd";
            case "SETTINGS", "PING" -> "#7f7f7f";
            case "RST_STREAM", "GOAWAY" -> "#d62728";
            default -> "#bcbd22";
        };
    }

    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
