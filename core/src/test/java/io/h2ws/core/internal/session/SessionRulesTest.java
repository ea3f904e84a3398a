package io.h2ws.core.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.Rfc6455Mapping;

/** The receive rules of RFC 6455, each checked on a session fed literal frames: no I/O at all. */
class SessionRulesTest {

    private static final WebSocketSession.Config CONFIG = new WebSocketSession.Config(1 << 20, 1 << 20, 0, true);

    static WebSocketSession server() {
        return new WebSocketSession(Role.SERVER, new Rfc6455Mapping(Role.SERVER), CONFIG);
    }

    static WebSocketSession client() {
        return new WebSocketSession(Role.CLIENT, new Rfc6455Mapping(Role.CLIENT, MaskKeys.fixed(0x12345678)), CONFIG);
    }

    /** A frame as a client sends it (masked). */
    static ByteBuffer fromClient(boolean fin, int rsv, int opcode, byte[] payload) {
        return FrameEncoder.encodeFrame(fin, rsv, opcode, true, 0x37fa213d, ByteBuffer.wrap(payload));
    }

    static ByteBuffer fromClient(boolean fin, int opcode, String text) {
        return fromClient(fin, 0, opcode, text.getBytes(StandardCharsets.UTF_8));
    }

    static List<Event> drain(WebSocketSession s) {
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = s.poll()) != null) {
            out.add(e);
        }
        return out;
    }

    /** Asserts the session failed with {@code code} and queued a Close frame carrying it. */
    static void assertFailed(WebSocketSession s, int code) {
        List<Event> events = drain(s);
        Event last = events.get(events.size() - 1);
        Event.Failed f = assertInstanceOf(Event.Failed.class, last, "events: " + events);
        assertEquals(code, f.violation().closeCode(), f.violation().getMessage());
        assertEquals(SessionState.CLOSED, s.state());
        WebSocketSession.Output out = s.pollOutput();
        while (out != null && !out.last()) {
            out = s.pollOutput();
        }
        assertTrue(out != null && out.last(), "a Close frame is queued");
        // decode our own Close with a client session: it must carry the same code
        WebSocketSession peer = client();
        for (ByteBuffer b : out.buffers()) {
            peer.receive(b.duplicate());
        }
        Event.Close c = assertInstanceOf(Event.Close.class, peer.poll());
        assertEquals(code, c.code());
    }

    @Test
    @DisplayName("RFC 6455 section 5.1: a server fails the connection on an unmasked client frame with 1002")
    void unmaskedFromClient() {
        WebSocketSession s = server();
        s.receive(FrameEncoder.encodeFrame(true, 0, Opcode.TEXT, false, 0, ByteBuffer.wrap(new byte[] {'h'})));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.1: a client fails the connection on a masked server frame with 1002")
    void maskedFromServer() {
        WebSocketSession c = client();
        c.receive(FrameEncoder.encodeFrame(true, 0, Opcode.TEXT, true, 7, ByteBuffer.wrap(new byte[] {'h'})));
        List<Event> events = drain(c);
        assertEquals(1002, assertInstanceOf(Event.Failed.class, events.get(0)).violation().closeCode());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    @DisplayName("RFC 6455 section 5.2: RSV bits without a negotiated extension fail with 1002")
    void rsvWithoutExtension(int rsv) {
        WebSocketSession s = server();
        s.receive(fromClient(true, rsv, Opcode.TEXT, new byte[] {'a'}));
        assertFailed(s, 1002);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    @DisplayName("RFC 6455 section 5.2: a reserved opcode fails with 1002")
    void reservedOpcode(int opcode) {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, opcode, new byte[0]));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.5: a control frame over 125 bytes fails with 1002")
    void controlTooLong() {
        WebSocketSession s = server();
        // FrameEncoder refuses to build this, so write the header by hand: ping, 16-bit length 126
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + 4 + 126);
        b.put((byte) 0x89).put((byte) (0x80 | 126)).putShort((short) 126).putInt(0).put(new byte[126]).flip();
        s.receive(b);
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.5: a fragmented control frame fails with 1002")
    void fragmentedControl() {
        WebSocketSession s = server();
        s.receive(fromClient(false, 0, Opcode.PING, new byte[] {1}));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.4: a continuation without a started message fails with 1002")
    void continuationWithoutStart() {
        WebSocketSession s = server();
        s.receive(fromClient(true, Opcode.CONTINUATION, "x"));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.4: a new data frame inside a fragmented message fails with 1002")
    void newMessageInsideFragmented() {
        WebSocketSession s = server();
        s.receive(fromClient(false, Opcode.TEXT, "a"));
        s.receive(fromClient(true, Opcode.BINARY, "b"));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.7: what came before a violation in the same bytes is handed out first, and the"
            + " application's answer goes out before the Close that fails the connection (Autobahn 3.2, strict)")
    void eventsBeforeAViolationComeFirst() {
        WebSocketSession s = server();
        ByteBuffer hello = fromClient(true, Opcode.TEXT, "Hello");
        ByteBuffer ping = fromClient(true, Opcode.PING, "p");
        ByteBuffer bad = fromClient(true, 2, Opcode.TEXT, new byte[] {'x'});
        ByteBuffer after = fromClient(true, Opcode.PING, "never");
        ByteBuffer all = ByteBuffer.allocate(hello.remaining() + ping.remaining() + bad.remaining() + after.remaining());
        all.put(hello).put(ping).put(bad).put(after).flip();
        s.receive(all);
        assertEquals("Hello", assertInstanceOf(Event.Text.class, s.poll()).text());
        assertInstanceOf(Event.Ping.class, s.poll());
        // only the Pong so far: the Close waits until the Failed event is taken
        WebSocketSession.Output pong = s.pollOutput();
        assertTrue(pong != null && !pong.last());
        assertNull(s.pollOutput());
        assertEquals(SessionState.OPEN, s.state());
        WebSocketSession.Output echo = s.text("Hello", true); // the application answers the message
        assertFalse(echo.last());
        assertFailed(s, 1002); // then the Failed event, the output closed and the Close queued
        assertThrows(IllegalStateException.class, () -> s.text("late", true));
    }

    @Test
    @DisplayName("RFC 6455 section 5.4: control frames may be injected in the middle of a fragmented message")
    void controlInsideFragmented() {
        WebSocketSession s = server();
        s.receive(fromClient(false, Opcode.TEXT, "Hel"));
        s.receive(fromClient(true, Opcode.PING, "p"));
        s.receive(fromClient(true, Opcode.CONTINUATION, "lo"));
        List<Event> ev = drain(s);
        StringBuilder text = new StringBuilder();
        boolean pinged = false;
        boolean ended = false;
        for (Event e : ev) {
            if (e instanceof Event.Text t) {
                text.append(t.text());
                ended = t.last();
            } else if (e instanceof Event.Ping) {
                pinged = true;
            }
        }
        assertEquals("Hello", text.toString());
        assertTrue(pinged && ended, ev.toString());
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: invalid UTF-8 in a text message fails with 1007")
    void invalidUtf8() {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, Opcode.TEXT, new byte[] {'a', (byte) 0xC0, (byte) 0x80}));
        assertFailed(s, 1007);
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: invalid UTF-8 is caught fail-fast in the fragment that makes it invalid")
    void invalidUtf8AcrossFragments() {
        WebSocketSession s = server();
        // F4 starts a 4-byte sequence; 0x90 after it means a code point above U+10FFFF
        s.receive(fromClient(false, 0, Opcode.TEXT, new byte[] {'o', 'k', (byte) 0xF4}));
        assertFalse(drain(s).stream().anyMatch(e -> e instanceof Event.Failed));
        s.receive(fromClient(false, 0, Opcode.CONTINUATION, new byte[] {(byte) 0x90}));
        assertFailed(s, 1007);
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a text message ending inside a UTF-8 sequence fails with 1007")
    void truncatedUtf8AtEnd() {
        WebSocketSession s = server();
        s.receive(fromClient(false, 0, Opcode.TEXT, new byte[] {'o', (byte) 0xE2, (byte) 0x82}));
        s.receive(fromClient(true, 0, Opcode.CONTINUATION, new byte[0]));
        assertFailed(s, 1007);
    }

    @Test
    @DisplayName("RFC 6455 section 8.1 / 5.6: a multi-byte character split across fragments decodes")
    void utf8SplitAcrossFragments() {
        WebSocketSession s = server();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        s.receive(fromClient(false, 0, Opcode.TEXT, new byte[] {euro[0]}));
        s.receive(fromClient(false, 0, Opcode.CONTINUATION, new byte[] {euro[1]}));
        s.receive(fromClient(true, 0, Opcode.CONTINUATION, new byte[] {euro[2]}));
        StringBuilder sb = new StringBuilder();
        for (Event e : drain(s)) {
            sb.append(((Event.Text) e).text());
        }
        assertEquals("€", sb.toString());
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.6/8.1: invalid UTF-8 in a close reason fails with 1007")
    void invalidUtf8InCloseReason() {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, Opcode.CLOSE, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF}));
        assertFailed(s, 1007);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    @DisplayName("RFC 6455 section 7.4: a close code not allowed on the wire fails with 1002")
    void invalidCloseCode(int code) {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, Opcode.CLOSE, new byte[] {(byte) (code >> 8), (byte) code}));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: a one-byte close payload fails with 1002")
    void oneByteClose() {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, Opcode.CLOSE, new byte[] {3}));
        assertFailed(s, 1002);
    }

    @Test
    @DisplayName("RFC 6455 section 7.4.1: a message over the limit fails with 1009, counted across fragments")
    void messageTooBig() {
        WebSocketSession s = new WebSocketSession(Role.SERVER, new Rfc6455Mapping(Role.SERVER),
                new WebSocketSession.Config(1000, 1000, 0, true));
        s.receive(fromClient(false, 0, Opcode.BINARY, new byte[600]));
        assertTrue(drain(s).stream().noneMatch(e -> e instanceof Event.Failed));
        s.receive(fromClient(true, 0, Opcode.CONTINUATION, new byte[600]));
        assertFailed(s, 1009);
    }

    @Test
    @DisplayName("RFC 6455 section 7.4.1: a frame header announcing 2^62 bytes fails with 1009 before any payload")
    void hugeFrameHeader() {
        WebSocketSession s = server();
        ByteBuffer b = ByteBuffer.allocate(14);
        b.put((byte) 0x82).put((byte) (0x80 | 127)).putLong(1L << 62).putInt(0).flip();
        s.receive(b);
        assertFailed(s, 1009);
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.2/5.5.3: a ping is answered by a pong with the same payload")
    void pingAnsweredByPong() {
        WebSocketSession s = server();
        s.receive(fromClient(true, Opcode.PING, "are you there"));
        Event.Ping ping = assertInstanceOf(Event.Ping.class, s.poll());
        assertEquals("are you there", StandardCharsets.UTF_8.decode(ping.data()).toString());
        WebSocketSession.Output pong = s.pollOutput();
        WebSocketSession peer = client();
        for (ByteBuffer b : pong.buffers()) {
            peer.receive(b.duplicate());
        }
        Event.Pong p = assertInstanceOf(Event.Pong.class, peer.poll());
        assertEquals("are you there", StandardCharsets.UTF_8.decode(p.data()).toString());
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: a close is answered once, and nothing is sent after our Close")
    void closeAnsweredOnce() {
        WebSocketSession s = server();
        s.receive(fromClient(true, 0, Opcode.CLOSE, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'}));
        Event.Close c = assertInstanceOf(Event.Close.class, s.poll());
        assertEquals(1000, c.code());
        assertEquals("bye", c.reason());
        assertEquals(SessionState.CLOSE_RECEIVED, s.state());
        assertTrue(s.close(1000, "").last());
        assertEquals(SessionState.CLOSED, s.state());
        assertThrows(IllegalStateException.class, () -> s.close(1000, ""));
        assertThrows(IllegalStateException.class, () -> s.text("late", true));
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: after sending Close, data sends fail; receiving continues until the peer's Close")
    void afterCloseSent() {
        WebSocketSession s = server();
        s.close(1001, "going");
        assertEquals(SessionState.CLOSE_SENT, s.state());
        assertThrows(IllegalStateException.class, () -> s.binary(ByteBuffer.allocate(1), true));
        s.receive(fromClient(true, Opcode.TEXT, "still arriving"));
        assertInstanceOf(Event.Text.class, s.poll());
        s.receive(fromClient(true, 0, Opcode.CLOSE, new byte[] {0x03, (byte) 0xE9}));
        assertEquals(1001, ((Event.Close) s.poll()).code());
        assertEquals(SessionState.CLOSED, s.state());
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.5: a Close without payload reports 1005; frames after it are dropped")
    void closeWithoutCodeThenData() {
        WebSocketSession s = server();
        ByteBuffer two = ByteBuffer.allocate(64);
        two.put(fromClient(true, 0, Opcode.CLOSE, new byte[0])).put(fromClient(true, Opcode.TEXT, "after")).flip();
        s.receive(two);
        assertEquals(CloseCodes.NO_STATUS, ((Event.Close) s.poll()).code());
        assertNull(s.poll());
        s.receive(fromClient(true, Opcode.TEXT, "more"));
        assertNull(s.poll());
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.5: the transport ending before a Close is abnormal (1006)")
    void endWithoutClose() {
        WebSocketSession s = server();
        s.inputEnded();
        assertInstanceOf(Event.Abnormal.class, s.poll());
        assertEquals(SessionState.CLOSED, s.state());
    }

    @Test
    @DisplayName("RFC 6455 section 7.4: reserved codes cannot be sent")
    void cannotSendReservedCodes() {
        WebSocketSession s = server();
        assertThrows(IllegalArgumentException.class, () -> s.close(1006, ""));
        assertThrows(IllegalArgumentException.class, () -> s.close(1015, ""));
        assertEquals(SessionState.OPEN, s.state());
    }

    @Test
    @DisplayName("RFC 6455 section 5.4: a binary message cannot start while a text message is open")
    void sendSideFragmentOrder() {
        WebSocketSession c = client();
        c.text("a", false);
        assertThrows(IllegalStateException.class, () -> c.binary(ByteBuffer.allocate(1), true));
        c.ping(ByteBuffer.allocate(1)); // control frames may interleave
        c.text("b", true);
        c.binary(ByteBuffer.allocate(1), true);
    }

    @Test
    @DisplayName("Sending a surrogate pair split over two text parts encodes one 4-byte character")
    void surrogatePairSplitOnSend() {
        WebSocketSession c = client();
        WebSocketSession s = server();
        String emoji = "\uD83D\uDE00";
        for (WebSocketSession.Output o : List.of(c.text("x" + emoji.charAt(0), false), c.text(emoji.substring(1), true))) {
            for (ByteBuffer b : o.buffers()) {
                s.receive(b.duplicate());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Event e : drain(s)) {
            sb.append(((Event.Text) e).text());
        }
        assertEquals("x" + emoji, sb.toString());
    }
}
