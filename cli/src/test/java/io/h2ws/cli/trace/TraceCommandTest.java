package io.h2ws.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.h2ws.H2wsServer;
import io.h2ws.cli.Main;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;

/** {@code h2ws trace demo | summarize | timeline} and {@code connect --trace}. */
class TraceCommandTest {

    @TempDir
    Path dir;

    /** Runs the command line, returning {exit code, stdout, stderr}. */
    static Object[] run(String stdin, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream in = System.in;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            }
            int code = Main.execute(args);
            return new Object[] {code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
        }
    }

    @Test
    @DisplayName("demo records 3 sockets on one connection with the slow one stalled; summarize and timeline show the stall")
    void demoSummarizeTimeline() throws Exception {
        Path trace = dir.resolve("demo.jsonl");
        Object[] demo = run(null, "trace", "demo", "--out", trace.toString(), "--pause", "0.6", "--seconds", "1");
        assertEquals(0, demo[0], demo[2].toString());
        assertTrue(demo[1].toString().contains("next: ./h2ws trace summarize " + trace), "the command as typed: " + demo[1]);
        TraceFile t = TraceFile.read(trace);
        List<String> socks = t.events.stream().filter(e -> "socket".equals(e.get("ev")) && "open".equals(e.get("what")))
                .map(e -> e.get("conn") + " " + e.get("path")).collect(Collectors.toList());
        assertEquals(3, socks.size(), socks.toString());
        assertEquals(1, socks.stream().map(s -> s.split(" ")[0]).distinct().count(), "one connection: " + socks);
        List<Stalls.Stall> stalls = Stalls.find(t.events);
        assertTrue(stalls.stream().anyMatch(s -> s.stream() > 0 && s.nanos() > 100_000_000L), stalls.toString());

        Object[] sum = run(null, "trace", "summarize", trace.toString());
        assertEquals(0, sum[0], sum[2].toString());
        String text = sum[1].toString();
        assertTrue(text.contains("/slow") && text.contains("stalled") && text.contains("stall: stream #"), text);
        assertTrue(text.contains("sent GO_AWAY stream 0"), "the connection's GOAWAY is noted: " + text);
        assertTrue(text.contains("ENABLE_CONNECT_PROTOCOL=1"), text);
        assertTrue(text.matches("(?s).*flow-control blocked \\(send window at 0\\): connection [0-9.]+ ms, stream #\\d+ [1-9][0-9.]* ms.*"), text);

        Path svg = dir.resolve("t.svg");
        Object[] tl = run(null, "trace", "timeline", trace.toString(), "--out", svg.toString());
        assertEquals(0, tl[0], tl[2].toString());
        String s = Files.readString(svg);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile()); // well-formed XML
        assertTrue(s.startsWith("<svg") && s.contains("/slow") && s.contains("fill=\"#f4a3a3\" fill-opacity"), "stall shaded");
        assertTrue(!s.contains("http://") || s.indexOf("http://") == s.indexOf("http://www.w3.org/2000/svg"), "self-contained");
        assertEveryMarkInLegend(s);

        // one clock: the first stall's start as summarize prints it is where the timeline draws it
        assertTrue(text.contains(SummarizeCommand.clockNote(t)) && s.contains(TimelineCommand.esc(SummarizeCommand.clockNote(t))), "the clock is stated in both");
        Matcher stall = Pattern.compile("stall: stream #\\d+ send window at 0 from ([0-9.]+) ms").matcher(text);
        assertTrue(stall.find(), text);
        double printed = Double.parseDouble(stall.group(1));
        Matcher rect = Pattern.compile("<rect x=\"([0-9.]+)\" y=\"\\d+\" width=\"[0-9.]+\" height=\"\\d+\" fill=\"" + TimelineCommand.STALL
                + "\" fill-opacity=\"[0-9.]+\"><title>stream #").matcher(s);
        assertTrue(rect.find(), "a stall drawn");
        Matcher tick = Pattern.compile("<text class=\"tick\" x=\"([0-9.]+)\"[^>]*>([0-9.]+)</text>").matcher(s);
        List<double[]> ticks = new java.util.ArrayList<>();
        while (tick.find()) {
            ticks.add(new double[] {Double.parseDouble(tick.group(1)), Double.parseDouble(tick.group(2))});
        }
        assertTrue(ticks.size() >= 2, "axis ticks " + ticks.size());
        double[] a = ticks.get(0);
        double[] b = ticks.get(ticks.size() - 1);
        double msPerPixel = (b[1] - a[1]) / (b[0] - a[0]);
        double drawn = a[1] + (Double.parseDouble(rect.group(1)) - a[0]) * msPerPixel;
        assertEquals(printed, drawn, 2 * msPerPixel + 0.1, "the stall at " + printed + " ms in summarize, at " + drawn + " ms on the timeline");
    }

    @Test
    @DisplayName("the timeline's legend names every mark it draws: HTTP/1.1 lines, Close, GO_AWAY and the rest")
    void legendNamesEveryMark() throws Exception {
        try (H2wsServer server = H2wsServer.builder().endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start()) {
            for (String transport : new String[] {"h1", "h2"}) {
                Path trace = dir.resolve("legend-" + transport + ".jsonl");
                Object[] r = run("hello\n", "connect", "--transport", transport, "--trace", trace.toString(),
                        "ws://127.0.0.1:" + server.port() + "/echo");
                assertEquals(0, r[0], r[2].toString());
                String svg = TimelineCommand.render(TraceFile.read(trace), 1200, "t");
                assertEveryMarkInLegend(svg);
            }
        }
        StringBuilder legend = new StringBuilder();
        TimelineCommand.H2_MARKS.forEach(m -> legend.append(m.label()).append(' '));
        TimelineCommand.WS_MARKS.forEach(m -> legend.append(m.label()).append(' '));
        for (String name : new String[] {"DATA", "HEADERS", "WINDOW_UPDATE", "SETTINGS", "PING", "RST_STREAM", "GO_AWAY", "Close"}) {
            assertTrue(legend.toString().contains(name), name + " in " + legend);
        }
        assertEquals(TimelineCommand.color("RST_STREAM"), TimelineCommand.color("GO_AWAY"), "Jetty's name for GOAWAY is drawn as the legend says");
    }

    /** Every colour a mark is drawn in outside the legend group is one the legend shows. */
    static void assertEveryMarkInLegend(String svg) {
        int a = svg.indexOf("<g id=\"legend\">");
        int b = svg.indexOf("</g>", a);
        assertTrue(a > 0 && b > a, "a legend group");
        java.util.Set<String> inLegend = fills(svg.substring(a, b));
        java.util.Set<String> drawn = fills(svg.substring(0, a) + svg.substring(b));
        drawn.remove("white");
        assertTrue(inLegend.containsAll(drawn), "drawn " + drawn + ", in the legend " + inLegend);
    }

    private static java.util.Set<String> fills(String svg) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("<(?:rect|circle)[^>]* fill=\"([^\"]+)\"").matcher(svg);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    @DisplayName("connect --trace writes the handshake and frames and prints the socket's statistics on exit")
    void connectTrace() throws Exception {
        try (H2wsServer server = H2wsServer.builder().endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start()) {
            for (String transport : new String[] {"h1", "h2"}) {
                Path trace = dir.resolve("connect-" + transport + ".jsonl");
                Object[] r = run("hello\nworld\n", "connect", "--transport", transport, "--trace", trace.toString(),
                        "ws://127.0.0.1:" + server.port() + "/echo");
                assertEquals(0, r[0], r[2].toString());
                String err = r[2].toString();
                assertTrue(err.contains("stats: sent 3 frames"), err);
                TraceFile t = TraceFile.read(trace);
                List<String> ws = t.events.stream().filter(e -> "ws".equals(e.get("ev")))
                        .map(e -> e.get("dir") + " " + e.get("op") + " " + e.get("len")).collect(Collectors.toList());
                assertEquals(List.of("out TEXT 5", "in TEXT 5", "out TEXT 5", "in TEXT 5", "out CLOSE 2", "in CLOSE 2"), sorted(ws), ws.toString());
                if (transport.equals("h1")) {
                    assertTrue(t.events.stream().anyMatch(e -> "h1".equals(e.get("ev")) && "in".equals(e.get("dir"))
                            && e.get("line").toString().startsWith("HTTP/1.1 101")));
                } else {
                    assertTrue(t.events.stream().anyMatch(e -> "h2".equals(e.get("ev")) && "HEADERS".equals(e.get("type"))));
                }
            }
        }
    }

    @Test
    @DisplayName("compare --trace DIR writes a client and a server trace per transport run, each parsing and holding frames")
    void compareTrace() throws Exception {
        Path traces = dir.resolve("traces");
        Object[] r = run(null, "compare", "--transports", "h1,h2", "--sockets", "2", "--sizes", "16", "--seconds", "0.2",
                "--open", "3", "--idle", "0", "--report", dir.resolve("r.html").toString(), "--trace", traces.toString());
        assertEquals(0, r[0], r[2].toString());
        assertTrue(r[1].toString().contains("traces: "), r[1].toString());
        for (String t : new String[] {"h1", "h2"}) {
            for (String side : new String[] {"client", "server"}) {
                TraceFile f = TraceFile.read(traces.resolve(t + "-" + side + ".jsonl"));
                assertEquals(side, f.header.get("endpoint"));
                List<Map<String, Object>> ws = f.events.stream().filter(e -> "ws".equals(e.get("ev"))).collect(Collectors.toList());
                assertTrue(ws.size() > 20, t + " " + side + ": " + ws.size() + " WebSocket frames");
                assertTrue(ws.stream().anyMatch(e -> "in".equals(e.get("dir"))) && ws.stream().anyMatch(e -> "out".equals(e.get("dir"))));
                String carrier = t.equals("h1") ? "h1" : "h2";
                assertTrue(f.events.stream().anyMatch(e -> carrier.equals(e.get("ev"))), t + " " + side + " has " + carrier + " events");
                String other = t.equals("h1") ? "h2" : "h1";
                assertTrue(f.events.stream().noneMatch(e -> other.equals(e.get("ev"))), t + " " + side + " has only its run's events");
                assertTrue(f.events.stream().filter(e -> "socket".equals(e.get("ev"))).allMatch(e -> t.equals("h1") == "H1".equals(e.get("transport"))));
            }
        }
        Object[] sum = run(null, "trace", "summarize", traces.resolve("h2-client.jsonl").toString());
        assertEquals(0, sum[0], sum[2].toString());
    }

    @Test
    @DisplayName("connect --pings prints the WebSocket ping RTT, the flow-control blocked time and the HTTP/2 connection's counts and PING RTT")
    void connectPings() throws Exception {
        try (H2wsServer server = H2wsServer.builder().endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start()) {
            Path trace = dir.resolve("pings.jsonl");
            Object[] r = run("hello\n", "connect", "--transport", "h2", "--pings", "3", "--trace", trace.toString(),
                    "ws://127.0.0.1:" + server.port() + "/echo");
            assertEquals(0, r[0], r[2].toString());
            String err = r[2].toString();
            assertTrue(err.contains("ping rtt 3: min ") && err.contains("flow-control blocked: stream 0.0 ms"), err);
            assertTrue(err.matches("(?s).*h2: HTTP/2 connection(?: c\\d+)? to .*: sent \\d+ frames, \\d+ bytes; received \\d+ frames.*PING rtt 1: min.*"), err);
            Object[] sum = run(null, "trace", "summarize", trace.toString());
            assertEquals(0, sum[0], sum[2].toString());
            String text = sum[1].toString();
            assertTrue(text.contains("ping round trips: 3, min ") && text.contains("HTTP/2 PING round trips: 1, min ")
                    && text.contains("HTTP/2 totals out/in: ") && text.contains("flow-control blocked (send window at 0): connection 0.0 ms"), text);
        }
    }

    /** Echoes may overtake the next line on the wire: compare per direction, keeping each direction's order. */
    private static List<String> sorted(List<String> ws) {
        List<String> outs = ws.stream().filter(s -> s.startsWith("out")).collect(Collectors.toList());
        List<String> ins = ws.stream().filter(s -> s.startsWith("in")).collect(Collectors.toList());
        java.util.ArrayList<String> merged = new java.util.ArrayList<>();
        for (int i = 0; i < Math.max(outs.size(), ins.size()); i++) {
            if (i < outs.size()) {
                merged.add(outs.get(i));
            }
            if (i < ins.size()) {
                merged.add(ins.get(i));
            }
        }
        return merged;
    }

    @Test
    @DisplayName("the reader takes the writer's JSON back and refuses a newer schema")
    void readerAndVersion() throws Exception {
        Map<String, Object> o = Json.object("{\"t\":5,\"ev\":\"h2\",\"settings\":{\"A\":1},\"s\":\"a\\\"b\\u0041\",\"x\":[1,2.5,true,null]}");
        assertEquals(5L, o.get("t"));
        assertEquals("a\"bA", o.get("s"));
        assertEquals(Map.of("A", 1L), o.get("settings"));
        Path p = dir.resolve("v2.jsonl");
        Files.writeString(p, "{\"ev\":\"trace\",\"schema\":\"h2ws-trace\",\"v\":2}\n");
        assertThrows(IOException.class, () -> TraceFile.read(p));
    }
}
