package io.h2ws.cli.trace;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code h2ws trace summarize FILE}: per-socket and per-connection statistics of a trace. */
@Command(name = "summarize", mixinStandardHelpOptions = true,
        description = "Per-socket and per-connection statistics of a trace written with --trace.")
final class SummarizeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "Trace file (JSON lines).")
    Path file;

    /** What one socket did at the WebSocket layer, and its stream at the HTTP/2 layer. */
    static final class Sock {
        String id;
        String conn;
        long stream = -1;
        String transport = "?";
        String mapping = "?";
        String path = "?";
        long close = -1;
        final long[] frames = new long[2]; // out, in
        final long[] wire = new long[2];
        final long[] payload = new long[2];
        final Map<String, long[]> opcodes = new TreeMap<>();
        final java.util.ArrayDeque<Long> pings = new java.util.ArrayDeque<>(); // our PINGs not yet answered
        final List<Long> rtts = new java.util.ArrayList<>();
    }

    /** What one HTTP/2 connection carried. */
    static final class Conn {
        String id;
        final Map<String, long[]> frames = new TreeMap<>(); // type -> {out, in}
        final long[] dataBytes = new long[2];
        final Map<String, Object> peerSettings = new LinkedHashMap<>();
        final List<String> notes = new java.util.ArrayList<>();
        long first = Long.MAX_VALUE;
        long last;
        final long[] totalFrames = new long[2];
        final long[] bytes = new long[2]; // 9-byte frame headers + payloads where the trace has the length
        boolean headersUnsized;
        final java.util.ArrayDeque<Long> pings = new java.util.ArrayDeque<>();
        final List<Long> rtts = new java.util.ArrayList<>();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TraceFile trace = TraceFile.read(file);
        Map<String, Sock> socks = new LinkedHashMap<>();
        Map<String, Conn> conns = new LinkedHashMap<>();
        for (Map<String, Object> e : trace.events) {
            String ev = TraceFile.str(e, "ev");
            int dir = "out".equals(e.get("dir")) ? 0 : 1;
            String connId = TraceFile.str(e, "conn");
            Conn c = conns.computeIfAbsent(connId, k -> {
                Conn n = new Conn();
                n.id = k;
                return n;
            });
            long t = TraceFile.num(e, "t", 0);
            c.first = Math.min(c.first, t);
            c.last = Math.max(c.last, t);
            switch (ev == null ? "" : ev) {
                case "socket" -> {
                    Sock s = sock(socks, TraceFile.str(e, "sock"), connId);
                    s.stream = TraceFile.num(e, "stream", -1);
                    s.transport = TraceFile.str(e, "transport");
                    s.mapping = TraceFile.str(e, "mapping");
                    s.path = TraceFile.str(e, "path");
                    if ("closed".equals(e.get("what"))) {
                        s.close = TraceFile.num(e, "close", -1);
                    }
                }
                case "ws" -> {
                    Sock s = sock(socks, TraceFile.str(e, "sock"), connId);
                    s.frames[dir]++;
                    s.wire[dir] += TraceFile.num(e, "wire", 0);
                    s.payload[dir] += TraceFile.num(e, "len", 0);
                    String op = TraceFile.str(e, "op");
                    s.opcodes.computeIfAbsent(op, k -> new long[2])[dir]++;
                    // round trips of our pings: a Pong answers the latest Ping, older ones stay unanswered
                    if ("PING".equals(op) && dir == 0) {
                        s.pings.add(t);
                    } else if ("PONG".equals(op) && dir == 1 && !s.pings.isEmpty()) {
                        s.rtts.add(t - s.pings.pollLast());
                        s.pings.clear();
                    }
                }
                case "h2" -> {
                    String type = TraceFile.str(e, "type");
                    c.frames.computeIfAbsent(type, k -> new long[2])[dir]++;
                    c.totalFrames[dir]++;
                    long len = TraceFile.num(e, "len", -1);
                    c.bytes[dir] += 9 + Math.max(0, len);
                    c.headersUnsized |= len < 0;
                    if ("PING".equals(type)) {
                        boolean ack = (TraceFile.num(e, "flags", 0) & 1) != 0;
                        if (!ack && dir == 0) {
                            c.pings.add(t);
                        } else if (ack && dir == 1 && !c.pings.isEmpty()) {
                            c.rtts.add(t - c.pings.poll());
                        }
                    }
                    if ("DATA".equals(type)) {
                        c.dataBytes[dir] += TraceFile.num(e, "len", 0);
                    }
                    if ("SETTINGS".equals(type) && dir == 1 && e.get("settings") instanceof Map<?, ?> m) {
                        m.forEach((k, v) -> c.peerSettings.put(String.valueOf(k), v));
                    }
                    if ("RST_STREAM".equals(type) || "GO_AWAY".equals(type) || "GOAWAY".equals(type)) {
                        c.notes.add(String.format(Locale.ROOT, "at %.1f ms %s %s stream %s error %s%s", t / 1e6, dir == 0 ? "sent" : "received",
                                type, e.get("stream"), e.get("error"), e.get("info") == null ? "" : " (" + e.get("info") + ")"));
                    }
                }
                case "h1" -> c.notes.add(String.format(Locale.ROOT, "at %.1f ms %s: %s", t / 1e6, dir == 0 ? "sent" : "received", e.get("line")));
                default -> { }
            }
        }
        List<Stalls.Stall> stalls = Stalls.find(trace.events);
        out.println("trace " + file + " (" + trace.header.get("endpoint") + ", schema v" + trace.header.get("v") + ", "
                + trace.events.size() + " events" + (trace.header.get("part") == null ? "" : ", part " + trace.header.get("part")
                + " of a rotated trace") + ")");
        out.println(clockNote(trace));
        out.println();
        out.println("sockets (WebSocket layer; wire = frame headers + payload; overhead = wire / payload)");
        out.printf(Locale.ROOT, "  %-5s %-4s %-6s %-3s %-12s %-10s %8s %8s %10s %10s %9s %9s  %s%n", "sock", "conn", "stream", "tr",
                "mapping", "path", "fr.out", "fr.in", "pay.out", "pay.in", "ovh.out", "ovh.in", "close / stalled");
        for (Sock s : socks.values()) {
            long stalled = stalls.stream().filter(st -> st.conn().equals(s.conn) && st.stream() == s.stream && s.stream > 0)
                    .mapToLong(Stalls.Stall::nanos).sum();
            out.printf(Locale.ROOT, "  %-5s %-4s %-6s %-3s %-12s %-10s %8d %8d %10d %10d %9s %9s  %s%s%n", s.id, s.conn,
                    s.stream > 0 ? "#" + s.stream : "-", s.transport, s.mapping, s.path, s.frames[0], s.frames[1], s.payload[0],
                    s.payload[1], ratio(s.wire[0], s.payload[0]), ratio(s.wire[1], s.payload[1]),
                    s.close < 0 ? "open" : String.valueOf(s.close), stalled > 0 ? String.format(Locale.ROOT, ", stalled %.1f ms", stalled / 1e6) : "");
            StringBuilder ops = new StringBuilder();
            s.opcodes.forEach((op, n) -> ops.append(' ').append(op).append(' ').append(n[0]).append('/').append(n[1]));
            out.println("        frames out/in by opcode:" + ops);
            if (!s.rtts.isEmpty()) {
                out.println("        ping round trips: " + rtt(s.rtts));
            }
        }
        out.println();
        out.println("connections");
        for (Conn c : conns.values()) {
            out.printf(Locale.ROOT, "  %s: %.1f ms, from %.1f ms to %.1f ms%n", c.id, c.first == Long.MAX_VALUE ? 0 : (c.last - c.first) / 1e6,
                    c.first == Long.MAX_VALUE ? 0 : c.first / 1e6, c.last / 1e6);
            if (!c.frames.isEmpty()) {
                StringBuilder f = new StringBuilder();
                c.frames.forEach((type, n) -> f.append(' ').append(type).append(' ').append(n[0]).append('/').append(n[1]));
                out.println("    HTTP/2 frames out/in:" + f);
                long wsWire = socks.values().stream().filter(s -> s.conn.equals(c.id)).mapToLong(s -> s.wire[0] + s.wire[1]).sum();
                out.printf(Locale.ROOT, "    DATA payload bytes out/in: %d/%d (WebSocket wire bytes on this connection: %d)%n",
                        c.dataBytes[0], c.dataBytes[1], wsWire);
                out.printf(Locale.ROOT, "    HTTP/2 totals out/in: %d/%d frames, %d/%d bytes (9-byte frame headers + payloads%s)%n",
                        c.totalFrames[0], c.totalFrames[1], c.bytes[0], c.bytes[1],
                        c.headersUnsized ? "; HEADERS blocks not counted: their HPACK size is not traced" : "");
                Map<Long, Long> blocked = new TreeMap<>();
                for (Stalls.Stall st : stalls) {
                    if (st.conn().equals(c.id)) {
                        blocked.merge(st.stream(), st.nanos(), Long::sum);
                    }
                }
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "connection %.1f ms",
                        blocked.getOrDefault(0L, 0L) / 1e6));
                blocked.forEach((stream, n) -> {
                    if (stream != 0) {
                        b.append(String.format(Locale.ROOT, ", stream #%d %.1f ms", stream, n / 1e6));
                    }
                });
                out.println("    flow-control blocked (send window at 0): " + b);
                if (!c.rtts.isEmpty()) {
                    out.println("    HTTP/2 PING round trips: " + rtt(c.rtts));
                }
            }
            if (!c.peerSettings.isEmpty()) {
                out.println("    peer SETTINGS: " + c.peerSettings);
            }
            for (String n : c.notes) {
                out.println("    " + n);
            }
            for (Stalls.Stall st : stalls) {
                if (st.conn().equals(c.id)) {
                    out.printf(Locale.ROOT, "    stall: %s send window at 0 from %.1f ms to %.1f ms (%.1f ms%s)%n",
                            st.stream() == 0 ? "connection" : "stream #" + st.stream(), st.from() / 1e6, st.to() / 1e6,
                            st.nanos() / 1e6, st.open() ? ", still stalled at the end" : "");
                }
            }
        }
        out.flush();
        return 0;
    }

    /** The one clock of {@code summarize} and {@code timeline}, stated the same way in both. */
    static String clockNote(TraceFile trace) {
        return "times: ms since the trace started (t = 0 at " + trace.header.get("start")
                + (trace.header.get("part") == null ? ", its header line" : ", the header of its first file")
                + "), in summarize and timeline alike";
    }

    private static Sock sock(Map<String, Sock> socks, String id, String conn) {
        return socks.computeIfAbsent(id, k -> {
            Sock s = new Sock();
            s.id = k;
            s.conn = conn;
            return s;
        });
    }

    private static String rtt(List<Long> rtts) {
        long min = rtts.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = rtts.stream().mapToLong(Long::longValue).max().orElse(0);
        double mean = rtts.stream().mapToLong(Long::longValue).average().orElse(0);
        return String.format(Locale.ROOT, "%d, min %.3f ms, mean %.3f ms, max %.3f ms", rtts.size(), min / 1e6, mean / 1e6, max / 1e6);
    }

    private static String ratio(long wire, long payload) {
        return payload == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) wire / payload);
    }
}
