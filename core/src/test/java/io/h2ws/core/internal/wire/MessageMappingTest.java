package io.h2ws.core.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.session.Event;
import io.h2ws.core.internal.socket.InMemorySockets;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.session.SessionState;
import io.h2ws.core.internal.session.WebSocketSession;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** The message mapping's byte layout (the hex vectors of spec-notes/message-mapping.md) and rules. */
class MessageMappingTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final WebSocketSession.Config CONFIG = new WebSocketSession.Config(1 << 20, 1 << 20, 0, true);

    static WebSocketSession session(Role role) {
        return new WebSocketSession(role, new MessageMapping(), CONFIG);
    }

    static String hex(WebSocketSession.Output o) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : o.buffers()) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            out.writeBytes(a);
        }
        return HEX.formatHex(out.toByteArray());
    }

    static List<Event> feed(WebSocketSession s, String hex) {
        s.receive(ByteBuffer.wrap(HEX.parseHex(hex)));
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = s.poll()) != null) {
            out.add(e);
        }
        return out;
    }

    @Test
    @DisplayName("message mapping vectors: text, fragments, ping, empty, and the 1/2/4-byte length forms; no mask either way")
    void vectors() {
        WebSocketSession c = session(Role.CLIENT);
        assertEquals("810548656c6c6f", hex(c.text("Hello", true)));
        assertEquals("010348656c", hex(c.text("Hel", false)));
        assertEquals("80026c6f", hex(c.text("lo", true)));
        assertEquals("89026869", hex(c.ping(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals("8a00", hex(c.pong(ByteBuffer.allocate(0))));
        assertEquals("8100", hex(c.text("", true)));
        assertTrue(hex(c.binary(ByteBuffer.allocate(64), true)).startsWith("824040" + "00"));
        assertTrue(hex(c.binary(ByteBuffer.allocate(16_383), true)).startsWith("827fff00"));
        assertTrue(hex(c.binary(ByteBuffer.allocate(16_384), true)).startsWith("828000400000"));
        assertTrue(hex(c.binary(ByteBuffer.allocate(65_536), true)).startsWith("828001000000"));
        ByteBuffer h = ByteBuffer.allocate(9);
        MessageMapping.writeHeader(h, true, 0, 2, 1L << 30);
        assertEquals("82c000000040000000", HEX.formatHex(h.array()));
    }

    @Test
    @DisplayName("message mapping: the vectors decode on either side, split at every offset")
    void decodeVectorsEveryOffset() {
        String stream = "010348656c" + "89026869" + "80026c6f" + "824100" + "00".repeat(256) + "8100";
        byte[] all = HEX.parseHex(stream);
        for (int cut = 0; cut <= all.length; cut++) {
            WebSocketSession s = session(Role.SERVER);
            List<Event> ev = new ArrayList<>();
            for (ByteBuffer part : List.of(ByteBuffer.wrap(all, 0, cut).slice(), ByteBuffer.wrap(all, cut, all.length - cut).slice())) {
                s.receive(part);
                Event e;
                while ((e = s.poll()) != null) {
                    ev.add(e);
                }
            }
            StringBuilder text = new StringBuilder();
            int binary = 0;
            int pings = 0;
            int texts = 0;
            for (Event e : ev) {
                if (e instanceof Event.Text t) {
                    text.append(t.text());
                    texts += t.last() ? 1 : 0;
                } else if (e instanceof Event.Binary b) {
                    binary += b.data().remaining();
                } else if (e instanceof Event.Ping) {
                    pings++;
                }
            }
            assertEquals("Hello", text.toString(), "cut " + cut);
            assertEquals(2, texts, "cut " + cut);
            assertEquals(256, binary, "cut " + cut);
            assertEquals(1, pings, "cut " + cut);
        }
    }

    static WebSocketSession deflateSession(Role role) {
        return new WebSocketSession(role, new MessageMapping(), CONFIG,
                io.h2ws.core.internal.extension.DeflateParams.DEFAULT, io.h2ws.socket.DeflateConfig.defaults());
    }

    @Test
    @DisplayName("message mapping + RFC 7692 section 7.2.3.1: a compressed \"Hello\" part is c1 07 f2 48 cd c9 c9 07 00, byte for byte the RFC's frame")
    void compressedHelloVectors() {
        // byte 0 = FIN|RSV1|text (RFC 6455 section 5.2, RFC 7692 section 6); a 1-byte varint equals
        // RFC 6455's 7-bit length below 64, and the mapping never masks: so the RFC's own bytes
        for (Role role : Role.values()) {
            WebSocketSession sender = deflateSession(role);
            assertEquals("c107f248cdc9c90700", hex(sender.text("Hello", true)), role + " sends");
            // RFC 7692 section 7.2.3.2: the same message again, sharing the LZ77 window
            assertEquals("c105f200110000", hex(sender.text("Hello", true)), role + " sends again");
            WebSocketSession receiver = deflateSession(role == Role.CLIENT ? Role.SERVER : Role.CLIENT);
            List<Event> ev = feed(receiver, "c107f248cdc9c90700" + "c105f200110000");
            assertEquals(List.of(new Event.Text("Hello", true), new Event.Text("Hello", true)), ev, role + " receives");
        }
    }

    @Test
    @DisplayName("message mapping + RFC 7692 sections 6 and 7.2.3.1: a compressed message in two parts, RSV1 only on the first; an uncompressed one on the same socket")
    void compressedFragmentsVectors() {
        WebSocketSession s = deflateSession(Role.SERVER);
        // the RFC's fragmented example: 41 03 f2 48 cd, then 80 04 c9 c9 07 00
        StringBuilder text = new StringBuilder();
        for (Event e : feed(s, "4103f248cd" + "8004c9c90700" + "810548656c6c6f")) {
            text.append(((Event.Text) e).text()).append(((Event.Text) e).last() ? "|" : "");
        }
        assertEquals("Hello|Hello|", text.toString(), "section 6.1: RSV1 clear means not compressed");
        // section 6.1: RSV1 on a continuation part or on a control part is an error (1002)
        Event.Failed cont = assertInstanceOf(Event.Failed.class, last(feed(deflateSession(Role.SERVER), "4103f248cd" + "c004c9c90700")));
        assertEquals(1002, cont.violation().closeCode());
        Event.Failed ping = assertInstanceOf(Event.Failed.class, last(feed(deflateSession(Role.SERVER), "c900")));
        assertEquals(1002, ping.violation().closeCode());
    }

    static Event last(List<Event> events) {
        return events.get(events.size() - 1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "non-minimal length, 824005, 1002",
        "Close opcode inside DATA, 880203e8, 1002",
        "reserved opcode, 8300, 1002",
        "RSV1 without an extension, c100, 1002",
        "fragmented ping, 0900, 1002",
        "ping over 125 bytes, 89407e, 1002",
        "continuation without a message, 8000, 1002",
        "invalid UTF-8, 8102c080, 1007",
    })
    @DisplayName("message mapping section 3: malformed parts fail with the right code")
    void badParts(String what, String hex, int code) {
        WebSocketSession s = session(Role.SERVER);
        List<Event> ev = feed(s, hex);
        Event.Failed f = assertInstanceOf(Event.Failed.class, ev.get(ev.size() - 1), what);
        assertEquals(code, f.violation().closeCode(), what);
        WebSocketSession.Output out = s.pollOutput();
        assertEquals(Map.of(MessageMapping.CLOSE_CODE, String.valueOf(code)),
                Map.of(MessageMapping.CLOSE_CODE, out.trailers().get(MessageMapping.CLOSE_CODE)));
        assertEquals(0, out.size(), "the failing Close is trailers only");
    }

    @Test
    @DisplayName("message mapping section 4: Close travels in trailers, with a percent-encoded UTF-8 reason")
    void closeTrailers() {
        WebSocketSession c = session(Role.CLIENT);
        WebSocketSession.Output o = c.close(4001, "bye ü €");
        assertTrue(o.last());
        assertEquals(0, o.size());
        assertEquals(Map.of("h2ws-close-code", "4001", "h2ws-close-reason", "bye%20%C3%BC%20%E2%82%AC"), o.trailers());
        WebSocketSession s = session(Role.SERVER);
        s.receiveTrailers(o.trailers());
        Event.Close close = assertInstanceOf(Event.Close.class, s.poll());
        assertEquals(4001, close.code());
        assertEquals("bye ü €", close.reason());
        assertEquals(SessionState.CLOSE_RECEIVED, s.state());
        assertEquals(Map.of(), session(Role.CLIENT).close(1005, "").trailers(), "no code: empty trailers (1005)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "code not a number | abc | | 1002",
        "code 1005 on the wire | 1005 | | 1002",
        "code out of range | 999 | | 1002",
        "reason invalid UTF-8 | 1000 | %FF | 1007",
        "reason over 123 bytes | 1000 | " + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | 1002",
    })
    @DisplayName("message mapping section 4: malformed close trailers fail with the right code")
    void badCloseTrailers(String what, String code, String reason, int expected) {
        WebSocketSession s = session(Role.SERVER);
        Map<String, String> t = new java.util.HashMap<>();
        t.put(MessageMapping.CLOSE_CODE, code);
        if (reason != null) {
            t.put(MessageMapping.CLOSE_REASON, reason);
        }
        s.receiveTrailers(t);
        Event.Failed f = assertInstanceOf(Event.Failed.class, s.poll(), what);
        assertEquals(expected, f.violation().closeCode(), what);
    }

    @Test
    @DisplayName("message mapping section 4: trailers in the middle of a message part fail with 1002")
    void trailersMidPart() {
        WebSocketSession s = session(Role.SERVER);
        feed(s, "8105486565");
        s.receiveTrailers(Map.of(MessageMapping.CLOSE_CODE, "1000"));
        Event last = null;
        Event e;
        while ((e = s.poll()) != null) {
            last = e;
        }
        assertEquals(1002, assertInstanceOf(Event.Failed.class, last).violation().closeCode());
    }

    @Test
    @DisplayName("message mapping section 4: a side that has sent Close discards incoming text and binary")
    void discardAfterCloseSent() {
        WebSocketSession s = session(Role.SERVER);
        s.close(1000, "");
        assertEquals(List.of(), feed(s, "810548656c6c6f"));
        List<Event> ping = feed(s, "8900");
        assertInstanceOf(Event.Ping.class, ping.get(0));
    }

    @Test
    @DisplayName("The same listeners run unchanged over the message mapping, close code and reason included")
    void endToEnd() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                ws.sendText(data, last);
                return super.onText(ws, data, last);
            }
        };
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS, true, null);
        assertEquals("h2-message", p.client().wireMapping());
        p.client().sendText("över the mapping", true).get(5, TimeUnit.SECONDS);
        assertEquals("över the mapping", client.next(Rec.Text.class).text());
        p.client().sendPing(ByteBuffer.wrap(new byte[] {4, 2})).get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {4, 2}, client.next(Rec.Pong.class).data());
        p.client().sendClose(4321, "fin ✓").get(5, TimeUnit.SECONDS);
        Rec.Close atServer = assertInstanceOf(Rec.Close.class, server.awaitTerminal());
        assertEquals(4321, atServer.code());
        assertEquals("fin ✓", atServer.reason());
        assertEquals(4321, assertInstanceOf(Rec.Close.class, client.awaitTerminal()).code());
    }
}
