package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.h2ws.socket.Transport;

/**
 * Every HTTP/2 request gets a defined answer within milliseconds, and every client that speaks
 * RFC 8441 is accepted (issue 18). Requests are written as hand-built HPACK blocks, so fields
 * can be missing, duplicated, out of order, uppercase or invalid, which Jetty's encoder would
 * refuse to produce. The answers are listed in {@code spec-notes/rfc8441-mapping.md}.
 */
class H2RequestConformanceTest {

    /** Replaced by the server's authority in each row. */
    static final String AUTH = "<authority>";
    static final long BOUND_MS = 5_000;

    static HostileServer hs;

    @BeforeAll
    static void start() throws Exception {
        hs = new HostileServer(b -> b);
    }

    @AfterAll
    static void stop() throws Exception {
        if (hs != null) {
            hs.close();
        }
    }

    @Test
    @DisplayName("RFC 8441 section 3: a client's SETTINGS_ENABLE_CONNECT_PROTOCOL = 0 has no effect; its extended CONNECT opens, echoes, closes")
    void rfc8441Section3ClientSettingZeroIsIgnored() throws Exception {
        try (RawH2Conn c = new RawH2Conn(hs.port(), Map.of(SettingsFrame.ENABLE_CONNECT_PROTOCOL, 0))) {
            SettingsFrame s = c.settings.get(5, TimeUnit.SECONDS);
            assertEquals(1, s.getSettings().get(SettingsFrame.ENABLE_CONNECT_PROTOCOL));
            int id = c.connect("/echo");
            c.flush();
            awaitAnswer(c, id);
            assertEquals(null, c.resets.get(id), "extended CONNECT reset: " + c.resets);
            assertEquals(200, c.statuses.get(id));
            echo(c, id, "hello despite ENABLE_CONNECT_PROTOCOL=0");
            close(c, id);
            assertFalse(c.goAway.isDone(), "GOAWAY: " + c.goAway.getNow(null));
        }
    }

    /** One malformed (or borderline) request: what it is, where the RFC says so, and the answer we give. */
    record Row(String name, String rfc, String expected, boolean endStream, String[] fields, byte[] rawBlock,
               byte[] body, boolean bodyEnds) {
        @Override
        public String toString() {
            return rfc + ": " + name + " -> " + expected;
        }
    }

    static final String MALFORMED = "400+RST(PROTOCOL_ERROR)";

    static String[] ext(String... extra) {
        return concat(new String[] {":method", "CONNECT", ":protocol", "websocket", ":scheme", "http", ":path", "/echo",
                ":authority", AUTH, "sec-websocket-version", "13"}, extra);
    }

