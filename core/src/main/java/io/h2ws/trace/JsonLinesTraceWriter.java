package io.h2ws.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import io.h2ws.core.internal.frame.Opcode;

/**
 * Writes a trace as JSON lines, schema version {@link TraceEvent#SCHEMA_VERSION}
 * ({@code spec-notes/trace.md}): a header line, then one object per event, with {@code t} in
 * nanoseconds since the header. Each line is flushed, so a trace survives a killed process.
 */
public final class JsonLinesTraceWriter implements TraceListener, AutoCloseable {

    private final Writer out;
    private final long origin;
    private boolean failed;

    /** Writes to {@code file}, replacing it. */
    public JsonLinesTraceWriter(Path file, String endpoint) throws IOException {
        this(Files.newBufferedWriter(file, StandardCharsets.UTF_8), endpoint);
    }

    /**
     * @param endpoint who traces: "client" or "server" (written in the header)
     */
    public JsonLinesTraceWriter(Writer out, String endpoint) {
        this.out = out instanceof BufferedWriter ? out : new BufferedWriter(out);
        this.origin = System.nanoTime();
        StringBuilder b = new StringBuilder(128);
        b.append("{\"ev\":\"trace\",\"schema\":\"h2ws-trace\",\"v\":").append(TraceEvent.SCHEMA_VERSION);
        b.append(",\"endpoint\":");
        str(b, endpoint);
        b.append(",\"start\":");
        str(b, Instant.now().toString());
        b.append(",\"clock\":\"t is nanoseconds since this line (System.nanoTime)\"}");
        line(b);
    }

    @Override
    public void onEvent(TraceEvent event) {
        line(toJson(event, origin));
    }

    private synchronized void line(CharSequence s) {
        if (failed) {
            return;
        }
        try {
            out.append(s).append('\n');
            out.flush();
        } catch (IOException e) {
            failed = true; // a full disk must not break the connections
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON object of one event, {@code t} relative to {@code origin} (a {@link System#nanoTime()}). */
    public static StringBuilder toJson(TraceEvent e, long origin) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"t\":").append(e.nanos() - origin);
        if (e instanceof TraceEvent.WsFrame f) {
            b.append(",\"ev\":\"ws\",\"dir\":").append(f.outbound() ? "\"out\"" : "\"in\"");
            b.append(",\"conn\":");
            str(b, f.conn());
            b.append(",\"sock\":");
            str(b, f.socket());
            num(b, "stream", f.stream());
            b.append(",\"op\":");
            str(b, Opcode.name(f.opcode()));
            b.append(",\"opcode\":").append(f.opcode());
            b.append(",\"fin\":").append(f.fin());
            b.append(",\"rsv\":").append(f.rsv());
            b.append(",\"masked\":").append(f.masked());
            b.append(",\"len\":").append(f.length());
            b.append(",\"wire\":").append(f.wire());
            num(b, "close", f.closeCode() < 0 ? TraceEvent.ABSENT : f.closeCode());
        } else if (e instanceof TraceEvent.H2Frame f) {
            b.append(",\"ev\":\"h2\",\"dir\":").append(f.outbound() ? "\"out\"" : "\"in\"");
            b.append(",\"conn\":");
            str(b, f.conn());
            b.append(",\"type\":");
            str(b, f.type());
            b.append(",\"stream\":").append(f.stream());
            b.append(",\"flags\":").append(f.flags());
            if (f.endStream()) {
                b.append(",\"end_stream\":true");
            }
            num(b, "len", f.length());
            if (f.settings() != null) {
                b.append(",\"settings\":{");
                boolean first = true;
                for (Map.Entry<String, Integer> s : f.settings().entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    str(b, s.getKey());
                    b.append(':').append(s.getValue());
                }
                b.append('}');
            }
            num(b, "incr", f.increment());
            num(b, "error", f.errorCode());
            num(b, "conn_window", f.connWindow());
            num(b, "stream_window", f.streamWindow());
            if (f.info() != null) {
                b.append(",\"info\":");
                str(b, f.info());
            }
        } else if (e instanceof TraceEvent.Http1 h) {
            b.append(",\"ev\":\"h1\",\"dir\":").append(h.outbound() ? "\"out\"" : "\"in\"");
            b.append(",\"conn\":");
            str(b, h.conn());
            b.append(",\"sock\":");
            str(b, h.socket());
            b.append(",\"line\":");
            str(b, h.line());
        } else if (e instanceof TraceEvent.Socket s) {
            b.append(",\"ev\":\"socket\",\"what\":");
            str(b, s.what());
            b.append(",\"conn\":");
            str(b, s.conn());
            b.append(",\"sock\":");
            str(b, s.socket());
            num(b, "stream", s.stream());
            b.append(",\"transport\":");
            str(b, s.transport());
            b.append(",\"mapping\":");
            str(b, s.mapping());
            b.append(",\"role\":");
            str(b, s.role());
            b.append(",\"path\":");
            str(b, s.path());
            num(b, "close", s.closeCode() < 0 ? TraceEvent.ABSENT : s.closeCode());
        }
        return b.append('}');
    }

    private static void num(StringBuilder b, String name, int v) {
        if (v != TraceEvent.ABSENT) {
            b.append(",\"").append(name).append("\":").append(v);
        }
    }

    /** A JSON string (or null). */
    public static void str(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
