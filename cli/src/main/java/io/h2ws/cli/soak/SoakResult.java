package io.h2ws.cli.soak;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** What one transport's soak counted. */
public record SoakResult(String transport, int sockets, int opened, double seconds, long sent, long received,
                         long receivedBytes, long sentBytes, long fragmented, long lost, long duplicated, long reordered,
                         long corrupted, long pingsSent, long pongsReceived, long pongMismatches, long sendErrors,
                         int abnormalSockets, int serverSocketsLeft, long heapBefore, long heapOpen, long heapAfter,
                         long directBefore, long directAfter, long directCountBefore, long directCountAfter,
                         ServerPool.Snapshot serverPool,
                         List<String> problems) {

    /** Whether every message came back once, in order, intact, and every socket closed cleanly. */
    public boolean clean() {
        return lost == 0 && duplicated == 0 && reordered == 0 && corrupted == 0 && pongMismatches == 0
                && abnormalSockets == 0 && sendErrors == 0 && opened == sockets && serverSocketsLeft <= 0
                && (!serverPool.known() || serverPool.inUse() == 0);
    }

    /** Messages echoed per second of traffic. */
    public double messagesPerSecond() {
        return seconds <= 0 ? 0 : received / seconds;
    }

    /** Payload megabytes (10^6) echoed per second, one way. */
    public double megabytesPerSecond() {
        return seconds <= 0 ? 0 : receivedBytes / 1e6 / seconds;
    }

    /** A table: one row per figure, one column per transport. */
    public static void print(PrintWriter out, List<SoakResult> results) {
        out.printf(Locale.ROOT, "%-34s", "");
        results.forEach(r -> out.printf(Locale.ROOT, " %14s", r.transport()));
        out.println();
        row(out, results, "sockets opened / asked", r -> r.opened() + "/" + r.sockets());
        row(out, results, "traffic seconds", r -> String.format(Locale.ROOT, "%.1f", r.seconds()));
        row(out, results, "messages sent", r -> Long.toString(r.sent()));
        row(out, results, "  of which fragmented (2-4 parts)", r -> Long.toString(r.fragmented()));
        row(out, results, "messages received", r -> Long.toString(r.received()));
        row(out, results, "payload MB sent", r -> String.format(Locale.ROOT, "%.1f", r.sentBytes() / 1e6));
        row(out, results, "echoed msgs/s", r -> String.format(Locale.ROOT, "%.0f", r.messagesPerSecond()));
        row(out, results, "echoed payload MB/s (one way)", r -> String.format(Locale.ROOT, "%.1f", r.megabytesPerSecond()));
        row(out, results, "LOST", r -> Long.toString(r.lost()));
        row(out, results, "DUPLICATED", r -> Long.toString(r.duplicated()));
        row(out, results, "REORDERED", r -> Long.toString(r.reordered()));
        row(out, results, "CORRUPTED (crc/size/id)", r -> Long.toString(r.corrupted()));
        row(out, results, "pings sent", r -> Long.toString(r.pingsSent()));
        row(out, results, "pongs received", r -> Long.toString(r.pongsReceived()));
        row(out, results, "pong mismatches", r -> Long.toString(r.pongMismatches()));
        row(out, results, "send errors", r -> Long.toString(r.sendErrors()));
        row(out, results, "sockets ended abnormally", r -> Integer.toString(r.abnormalSockets()));
        row(out, results, "server sockets left open", r -> r.serverSocketsLeft() < 0 ? "n/a" : Integer.toString(r.serverSocketsLeft()));
        row(out, results, "heap before, MiB (after full GC)", r -> mib(r.heapBefore()));
        row(out, results, "heap open+drained, MiB", r -> mib(r.heapOpen()));
        row(out, results, "heap after close, MiB", r -> mib(r.heapAfter()));
        row(out, results, "heap per open socket, B", r -> String.format(Locale.ROOT, "%.0f",
                (r.heapOpen() - r.heapBefore()) / (double) Math.max(1, r.opened())));
        row(out, results, "heap after-before per socket, B", r -> String.format(Locale.ROOT, "%.0f",
                (r.heapAfter() - r.heapBefore()) / (double) Math.max(1, r.sockets())));
        row(out, results, "direct buffers before/after, KiB", r -> (r.directBefore() >> 10) + "/" + (r.directAfter() >> 10));
        row(out, results, "direct buffer count before/after", r -> r.directCountBefore() + "/" + r.directCountAfter());
        row(out, results, "server pool held heap/direct, KiB", r -> r.serverPool().known()
                ? (r.serverPool().heapBytes() >> 10) + "/" + (r.serverPool().directBytes() >> 10) : "n/a");
        row(out, results, "server pool buffers not returned", r -> r.serverPool().known()
                ? Long.toString(r.serverPool().inUse()) : "n/a");
        row(out, results, "verdict", r -> r.clean() ? "clean" : "FAILED");
        for (SoakResult r : results) {
            for (String p : r.problems()) {
                out.println(r.transport() + ": " + p);
            }
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static void row(PrintWriter out, List<SoakResult> results, String name, Function<SoakResult, String> f) {
        out.printf(Locale.ROOT, "%-34s", name);
        results.forEach(r -> out.printf(Locale.ROOT, " %14s", f.apply(r)));
        out.println();
    }
}
