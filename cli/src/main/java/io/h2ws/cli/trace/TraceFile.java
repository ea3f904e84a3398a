package io.h2ws.cli.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.h2ws.trace.TraceEvent;

/** A trace read back: its header line and its events, in file order. */
final class TraceFile {
    final Map<String, Object> header;
    final List<Map<String, Object>> events;

    private TraceFile(Map<String, Object> header, List<Map<String, Object>> events) {
        this.header = header;
        this.events = events;
    }

    static TraceFile read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, Object> header = null;
        List<Map<String, Object>> events = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> o;
            try {
                o = Json.object(line);
            } catch (RuntimeException e) {
                throw new IOException(file + " line " + n + ": " + e.getMessage(), e);
            }
            if ("trace".equals(o.get("ev"))) {
                Object v = o.get("v");
                if (!(v instanceof Long version) || version > TraceEvent.SCHEMA_VERSION) {
                    throw new IOException(file + ": trace schema version " + v + ", this h2ws reads up to " + TraceEvent.SCHEMA_VERSION);
                }
                header = o;
            } else {
                events.add(o);
            }
        }
        if (header == null) {
            throw new IOException(file + ": no header line (not an h2ws trace?)");
        }
        return new TraceFile(header, events);
    }

    static String str(Map<String, Object> e, String k) {
        Object v = e.get(k);
        return v == null ? null : v.toString();
    }

    static long num(Map<String, Object> e, String k, long dflt) {
        Object v = e.get(k);
        return v instanceof Number n ? n.longValue() : dflt;
    }

    static boolean is(Map<String, Object> e, String k) {
        return Boolean.TRUE.equals(e.get(k));
    }
}