    static String[] get(String... extra) {
        return concat(new String[] {":method", "GET", ":scheme", "http", ":path", "/x", ":authority", AUTH}, extra);
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** {@code fields} without the field named {@code name} (all of them). */
    static String[] without(String name, String[] fields) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < fields.length; i += 2) {
            if (!fields[i].equals(name)) {
                out.add(fields[i]);
                out.add(fields[i + 1]);
            }
        }
        return out.toArray(String[]::new);
    }

    static Row row(String name, String rfc, String expected, String... fields) {
        return new Row(name, rfc, expected, false, fields, null, null, false);
    }

    static Stream<Row> rows() {
        return Stream.of(
                // RFC 8441 section 4: what an extended CONNECT must carry
                row("extended CONNECT without :path", "RFC 8441 section 4", MALFORMED, without(":path", ext())),
                row("extended CONNECT without :scheme", "RFC 8441 section 4", MALFORMED, without(":scheme", ext())),
                row("extended CONNECT without :authority", "RFC 8441 section 4", MALFORMED, without(":authority", ext())),
                row("extended CONNECT with an empty :path", "RFC 9113 section 8.3.1", MALFORMED,
                        concat(without(":path", ext()), new String[] {":path", ""})),
                row(":protocol on a GET", "RFC 8441 section 4", MALFORMED, get(":protocol", "websocket")),
                row(":protocol on a POST", "RFC 8441 section 4", MALFORMED,
                        concat(without(":method", get()), new String[] {":method", "POST", ":protocol", "websocket"})),
                new Row("extended CONNECT with END_STREAM on its HEADERS (no tunnel possible)", "RFC 8441 section 4",
                        "400", true, ext(), null, null, false),
                // RFC 9113 section 8.5: CONNECT without :protocol
                row("CONNECT with :scheme and :path but no :protocol", "RFC 9113 section 8.5", MALFORMED,
                        without(":protocol", ext())),
                row("CONNECT with :path, no :scheme, no :protocol", "RFC 9113 section 8.5", MALFORMED,
                        ":method", "CONNECT", ":authority", AUTH, ":path", "/echo"),
                row("CONNECT with :scheme, no :path, no :protocol", "RFC 9113 section 8.5", MALFORMED,
                        ":method", "CONNECT", ":authority", AUTH, ":scheme", "http"),
                row("CONNECT without :authority", "RFC 9113 section 8.5", MALFORMED, ":method", "CONNECT"),
                row("CONNECT with only :authority (a well-formed tunnel request; no proxy here)", "RFC 9113 section 8.5",
                        "405", ":method", "CONNECT", ":authority", AUTH),
                // RFC 9113 section 8.3: pseudo-header fields
                row("no :method", "RFC 9113 section 8.3.1", MALFORMED, without(":method", get())),
                row("GET without :path", "RFC 9113 section 8.3.1", MALFORMED, without(":path", get())),
                row("GET without :scheme", "RFC 9113 section 8.3.1", MALFORMED, without(":scheme", get())),
                row("duplicated :path", "RFC 9113 section 8.3", MALFORMED,
                        ":method", "CONNECT", ":protocol", "websocket", ":scheme", "http", ":path", "/echo", ":path", "/echo",
                        ":authority", AUTH, "sec-websocket-version", "13"),
                row("duplicated :method", "RFC 9113 section 8.3", MALFORMED,
                        concat(new String[] {":method", "CONNECT"}, ext())),
                row("duplicated :protocol", "RFC 9113 section 8.3", MALFORMED,
                        concat(new String[] {":protocol", "websocket"}, ext())),
                row("duplicated :authority", "RFC 9113 section 8.3", MALFORMED,
                        concat(new String[] {":authority", AUTH}, ext())),
                row("pseudo-header after a regular field", "RFC 9113 section 8.3", MALFORMED,
                        ":method", "CONNECT", ":protocol", "websocket", ":scheme", "http", ":authority", AUTH,
                        "sec-websocket-version", "13", ":path", "/echo"),
                row("unknown pseudo-header :foo", "RFC 9113 section 8.3", MALFORMED, ext(":foo", "bar")),
                row("response pseudo-header :status in a request", "RFC 9113 section 8.3.2", MALFORMED,
                        concat(new String[] {":status", "200"}, ext())),
                // RFC 9113 section 8.2: field validity
                row("uppercase field name", "RFC 9113 section 8.2", MALFORMED,
                        concat(without("sec-websocket-version", ext()), new String[] {"Sec-WebSocket-Version", "13"})),
                row("uppercase pseudo-header name :PATH", "RFC 9113 section 8.2", MALFORMED,
                        concat(without(":path", ext()), new String[] {":PATH", "/echo"})),
                row("connection: keep-alive", "RFC 9113 section 8.2.2", MALFORMED, ext("connection", "keep-alive")),
                row("keep-alive: timeout=5", "RFC 9113 section 8.2.2", MALFORMED, ext("keep-alive", "timeout=5")),
                row("proxy-connection: keep-alive", "RFC 9113 section 8.2.2", MALFORMED, ext("proxy-connection", "keep-alive")),
                row("transfer-encoding: chunked", "RFC 9113 section 8.2.2", MALFORMED, ext("transfer-encoding", "chunked")),
                row("upgrade: websocket", "RFC 9113 section 8.2.2", MALFORMED, ext("upgrade", "websocket")),
                row("te: gzip", "RFC 9113 section 8.2.2", MALFORMED, ext("te", "gzip")),
                row("te: trailers (allowed) on a GET", "RFC 9113 section 8.2.2", "404", get("te", "trailers")),
                row("space in a field name", "RFC 9113 section 8.2.1", MALFORMED, ext("bad name", "x")),
                row("colon inside a field name", "RFC 9113 section 8.2.1", MALFORMED, ext("bad:name", "x")),
                row("CR LF in a field value", "RFC 9113 section 8.2.1", MALFORMED, ext("x-a", "a\r\nx-b: b")),
                row("NUL in a field value", "RFC 9113 section 8.2.1", MALFORMED, ext("x-a", "a\0b")),
                row("field value with leading whitespace", "RFC 9113 section 8.2.1", MALFORMED, ext("x-a", " a")),
                row("field value with trailing whitespace", "RFC 9113 section 8.2.1", MALFORMED, ext("x-a", "a\t")),
                // RFC 9113 section 8.1.1: content-length that the DATA contradicts (not a WebSocket)
                new Row("POST content-length: 10 with 5 bytes of DATA", "RFC 9113 section 8.1.1", "404+RST(PROTOCOL_ERROR)",
                        false, concat(without(":method", get()), new String[] {":method", "POST", "content-length", "10"}),
                        null, "12345".getBytes(StandardCharsets.US_ASCII), true),
                new Row("POST content-length: 2 with 5 bytes of DATA", "RFC 9113 section 8.1.1", "404+RST(PROTOCOL_ERROR)",
                        false, concat(without(":method", get()), new String[] {":method", "POST", "content-length", "2"}),
                        null, "12345".getBytes(StandardCharsets.US_ASCII), false),
                new Row("GET content-length: 3 with END_STREAM on HEADERS", "RFC 9113 section 8.1.1", MALFORMED,
                        true, get("content-length", "3"), null, null, false),
                // RFC 9113 section 4.3: a header block that cannot be decoded is a connection error
                // (RFC 9113 asks for COMPRESSION_ERROR; Jetty 12.1.14 sends PROTOCOL_ERROR: see rfc8441-mapping.md)
                new Row("HPACK index 0", "RFC 9113 section 4.3, RFC 7541 section 6.1", "GOAWAY(PROTOCOL_ERROR)",
                        false, null, new byte[] {(byte) 0x80}, null, false),
                new Row("HPACK index beyond the tables", "RFC 9113 section 4.3, RFC 7541 section 2.3.3",
                        "GOAWAY(PROTOCOL_ERROR)", false, null, new byte[] {(byte) 0xFF, 0x7F}, null, false),
                new Row("HPACK string longer than the block", "RFC 9113 section 4.3, RFC 7541 section 5.2",
                        "GOAWAY(PROTOCOL_ERROR)", false, null, new byte[] {0x00, 0x0A, 'a', 'b'}, null, false),
                new Row("HPACK integer overflow", "RFC 9113 section 4.3, RFC 7541 section 5.1",
                        "GOAWAY(PROTOCOL_ERROR)", false, null,
                        new byte[] {0x00, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}, null, false));
    }

    /**
     * Each row on a connection that already carries an open WebSocket: the row gets its answer
     * within {@link #BOUND_MS}; unless the answer is a connection error, that WebSocket still
     * echoes afterwards; and another client connection is served either way.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void malformedRequestGetsADefinedAnswer(Row row) throws Exception {
        try (RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            int ws = c.connect("/echo");
            c.flush();
            awaitAnswer(c, ws);
            assertEquals(200, c.statuses.get(ws), "the WebSocket before the row");

            int id = c.nextId();
            byte[] block;
            if (row.rawBlock() != null) {
                block = row.rawBlock();
            } else {
                String[] f = row.fields().clone();
                for (int i = 0; i < f.length; i++) {
                    if (f[i].equals(AUTH)) {
                        f[i] = "127.0.0.1:" + hs.port();
                    }
                }
                block = RawH2Conn.block(f);
            }
            c.addRaw(0x1, 0x4 | (row.endStream() ? 0x1 : 0), id, block);
            if (row.body() != null) {
                c.data(id, row.body(), row.bodyEnds());
            }
            long t0 = System.nanoTime();
            c.flush();
            awaitAnswer(c, id);
            String observed = observed(c, id);
            Long first = c.goAway.isDone() ? (Long) c.goAwayNanos : c.firstAnswer.get(id);
            Long last = c.goAway.isDone() ? (Long) c.goAwayNanos
                    : c.resetAt.containsKey(id) ? c.resetAt.get(id) : c.endStream.get(id);
            long firstMs = first == null ? -1 : (first - t0) / 1_000_000;
            long doneMs = last == null ? -1 : (last - t0) / 1_000_000;
            System.out.printf("[conformance] %-70s %-22s %s: first frame %d ms, complete %d ms%n",
                    row.name(), row.rfc(), observed, firstMs, doneMs);
            assertEquals(row.expected(), observed, row.toString());
            assertTrue(doneMs >= 0 && doneMs < BOUND_MS, "answered in " + doneMs + " ms");
            if (!observed.startsWith("GOAWAY")) {
                assertFalse(c.goAway.isDone(), "GOAWAY: " + c.goAway.getNow(null));
                echo(c, ws, "still open after: " + row.name());
            }
        }
        hs.sentinel(Transport.H2);
    }

    /** "400+RST(PROTOCOL_ERROR)", "404", "RST(PROTOCOL_ERROR)", "GOAWAY(COMPRESSION_ERROR)", or "none". */
    static String observed(RawH2Conn c, int id) {
        if (c.goAway.isDone() && !c.endStream.containsKey(id) && !c.resets.containsKey(id)) {
            return "GOAWAY(" + ErrorCode.toString(c.goAway.getNow(null).getError(), "?").toUpperCase(java.util.Locale.ROOT) + ")";
        }
        StringBuilder b = new StringBuilder();
        Integer status = c.statuses.get(id);
        if (status != null) {
            b.append(status);
        }
        Integer reset = c.resets.get(id);
        if (reset != null) {
            b.append(b.length() > 0 ? "+" : "").append("RST(").append(ErrorCode.toString(reset, "?").toUpperCase(java.util.Locale.ROOT)).append(')');
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    /**
     * Waits (at most {@link #BOUND_MS}) until stream {@code id} is reset, ended (then a further
     * 300 ms for a RST_STREAM that may follow the response), answered 200 without END_STREAM
     * (an open tunnel), or the connection is gone.
     */
    static void awaitAnswer(RawH2Conn c, int id) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (c.resets.containsKey(id) || c.goAway.isDone() || c.closed.isDone()) {
                return;
            }
            Integer status = c.statuses.get(id);
            if (status != null && status == 200 && !c.endStream.containsKey(id)) {
                return;
            }
            if (c.endStream.containsKey(id)) {
                long grace = Math.min(deadline, System.nanoTime() + 300_000_000L);
                while (!c.resets.containsKey(id) && System.nanoTime() < grace) {
                    Thread.sleep(1);
                }
                return;
            }
            Thread.sleep(1);
        }
    }

    static final byte[] MASK = {0x11, 0x22, 0x33, 0x44};

    /** A masked client frame (RFC 6455 section 5.2), payloads below 126 bytes. */
    static byte[] clientFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | opcode);
        b.write(0x80 | payload.length);
        b.writeBytes(MASK);
        for (int i = 0; i < payload.length; i++) {
            b.write(payload[i] ^ MASK[i % 4]);
        }
        return b.toByteArray();
    }

    /** Sends a text message on WebSocket stream {@code id} and waits for the echo (server frames are unmasked). */
    static void echo(RawH2Conn c, int id, String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int before = c.received(id).length;
        c.data(id, clientFrame(0x1, payload), false);
        c.flush();
        byte[] expected = new byte[2 + payload.length];
        expected[0] = (byte) 0x81;
        expected[1] = (byte) payload.length;
        System.arraycopy(payload, 0, expected, 2, payload.length);
        byte[] got = awaitBytes(c, id, before, expected.length);
        assertArrayEquals(expected, got, "echo on stream " + id);
    }

    /** Closes WebSocket stream {@code id} with 1000 and checks the server's Close reply and END_STREAM. */
    static void close(RawH2Conn c, int id) throws Exception {
        int before = c.received(id).length;
        c.data(id, clientFrame(0x8, new byte[] {0x03, (byte) 0xE8}), true);
        c.flush();
        assertArrayEquals(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE8}, awaitBytes(c, id, before, 4), "Close reply");
        long deadline = System.nanoTime() + BOUND_MS * 1_000_000;
        while (!c.endStream.containsKey(id) && !c.resets.containsKey(id) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertNotNull(c.endStream.get(id), "END_STREAM after the Close: resets " + c.resets);
    }

    private static byte[] awaitBytes(RawH2Conn c, int id, int from, int n) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_MS * 1_000_000;
        byte[] all = c.received(id);
        while (all.length < from + n && System.nanoTime() < deadline) {
            Thread.sleep(1);
            all = c.received(id);
        }
        return Arrays.copyOfRange(all, from, Math.min(all.length, from + n));
    }
}
