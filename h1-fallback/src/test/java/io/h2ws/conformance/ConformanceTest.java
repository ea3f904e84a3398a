package io.h2ws.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.h2ws.H2wsServer;

/**
 * An Autobahn-style conformance suite against the server {@code h2ws serve} runs by default
 * ({@link ServeDefaults}), over both transports: an HTTP/1.1 Upgrade (RFC 6455) and an HTTP/2
 * extended CONNECT stream (RFC 8441), where the same masked RFC 6455 frames travel in DATA
 * frames. The client ({@link Peer}, {@link H1Wire}, {@link H2Client}) is written for the suite and
 * uses nothing of the library.
 *
 * <p>Each case is graded as Autobahn's fuzzingclient grades it: the events received (echoed
 * messages, pongs, in order) must equal the case's OK list, or its NON-STRICT list where
 * Autobahn has one; and the close behaviour is held to Autobahn's strict reading: the right
 * endpoint starts the closing handshake, the server's Close carries one of the expected codes,
 * and the server ends its side (h1: FIN; h2: END_STREAM, or RST_STREAM where the connection is
 * failed) within 1 s of its Close (Autobahn's serverConnectionDropTimeout), without sending
 * anything after it. On HTTP/2 each case then opens another stream on the same connection,
 * which must still echo and close cleanly. Every frame the server sends is checked against the
 * rules a server must keep (unmasked, minimal lengths, no reserved bits or opcodes, valid UTF-8,
 * valid close codes).
 *
 * <p>Run alone: {@code mvn -q -o verify -pl h1-fallback -am -Dtest=ConformanceTest
 * -Dsurefire.failIfNoSpecifiedTests=false}; the summary is printed and written to
 * {@code h1-fallback/target/conformance-summary.txt}. {@code -Dconformance.log=2.10,7.9.1} (or
 * {@code all}) prints those cases' wire logs; a failing case always shows its own.
 * {@code -Dconformance.cases=2.10,7.9} runs only the cases whose number starts so (by whole parts).
 */
class ConformanceTest {

    private static final Map<String, Wire.Opener> TRANSPORTS = Map.of("h1", H1Wire::open, "h2", H2Client::open);
    /** Autobahn's serverConnectionDropTimeout: how long the server may take to end its side after its Close. */
    private static final long END_AFTER_CLOSE_MS = 1000;
    /**
     * How long the server may take to fail the connection after the case's last frame (Autobahn's
     * killAfter(1)), or to answer our Close (Autobahn's closeHandshakeTimeout, 1 s).
     */
    private static final long CLOSE_TIMEOUT_MS = 1000;

    private static H2wsServer server;
    private static final ConcurrentLinkedQueue<Row> ROWS = new ConcurrentLinkedQueue<>();

    /** What the summary needs of a case; no Case kept, so its expected events can go. */
    record Row(String transport, String id, String category, String title, Case.Result result, long millis, String note) {}

    @BeforeAll
    static void start() throws Exception {
        server = ServeDefaults.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        summary();
    }

