package io.h2ws.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.h2ws.core.internal.frame.Opcode;

/** The trace writer's size limit with rotation, and socket sampling. */
class TraceLimitsTest {

    @TempDir
    Path dir;

    private static TraceEvent frame(long nanos, String conn, int stream, String sock) {
        return new TraceEvent.WsFrame(nanos, conn, sock, stream, true, Opcode.TEXT, true, 0, true, 16, 22, -1);
    }

    @Test
    @DisplayName("a size-limited trace rotates to FILE.1..FILE.keep, drops older files, and every file starts with a header on one clock")
    void rotation() throws Exception {
        Path file = dir.resolve("t.jsonl");
        long max = 4096;
        int keep = 2;
        long t0 = System.nanoTime();
        try (JsonLinesTraceWriter w = new JsonLinesTraceWriter(file, "server", max, keep)) {
            for (int i = 0; i < 2000; i++) { // about 40 files' worth
                w.onEvent(frame(t0 + 1_000_000L * (i + 1), "c1", 1, "s" + i));
            }
        }
        assertTrue(Files.exists(file) && Files.exists(dir.resolve("t.jsonl.1")) && Files.exists(dir.resolve("t.jsonl.2")));
        assertFalse(Files.exists(dir.resolve("t.jsonl.3")), "only " + keep + " rotated files kept");
        Pattern sock = Pattern.compile("\"sock\":\"s(\\d+)\"");
        Pattern t = Pattern.compile("\"t\":(\\d+)");
        Pattern part = Pattern.compile("\"part\":(\\d+)");
        List<Integer> parts = new ArrayList<>();
        int lastSock = -1;
        long lastT = -1;
        for (Path p : List.of(dir.resolve("t.jsonl.2"), dir.resolve("t.jsonl.1"), file)) {
            List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
            long size = Files.size(p);
            long lastLine = lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8).length + 1;
            assertTrue(size - lastLine < max, p + ": " + size + " bytes, the limit crossed by its last line only");
            assertTrue(lines.get(0).startsWith("{\"ev\":\"trace\"") && lines.get(0).contains("\"clock\":\"t is nanoseconds since start"), lines.get(0));
            Matcher pm = part.matcher(lines.get(0));
            assertTrue(pm.find(), lines.get(0));
            parts.add(Integer.parseInt(pm.group(1)));
            for (String line : lines.subList(1, lines.size())) {
                Matcher sm = sock.matcher(line);
                Matcher tm = t.matcher(line);
                assertTrue(sm.find() && tm.find(), line);
                int s = Integer.parseInt(sm.group(1));
                long nanos = Long.parseLong(tm.group(1));
                assertTrue(lastSock < 0 || s == lastSock + 1, "no event lost between files: " + lastSock + " then " + s);
                assertTrue(nanos > lastT, "one clock across files");
                lastSock = s;
                lastT = nanos;
            }
        }
        assertEquals(1999, lastSock);
        assertEquals(parts.get(0) + 1, parts.get(1));
        assertEquals(parts.get(1) + 1, parts.get(2));
        assertTrue(parts.get(2) > 10, "rotated many times: part " + parts.get(2));
    }

    @Test
    @DisplayName("without a limit the writer keeps one file and no part numbers")
    void noLimit() throws Exception {
        Path file = dir.resolve("u.jsonl");
        try (JsonLinesTraceWriter w = new JsonLinesTraceWriter(file, "client")) {
            for (int i = 0; i < 500; i++) {
                w.onEvent(frame(System.nanoTime(), "c1", 1, "s1"));
            }
        }
        assertEquals(501, Files.readAllLines(file).size());
        assertFalse(Files.readAllLines(file).get(0).contains("\"part\""));
        assertFalse(Files.exists(dir.resolve("u.jsonl.1")));
    }

    @Test
    @DisplayName("sampling 1 in n keeps or drops each socket whole, keeps the connection's own frames, and keeps about 1 in n")
    void sampling() {
        int n = 4;
        Map<String, Boolean> decided = new HashMap<>();
        Set<String> sockets = new HashSet<>();
        int kept = 0;
        for (int c = 1; c <= 200; c++) {
            String conn = "c" + c;
            for (int stream = 1; stream <= 39; stream += 2) {
                String key = conn + "#" + stream;
                sockets.add(key);
                List<TraceEvent> events = List.of(
                        new TraceEvent.H2Frame(1, conn, true, "HEADERS", stream, 0, TraceEvent.ABSENT, null, TraceEvent.ABSENT,
                                TraceEvent.ABSENT, 100, 100, "CONNECT :protocol=websocket /echo"),
                        new TraceEvent.Socket(2, conn, "s" + key, stream, "open", "H2", "rfc6455", "client", "/echo", TraceEvent.ABSENT),
                        frame(3, conn, stream, "s" + key),
                        new TraceEvent.H2Frame(4, conn, true, "DATA", stream, 0, 22, null, TraceEvent.ABSENT, TraceEvent.ABSENT, 78, 78, null));
                for (TraceEvent e : events) {
                    boolean k = TraceSampler.chosen(e, n);
                    Boolean before = decided.putIfAbsent(key, k);
                    assertTrue(before == null || before == k, key + ": all of a socket's events or none");
                }
                kept += decided.get(key) ? 1 : 0;
            }
            assertTrue(TraceSampler.chosen(new TraceEvent.H2Frame(5, conn, false, "SETTINGS", 0, 0, 6, Map.of(), TraceEvent.ABSENT,
                    TraceEvent.ABSENT, 1, TraceEvent.ABSENT, null), n), "stream 0 always");
            // an HTTP/1.1 socket: its connection is the unit
            boolean h1 = TraceSampler.chosen(new TraceEvent.Http1(6, "h" + c, "x", true, "GET /echo HTTP/1.1"), n);
            assertEquals(h1, TraceSampler.chosen(frame(7, "h" + c, TraceEvent.ABSENT, "x"), n));
        }
        double share = kept / (double) sockets.size();
        assertTrue(share > 0.8 / n && share < 1.2 / n, "kept " + kept + " of " + sockets.size());
        List<TraceEvent> got = new ArrayList<>();
        TraceListener one = TraceSampler.oneIn(1, got::add);
        one.onEvent(frame(1, "c1", 1, "s1"));
        assertEquals(1, got.size(), "1 in 1 is everything");
    }
}
