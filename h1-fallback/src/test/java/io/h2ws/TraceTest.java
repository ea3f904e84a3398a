package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.trace.JsonLinesTraceWriter;
import io.h2ws.trace.SocketStats;
import io.h2ws.trace.TraceEvent;
import io.h2ws.trace.TraceEvent.H2Frame;
import io.h2ws.trace.TraceEvent.WsFrame;
import io.h2ws.trace.TraceListener;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/** Issue 11: the trace lists what was sent, on every transport, and shows a flow-control stall. */
class TraceTest {

    /** Keeps every event. */
    static final class Collect implements TraceListener {
        final ConcurrentLinkedQueue<TraceEvent> events = new ConcurrentLinkedQueue<>();

        @Override
        public void onEvent(TraceEvent event) {
            events.add(event);
        }

        <T extends TraceEvent> List<T> of(Class<T> type, Predicate<T> p) {
            return events.stream().filter(type::isInstance).map(type::cast).filter(p).collect(Collectors.toList());
        }
    }

    static final Collect CLIENT = new Collect();
    static final Collect SERVER = new Collect();
    static H2wsServer server;
    static H2wsClient client;

    @BeforeAll
    static void start() throws Exception {
        server = H2wsServer.builder().trace(SERVER)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/stall").listener(() -> new Recorder(false)).build()) // never reads
                .build().start();
        client = H2wsClient.create(null, CLIENT);
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    /** The socket id the client's trace gave the socket opened last on {@code transport}. */
    static TraceEvent.Socket opened(String path) {
        List<TraceEvent.Socket> open = CLIENT.of(TraceEvent.Socket.class, s -> s.what().equals("open") && s.path().equals(path));
        return open.get(open.size() - 1);
    }

    static String describe(WsFrame f) {
        return (f.outbound() ? "out " : "in ") + Opcode.name(f.opcode()) + (f.fin() ? " fin" : "") + " len=" + f.length()
                + (f.masked() ? " masked" : "") + (f.closeCode() >= 0 ? " close=" + f.closeCode() : "");
    }

    /** Text, binary and ping, one at a time, then the close handshake; returns the client's socket id. */
    static TraceEvent.Socket scriptedExchange(String transport) throws Exception {
        Recorder r = new Recorder();
        var b = client.newWebSocketBuilder();
        switch (transport) {
            case "h1" -> b.transport(Transport.H1);
            case "h2" -> b.transport(Transport.H2);
            default -> b.messageMapping(true);
        }
        H2wsSocket s = b.buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), r).get(10, TimeUnit.SECONDS);
        s.sendText("hello", true);
        assertEquals("hello", r.next(Rec.Text.class).text());
        s.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
        assertArrayEquals(new byte[] {1, 2, 3}, r.next(Rec.Binary.class).data());
        s.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.US_ASCII)));
        r.next(Rec.Pong.class);
        s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        r.awaitTerminal();
        TraceEvent.Socket open = opened("/echo");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (CLIENT.of(TraceEvent.Socket.class, e -> e.socket().equals(open.socket()) && e.what().equals("closed")).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "socket closed event");
            Thread.sleep(10);
        }
        SocketStats stats = s.stats();
        assertEquals(4, stats.framesOut(), stats.describe());
        assertEquals(4, stats.framesIn(), stats.describe());
        assertEquals(5 + 3 + 1 + 2, stats.payloadBytesOut(), stats.describe());
        assertTrue(stats.overhead() > 1, stats.describe());
        return open;
    }

    static void assertWsFrames(TraceEvent.Socket open, boolean masked) {
        List<String> got = CLIENT.of(WsFrame.class, f -> f.socket().equals(open.socket())).stream()
                .map(TraceTest::describe).collect(Collectors.toList());
        String m = masked ? " masked" : "";
        assertEquals(List.of("out TEXT fin len=5" + m, "in TEXT fin len=5", "out BINARY fin len=3" + m, "in BINARY fin len=3",
                "out PING fin len=1" + m, "in PONG fin len=1", "out CLOSE fin len=2" + m + " close=1000",
                "in CLOSE fin len=2 close=1000"), got);
    }

    @Test
    @DisplayName("HTTP/1.1: the trace has the request and status lines, then exactly the frames sent and received")
    void h1() throws Exception {
        TraceEvent.Socket open = scriptedExchange("h1");
        assertEquals("H1", open.transport());
        assertWsFrames(open, true);
        List<String> lines = CLIENT.of(TraceEvent.Http1.class, h -> h.socket().equals(open.socket())).stream()
                .map(h -> (h.outbound() ? "out " : "in ") + h.line()).collect(Collectors.toList());
        assertEquals(List.of("out GET /echo HTTP/1.1", "in HTTP/1.1 101 Switching Protocols"), lines);
        // the server saw the same handshake and four frames each way
        assertFalse(SERVER.of(TraceEvent.Http1.class, h -> h.line().equals("GET /echo HTTP/1.1") && !h.outbound()).isEmpty());
    }

    @Test
    @DisplayName("HTTP/2: the WebSocket frames, and on their stream HEADERS, DATA carrying exactly their bytes, END_STREAM both ways")
    void h2() throws Exception {
        TraceEvent.Socket open = scriptedExchange("h2");
        assertEquals("H2", open.transport());
        assertWsFrames(open, true);
        assertStream(open, false);
        // SETTINGS with extended CONNECT came from the server
        assertFalse(CLIENT.of(H2Frame.class, f -> f.conn().equals(open.conn()) && !f.outbound() && f.type().equals("SETTINGS")
                && f.settings() != null && Integer.valueOf(1).equals(f.settings().get("ENABLE_CONNECT_PROTOCOL"))).isEmpty());
    }

    @Test
    @DisplayName("HTTP/2 message mapping: the message parts, HEADERS and DATA per part, the Close in trailers with END_STREAM")
    void messageMapping() throws Exception {
        TraceEvent.Socket open = scriptedExchange("h2msg");
        assertEquals(new io.h2ws.core.internal.wire.MessageMapping().name(), open.mapping());
        assertWsFrames(open, false);
        assertStream(open, true);
    }

    static void assertStream(TraceEvent.Socket open, boolean closeInTrailers) {
        List<H2Frame> frames = CLIENT.of(H2Frame.class, f -> f.conn().equals(open.conn()) && f.stream() == open.stream());
        List<String> kinds = frames.stream().map(f -> (f.outbound() ? "out " : "in ") + f.type() + (f.endStream() ? " END_STREAM" : ""))
                .collect(Collectors.toList());
        H2Frame connect = frames.get(0);
        assertEquals("out HEADERS", kinds.get(0), kinds.toString());
        assertTrue(connect.info().startsWith("CONNECT :protocol=" + (closeInTrailers ? io.h2ws.core.internal.wire.MessageMapping.PROTOCOL : "websocket")), connect.info());
        assertEquals("in HEADERS", kinds.get(1), kinds.toString());
        assertEquals(":status=200", frames.get(1).info());
        String end = closeInTrailers ? "HEADERS END_STREAM" : "DATA END_STREAM";
        assertEquals(1, kinds.stream().filter(k -> k.equals("out " + end)).count(), kinds.toString());
        assertEquals(1, kinds.stream().filter(k -> k.equals("in " + end)).count(), kinds.toString());
        // every WebSocket byte sent travelled in this stream's DATA frames, and nothing else did
        long wsOut = CLIENT.of(WsFrame.class, f -> f.socket().equals(open.socket()) && f.outbound()).stream().mapToLong(WsFrame::wire).sum();
        long dataOut = frames.stream().filter(f -> f.outbound() && f.type().equals("DATA")).mapToLong(H2Frame::length).sum();
        assertEquals(wsOut, dataOut, kinds.toString());
        long wsIn = CLIENT.of(WsFrame.class, f -> f.socket().equals(open.socket()) && !f.outbound()).stream().mapToLong(WsFrame::wire).sum();
        long dataIn = frames.stream().filter(f -> !f.outbound() && f.type().equals("DATA")).mapToLong(H2Frame::length).sum();
        assertEquals(wsIn, dataIn, kinds.toString());
        // the JSON line of each event is one object on one line
        for (H2Frame f : frames) {
            String json = JsonLinesTraceWriter.toJson(f, 0).toString();
            assertTrue(json.startsWith("{\"t\":") && json.endsWith("}") && !json.contains("\n"), json);
        }
    }

    @Test
    @DisplayName("A reader that stops reading: its stream's send window reaches 0 in the sender's trace, the siblings keep flowing")
    void stall() throws Exception {
        URI base = URI.create("ws://127.0.0.1:" + server.port());
        List<Recorder> echoes = new ArrayList<>();
        List<H2wsSocket> siblings = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Recorder r = new Recorder();
            siblings.add(client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(base.resolve("/echo"), r).get(10, TimeUnit.SECONDS));
            echoes.add(r);
        }
        H2wsSocket stalled = client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(base.resolve("/stall"), new Recorder())
                .get(10, TimeUnit.SECONDS);
        TraceEvent.Socket stalledOpen = opened("/stall");
        byte[] chunk = new byte[16 * 1024];
        for (int i = 0; i < 40; i++) { // 640 KiB against a 256 KiB stream window
            stalled.sendBinary(ByteBuffer.wrap(chunk), true);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        H2Frame zero = null;
        while (zero == null) {
            assertTrue(System.nanoTime() < deadline, "no DATA frame left the stalled stream's window at 0");
            List<H2Frame> z = CLIENT.of(H2Frame.class, f -> f.conn().equals(stalledOpen.conn()) && f.stream() == stalledOpen.stream()
                    && f.outbound() && f.type().equals("DATA") && f.streamWindow() == 0);
            zero = z.isEmpty() ? null : z.get(0);
            Thread.sleep(10);
        }
        long stalledAt = zero.nanos();
        // the siblings on the same connection still echo
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < siblings.size(); i++) {
                siblings.get(i).sendText("sibling " + i + " round " + round, true);
                assertEquals("sibling " + i + " round " + round, echoes.get(i).next(Rec.Text.class).text());
            }
        }
        List<H2Frame> after = CLIENT.of(H2Frame.class, f -> f.conn().equals(stalledOpen.conn()) && f.type().equals("DATA")
                && f.stream() != stalledOpen.stream() && f.nanos() > stalledAt);
        assertTrue(after.stream().filter(H2Frame::outbound).count() >= 20, "sibling DATA out after the stall: " + after.size());
        assertTrue(after.stream().filter(f -> !f.outbound()).count() >= 20, "sibling DATA in after the stall: " + after.size());
        // still stalled: nothing more left that stream, and it sent exactly the window
        long sent = CLIENT.of(H2Frame.class, f -> f.conn().equals(stalledOpen.conn()) && f.stream() == stalledOpen.stream()
                && f.outbound() && f.type().equals("DATA")).stream().mapToLong(H2Frame::length).sum();
        assertEquals(256 * 1024, sent);
        SocketStats st = stalled.stats();
        assertEquals(40, st.framesOut());
        stalled.abort();
        for (H2wsSocket s : siblings) {
            s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        }
        assertNotNull(zero);
    }
}