    static Stream<Arguments> cases() {
        List<Arguments> args = new ArrayList<>();
        String only = System.getProperty("conformance.cases", "");
        for (Case c : Cases.all()) {
            if (!only.isEmpty() && Arrays.stream(only.split(",")).noneMatch(prefix -> (c.id + ".").startsWith(prefix))) {
                continue;
            }
            for (String t : List.of("h1", "h2")) {
                args.add(Arguments.of(t + " " + c.display(), t, c));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void autobahn(String name, String transport, Case c) throws Exception {
        long t0 = System.nanoTime();
        Outcome o = run(transport, c);
        String leak = awaitNoOpenSockets();
        if (leak != null) {
            List<String> problems = new ArrayList<>(o.problems);
            problems.add(leak);
            o = new Outcome(Case.Result.FAILED, problems, o.log, o.note);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        ROWS.add(new Row(transport, c.id, category(c), c.title, o.result, ms, o.note));
        String show = System.getProperty("conformance.log", "");
        if (show.equals("all") || Arrays.asList(show.split(",")).contains(c.id)) {
            System.out.println("[conformance] " + transport + " " + c.display() + ": " + o.result
                    + (o.problems.isEmpty() ? "" : " " + o.problems) + "\n" + o.log);
        }
        if (o.result == Case.Result.FAILED) {
            fail(transport + " " + c.display() + ": " + String.join("; ", o.problems) + "\n" + o.log);
        }
    }

    /** The UTF-8 vectors say valid where the JDK's strict decoder says so, and there are as many as Autobahn has. */
    @Test
    void utf8VectorsAgreeWithTheJdk() {
        int n = 0;
        for (Utf8Vectors.Group g : Utf8Vectors.groups()) {
            for (Utf8Vectors.Vector v : g.vectors()) {
                n++;
                assertEquals(v.valid(), Peer.checkUtf8(v.bytes()) == null, g.name() + " " + Peer.hex(v.bytes(), 64));
            }
        }
        assertEquals(19, Utf8Vectors.groups().size());
        assertEquals(132, n);
    }

    record Outcome(Case.Result result, List<String> problems, String log, String note) {}

    static Outcome run(String transport, Case c) {
        List<String> problems = new ArrayList<>();
        Wire wire;
        try {
            wire = TRANSPORTS.get(transport).open(server.port(), ServeDefaults.PATH, c.offer);
        } catch (IOException e) {
            return new Outcome(Case.Result.FAILED, List.of("opening handshake failed: " + e.getMessage()), "", null);
        }
        long seed = (transport + c.id).hashCode();
        try (Peer p = new Peer(wire, seed, c.offer)) {
            boolean negotiated = p.deflate() != null;
            if (c.offer != null && negotiated != c.mustNegotiate) {
                problems.add(c.mustNegotiate ? "the server declined the permessage-deflate offer"
                        : "the server accepted an offer it cannot honour: " + wire.extensions());
            }
            try {
                c.actions.run(p);
            } catch (Exception e) {
                problems.add("the case's actions failed: " + e);
            }
            if (c.closeBy == Case.CloseBy.CLIENT_AFTER_EVENTS) {
                p.awaitMatch(c.allowed(), c.eventTimeoutMs); // a mismatch is reported with the events below
                if (p.awaitClose(0) == null && !p.sentClose()) {
                    p.sendClose(1000);
                }
            }
            if (c.closeBy == Case.CloseBy.ABRUPT) {
                // no closing handshake: whatever Close came must only be valid (Peer checks that)
                if (c.expectEnd && p.awaitEnd(System.nanoTime() + END_AFTER_CLOSE_MS * 1_000_000) == null) {
                    problems.add("the server did not end its side within " + END_AFTER_CLOSE_MS + " ms of ours");
                }
            } else {
                closePhase(transport, c, p, problems);
            }
            List<Peer.Ev> received = p.received();
            Case.Result behaviour;
            String note = null;
            if (received.equals(c.ok)) {
                behaviour = Case.Result.OK;
            } else if (c.nonStrict.contains(received)) {
                behaviour = Case.Result.NON_STRICT;
                note = c.nonStrictWhy;
            } else {
                behaviour = Case.Result.FAILED;
                problems.add("received " + brief(received) + ", expected " + brief(c.ok)
                        + (c.nonStrict.isEmpty() ? "" : " or " + c.nonStrict.stream().map(ConformanceTest::brief).toList()));
            }
            problems.addAll(p.violations());
            String reuse = wire.checkReusable();
            if (reuse != null) {
                problems.add(reuse);
            }
            Case.Result result;
            if (!problems.isEmpty() && !(c.informational && behaviour == Case.Result.FAILED && problems.size() == 1)) {
                result = Case.Result.FAILED;
            } else if (c.informational) {
                result = Case.Result.INFORMATIONAL;
                note = "received " + brief(received);
            } else if (c.offer != null && !negotiated) {
                result = Case.Result.UNIMPLEMENTED;
                note = "offer declined: " + c.offer;
            } else {
                result = behaviour;
            }
            return new Outcome(result, problems, p.log(), note);
        }
    }

    /** The closing handshake as Autobahn's client runs it, and the server's end of its side after it. */
    private static void closePhase(String transport, Case c, Peer p, List<String> problems) {
        Peer.Close close = p.awaitClose(CLOSE_TIMEOUT_MS);
        long endDeadline;
        if (close == null) {
            problems.add("no Close frame from the server within " + CLOSE_TIMEOUT_MS + " ms");
            endDeadline = System.nanoTime();
        } else {
            if (c.closeBy == Case.CloseBy.SERVER && !close.beforeOurs()) {
                problems.add("the server did not fail the connection: it only answered our Close");
            }
            if (c.closeBy != Case.CloseBy.SERVER && close.beforeOurs()) {
                problems.add("the server closed first (" + close.code() + " " + close.reasonText() + ")");
            }
            if (Arrays.stream(c.codes).noneMatch(code -> code == close.code())) {
                problems.add("close code " + close.code() + " (\"" + close.reasonText() + "\"), expected "
                        + Arrays.toString(c.codes));
            }
            if (!p.sentClose()) {
                p.sendClose(close.code() == 1005 ? 1000 : close.code()); // as Autobahn's client: complete the handshake
            }
            endDeadline = close.nanos() + END_AFTER_CLOSE_MS * 1_000_000;
        }
        Wire.End end = p.awaitEnd(Math.max(endDeadline, System.nanoTime()));
        if (end == null) {
            problems.add("the server did not end the " + (transport.equals("h1") ? "TCP connection" : "stream")
                    + " within " + END_AFTER_CLOSE_MS + " ms of its Close");
        } else if (end == Wire.End.RESET && c.requireClean) {
            problems.add("unclean end: " + p.endDetail());
        } else if (close != null && p.endNanos() < close.nanos()) {
            problems.add("the " + (transport.equals("h1") ? "connection" : "stream") + " ended before a Close");
        }
        if (end == Wire.End.CLEAN && !p.halfClosed()) {
            try {
                p.wire.endOutput();
            } catch (IOException e) {
                // the server may have reset already
            }
        }
    }

    /** After a case every server socket must be released: the server closed its side and freed it. */
    private static String awaitNoOpenSockets() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (server.openSockets() > 0 && System.nanoTime() < deadline) {
            Peer.pause(5);
        }
        int open = server.openSockets();
        return open == 0 ? null : "the server still holds " + open + " socket(s) 2 s after the case";
    }

    private static String brief(List<Peer.Ev> events) {
        if (events.size() <= 6) {
            return events.toString();
        }
        return "[" + events.size() + " events: " + events.subList(0, 3) + " ... " + events.get(events.size() - 1) + "]";
    }

    // ------------------------------------------------------------------ summary

    private static final String[] CATEGORIES = {"1", "2", "3", "4", "5", "6", "7", "9", "10", "12", "13", "x"};
    private static final Map<String, String> NAMES = Map.ofEntries(Map.entry("1", "framing"), Map.entry("2", "ping/pong"),
            Map.entry("3", "reserved bits"), Map.entry("4", "reserved opcodes"), Map.entry("5", "fragmentation"),
            Map.entry("6", "UTF-8"), Map.entry("7", "close handling"), Map.entry("9", "bulk"),
            Map.entry("10", "auto-fragmentation"), Map.entry("12", "permessage-deflate"),
            Map.entry("13", "deflate parameters"), Map.entry("x", "h2ws extras (7.90, 12.90)"));

    private static String category(Case c) {
        return c.extra ? "x" : String.valueOf(c.category());
    }

    private static void summary() throws IOException {
        if (ROWS.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder("Conformance summary (Autobahn grading; cases per category and transport)\n");
        b.append(String.format("%-30s %-3s %5s %5s %10s %5s %6s %6s %8s%n", "category", "tr", "cases", "OK", "NON-STRICT",
                "INFO", "UNIMPL", "FAILED", "time ms"));
        Map<String, int[]> totals = new TreeMap<>();
        for (String cat : CATEGORIES) {
            for (String t : List.of("h1", "h2")) {
                int[] n = new int[6];
                long ms = 0;
                for (Row r : ROWS) {
                    if (r.transport.equals(t) && r.category.equals(cat)) {
                        n[0]++;
                        n[1 + r.result.ordinal()]++;
                        ms += r.millis;
                    }
                }
                if (n[0] == 0) {
                    continue;
                }
                int[] tot = totals.computeIfAbsent(t, k -> new int[6]);
                for (int i = 0; i < 6; i++) {
                    tot[i] += n[i];
                }
                b.append(String.format("%-30s %-3s %5d %5d %10d %5d %6d %6d %8d%n", cat + " " + NAMES.get(cat), t, n[0], n[1], n[2],
                        n[3], n[4], n[5], ms));
            }
        }
        totals.forEach((t, n) -> b.append(String.format("%-30s %-3s %5d %5d %10d %5d %6d %6d%n", "all", t, n[0], n[1], n[2], n[3],
                n[4], n[5])));
        List<Row> sorted = new ArrayList<>(ROWS);
        sorted.sort((x, y) -> compareIds(x.id, y.id) != 0 ? compareIds(x.id, y.id) : x.transport.compareTo(y.transport));
        b.append("\nNot OK:\n");
        for (Row r : sorted) {
            if (r.result != Case.Result.OK) {
                b.append(String.format("  %-3s %-8s %-13s %s%n", r.transport, r.id, r.result, r.note == null ? "" : r.note));
            }
        }
        b.append("\nSlowest:\n");
        sorted.sort((x, y) -> Long.compare(y.millis, x.millis));
        for (Row r : sorted.subList(0, Math.min(8, sorted.size()))) {
            b.append(String.format("  %-3s %-8s %6d ms %s%n", r.transport, r.id, r.millis, r.title));
        }
        System.out.print(b);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("conformance-summary.txt"), b.toString(), StandardCharsets.UTF_8);
        }
        ROWS.clear(); // the module's other test classes share this JVM
    }

    private static int compareIds(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
