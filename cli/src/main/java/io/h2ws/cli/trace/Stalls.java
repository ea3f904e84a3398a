package io.h2ws.cli.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flow-control stalls in a trace, as the sender sees them: a stream (or the connection) is
 * stalled from an outgoing DATA frame that leaves its send window at 0 (or below) until a
 * WINDOW_UPDATE, or an outgoing DATA frame, shows it positive again; a stall still open at the
 * end of the trace ends there.
 */
final class Stalls {

    /** One stall: on {@code conn}, {@code stream} (0 for the connection window), from..to in trace nanoseconds. */
    record Stall(String conn, long stream, long from, long to, boolean open) {
        long nanos() {
            return to - from;
        }
    }

    static List<Stall> find(List<Map<String, Object>> events) {
        Map<String, Long> since = new LinkedHashMap<>();
        List<Stall> out = new ArrayList<>();
        long end = 0;
        for (Map<String, Object> e : events) {
            long t = TraceFile.num(e, "t", 0);
            end = Math.max(end, t);
            if (!"h2".equals(e.get("ev"))) {
                continue;
            }
            String conn = TraceFile.str(e, "conn");
            String type = TraceFile.str(e, "type");
            boolean outbound = "out".equals(e.get("dir"));
            long stream = TraceFile.num(e, "stream", 0);
            boolean data = "DATA".equals(type) && outbound;
            boolean update = "WINDOW_UPDATE".equals(type) && !outbound;
            if (!data && !update) {
                continue;
            }
            // the stream's window on DATA and stream updates, the connection's on DATA and connection updates
            if (data || stream != 0) {
                track(since, out, conn, stream, TraceFile.num(e, "stream_window", Long.MIN_VALUE), t);
            }
            if (data || stream == 0) {
                track(since, out, conn, 0, TraceFile.num(e, "conn_window", Long.MIN_VALUE), t);
            }
        }
        for (Map.Entry<String, Long> open : since.entrySet()) {
            String[] k = open.getKey().split("#");
            out.add(new Stall(k[0], Long.parseLong(k[1]), open.getValue(), end, true));
        }
        return out;
    }

    private static void track(Map<String, Long> since, List<Stall> out, String conn, long stream, long window, long t) {
        if (window == Long.MIN_VALUE) {
            return;
        }
        String key = conn + "#" + stream;
        if (window <= 0) {
            since.putIfAbsent(key, t);
        } else {
            Long from = since.remove(key);
            if (from != null) {
                out.add(new Stall(conn, stream, from, t, false));
            }
        }
    }
}
