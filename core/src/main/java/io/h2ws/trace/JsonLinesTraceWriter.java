package io.h2ws.trace;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;

import io.h2ws.core.internal.frame.Opcode;

/**
 * Writes a trace as JSON lines, schema version {@link TraceEvent#SCHEMA_VERSION}
 * ({@code spec-notes/trace.md}): a header line, then one object per event, with {@code t} in
 * nanoseconds since the trace started (its first header). Each line is flushed, so a trace
 * survives a killed process. Written to a file, it can be held to a size: when the file reaches
 * it, the file becomes {@code FILE.1} (the older ones {@code FILE.2}...; the oldest beyond the
 * number kept is deleted) and a new {@code FILE} starts with a header of its own, with the same
 * clock, so every file reads on its own and times line up across files.
 */
public final class JsonLinesTraceWriter implements TraceListener, AutoCloseable {

    private final long origin;
    private final String endpoint;
    private final String start;
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private Writer out;
    private CountingStream counted;
    private int part;
    private boolean failed;

    /** Writes to {@code file}, replacing it, with no size limit. */
    public JsonLinesTraceWriter(Path file, String endpoint) throws IOException {
        this(file, endpoint, 0, 0);
    }

    /**
     * Writes to {@code file}, replacing it; when it holds {@code maxBytes} or more, rotates it.
     *
     * @param maxBytes size at which the file is rotated (the line that crosses it is the last
     *                 of that file); 0 for no limit
     * @param keep     rotated files kept besides the current one ({@code FILE.1} .. {@code FILE.keep}),
     *                 0 to keep none: at most {@code (keep + 1) * maxBytes} (plus a line each) on disk
     */
    public JsonLinesTraceWriter(Path file, String endpoint, long maxBytes, int keep) throws IOException {
        if (maxBytes < 0 || keep < 0) {
            throw new IllegalArgumentException("maxBytes and keep must be 0 or positive: " + maxBytes + ", " + keep);
        }
        this.origin = System.nanoTime();
        this.endpoint = endpoint;
        this.start = Instant.now().toString();
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        open();
    }

    /**
     * @param endpoint who traces: "client" or "server" (written in the header)
     */
    public JsonLinesTraceWriter(Writer out, String endpoint) {
        this.origin = System.nanoTime();
        this.endpoint = endpoint;
        this.start = Instant.now().toString();
        this.file = null;
        this.maxBytes = 0;
        this.keep = 0;
        this.out = out instanceof BufferedWriter ? out : new BufferedWriter(out);
        header();
    }

    private void open() throws IOException {
        counted = new CountingStream(Files.newOutputStream(file));
        out = new BufferedWriter(new OutputStreamWriter(counted, StandardCharsets.UTF_8));
        header();
    }

    private void header() {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"ev\":\"trace\",\"schema\":\"h2ws-trace\",\"v\":").append(TraceEvent.SCHEMA_VERSION);
        b.append(",\"endpoint\":");
        str(b, endpoint);
        b.append(",\"start\":");
        str(b, start);
        b.append(",\"clock\":\"t is nanoseconds since start, the header of the trace's first file (System.nanoTime)\"");
        if (maxBytes > 0) {
            b.append(",\"part\":").append(part).append(",\"max_bytes\":").append(maxBytes);
        }
        write(b.append('}'));
    }

    @Override
    public void onEvent(TraceEvent event) {
        line(toJson(event, origin));
    }

    private synchronized void line(CharSequence s) {
        if (failed) {
            return;
        }
        write(s);
        if (!failed && maxBytes > 0 && counted.count >= maxBytes) {
            rotate();
        }
    }

    private void write(CharSequence s) {
        try {
            out.append(s).append('\n');
            out.flush();
        } catch (IOException e) {
            failed = true; // a full disk must not break the connections
        }
    }

    /** FILE.(keep-1) to FILE.keep, ..., FILE to FILE.1, then a new FILE with the next part's header. */
    private void rotate() {
        try {
            out.close();
            for (int i = keep; i >= 1; i--) {
                Path from = i == 1 ? file : sibling(i - 1);
                if (Files.exists(from)) {
                    Files.move(from, sibling(i), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            part++;
            open(); // replaces FILE when nothing is kept
        } catch (IOException e) {
            failed = true;
        }
    }

    private Path sibling(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts the bytes that reach the file, so the limit is in bytes whatever the characters. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
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
