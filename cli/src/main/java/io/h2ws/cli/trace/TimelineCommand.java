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

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "SVG file to write (required).")
    Path svg;

    @Option(names = "--width", paramLabel = "PIXELS", defaultValue = "1200", description = "Width in pixels (default ${DEFAULT-VALUE}).")
    int width;

    static final int LABEL = 230;
    static final int LANE = 44;
    static final int TOP = 100;

    static final String STALL = "#f4a3a3";
    static final String WS_SENT = "#1f4e9c";
    static final String WS_RECEIVED = "#c46a00";
    static final String WS_CLOSE = "#d62728";
    static final String H1_LINE = "#17becf";

    /** A kind of mark and how it is drawn: every mark the timeline draws has its line in the legend. */
    record Mark(String label, String color, boolean dot) {}

    /** The HTTP/2 frame bars, by {@link #color(String)}. */
    static final List<Mark> H2_MARKS = List.of(new Mark("DATA", color("DATA"), false), new Mark("HEADERS", color("HEADERS"), false),
            new Mark("WINDOW_UPDATE", color("WINDOW_UPDATE"), false), new Mark("SETTINGS, PING", color("SETTINGS"), false),
            new Mark("RST_STREAM, GO_AWAY", color("RST_STREAM"), false), new Mark("other (PRIORITY...)", color("PRIORITY"), false));

    /** WebSocket frames. */
    static final List<Mark> WS_MARKS = List.of(new Mark("sent", WS_SENT, true), new Mark("received", WS_RECEIVED, true),
            new Mark("Close (either way)", WS_CLOSE, true));

    /** HTTP/1.1 lines and stalls. */
    static final List<Mark> OTHER_MARKS = List.of(new Mark("HTTP/1.1 request or status line", H1_LINE, false),
            new Mark("send window 0 (flow-control stall)", STALL, false));

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
        // one clock with trace summarize: t as written, nanoseconds since the trace started; the
        // axis begins at the round tick at or before the first event so an idle start takes no room
        double step = niceStep(Math.max(1, t1 - t0) / 1e6 / 10);
        t0 = (long) (Math.floor(t0 / 1e6 / step) * step * 1e6);
        long span = Math.max(1, t1 - t0);
        int plot = width - LABEL - 20;
        List<Lane> order = new ArrayList<>(lanes.values());
        int height = TOP + order.size() * LANE + 70;
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append("<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">h2ws trace timeline: ").append(esc(title))
                .append(" (").append(esc(String.valueOf(trace.header.get("endpoint")))).append(" side)</text>\n");
        legend(b, 10, 38);
        // time axis, in ms since the trace started
        double from = t0 / 1e6;
        double ms = span / 1e6;
        int axisY = TOP + order.size() * LANE + 8;
        for (int k = 0; k <= 1000 && k * step <= ms + 1e-9; k++) {
            double v = from + k * step;
            double x = LABEL + k * step / ms * plot;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", x, TOP - 4, x, axisY));
            b.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", x, axisY + 14,
                    step >= 1 ? String.valueOf(Math.round(v)) : String.format(Locale.ROOT, step >= 0.1 ? "%.1f" : "%.2f", v)));
        }
        b.append("<text x=\"").append(LABEL).append("\" y=\"").append(axisY + 32).append("\" fill=\"#333\">")
                .append(esc(SummarizeCommand.clockNote(trace))).append("</text>\n");
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
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.55\">"
                    + "<title>%s send window 0 for %.1f ms</title></rect>\n", x0, y + 2, Math.max(1, x1 - x0), LANE - 4, STALL,
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
                            "CLOSE".equals(e.get("op")) ? WS_CLOSE : out ? WS_SENT : WS_RECEIVED));
                } else if ("h1".equals(ev)) {
                    int y0 = out ? mid - 19 : mid + 9;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"10\" fill=\"%s\"><title>%s</title></rect>",
                            x, y0, H1_LINE, esc(TraceFile.str(e, "line"))));
                }
            }
            b.append('\n');
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** Two rows naming every kind of mark, in a group of its own so a test can check it against the marks. */
    private static void legend(StringBuilder b, int x, int y) {
        b.append("<g id=\"legend\">");
        b.append("<text x=\"").append(x).append("\" y=\"").append(y + 9).append("\" fill=\"#333\">HTTP/2 frames (bars):</text>");
        row(b, H2_MARKS, x + 150, y);
        b.append("<text x=\"").append(x).append("\" y=\"").append(y + 27).append("\" fill=\"#333\">WebSocket frames (dots):</text>");
        int cx = row(b, WS_MARKS, x + 150, y + 18);
        b.append("<text x=\"").append(cx + 10).append("\" y=\"").append(y + 27).append("\" fill=\"#333\">also:</text>");
        row(b, OTHER_MARKS, cx + 50, y + 18);
        b.append("<text x=\"").append(x).append("\" y=\"").append(y + 45)
                .append("\" fill=\"#555\">above each lane's line: sent by this endpoint; below: received</text></g>\n");
    }

    /** Draws {@code marks} from {@code x} on; returns where the row ends. */
    private static int row(StringBuilder b, List<Mark> marks, int x, int y) {
        int cx = x;
        for (Mark m : marks) {
            if (m.dot()) {
                b.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>", cx + 4, y + 5, m.color()));
            } else {
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"10\" fill=\"%s\"/>", cx, y, m.color()));
            }
            b.append("<text x=\"").append(cx + 11).append("\" y=\"").append(y + 9).append("\">").append(esc(m.label())).append("</text>");
            cx += 24 + m.label().length() * 7;
        }
        return cx;
    }

    static String color(String type) {
        return switch (type == null ? "" : type) {
            case "DATA" -> "#1f77b4";
            case "HEADERS" -> "#2ca02c";
            case "WINDOW_UPDATE" -> "#9467bd";
            case "SETTINGS", "PING" -> "#7f7f7f";
            case "RST_STREAM", "GO_AWAY", "GOAWAY" -> "#d62728";
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
