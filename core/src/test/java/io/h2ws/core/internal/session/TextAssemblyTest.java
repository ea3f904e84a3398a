package io.h2ws.core.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.Rfc6455Mapping;

/**
 * Text messages as the session assembles them: validated as bytes arrive (fail-fast), one String
 * per part, and the whole-message-in-one-chunk path that decodes straight from the chunk.
 */
class TextAssemblyTest {

    /** 1-, 2-, 3- and 4-byte sequences, so every split and bad-byte position is tried inside each. */
    static final String MIXED = "a\u00e9\u20ac\ud83d\ude00z";

    static WebSocketSession server() {
        return SessionRulesTest.server();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The whole wire form of a masked client frame. */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteBuffer b = SessionRulesTest.fromClient(fin, 0, opcode, payload);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Feeds wire bytes [from, to) as one chunk. */
    static void feed(WebSocketSession s, byte[] wire, int from, int to) {
        s.receive(ByteBuffer.wrap(Arrays.copyOfRange(wire, from, to)));
    }

    /** The text events taken so far joined; asserts no failure and that the message ended iff {@code ended}. */
    static String text(List<Event> events, boolean ended) {
        StringBuilder sb = new StringBuilder();
        boolean last = false;
        for (Event e : events) {
            Event.Text t = assertInstanceOf(Event.Text.class, e, events.toString());
            assertFalse(last, "nothing after the last part");
            sb.append(t.text());
            last = t.last();
        }
        assertEquals(ended, last, events.toString());
        return sb.toString();
    }

    static boolean failed1007(List<Event> events) {
        return !events.isEmpty() && events.get(events.size() - 1) instanceof Event.Failed f
                && f.violation().closeCode() == 1007;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Hello", "The quick brown fox jumps over the lazy dog 0123456789",
            "\u00e9", "\u20ac", "\ud83d\ude00", MIXED, "caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude80 ok"})
    @DisplayName("RFC 6455 section 8.1: a text message in one chunk (ASCII, 2-, 3-, 4-byte sequences) is one event, decoded")
    void wholeMessageInOneChunk(String s) {
        WebSocketSession ws = server();
        ws.receive(ByteBuffer.wrap(frame(true, Opcode.TEXT, utf8(s))));
        List<Event> events = SessionRulesTest.drain(ws);
        assertEquals(1, events.size(), events.toString());
        assertEquals(s, text(events, true));
        assertEquals(0, ws.bufferedBytes(), "decoded straight from the chunk: nothing held");
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: an unmasked text frame in a read-only or direct buffer decodes (no backing array)")
    void wholeMessageWithoutArray() {
        byte[] wire = FrameEncoder.encodeFrame(true, 0, Opcode.TEXT, false, 0, ByteBuffer.wrap(utf8(MIXED))).array();
        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();
        for (ByteBuffer in : List.of(ByteBuffer.wrap(wire).asReadOnlyBuffer(), direct)) {
            WebSocketSession c = SessionRulesTest.client();
            c.receive(in);
            assertEquals(MIXED, text(SessionRulesTest.drain(c), true));
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a message split into two chunks at every offset (header included) decodes")
    void splitIntoTwoChunksAtEveryOffset() {
        String s = MIXED + MIXED;
        byte[] wire = frame(true, Opcode.TEXT, utf8(s));
        for (int cut = 0; cut <= wire.length; cut++) {
            WebSocketSession ws = server();
            feed(ws, wire, 0, cut);
            feed(ws, wire, cut, wire.length);
            assertEquals(s, text(SessionRulesTest.drain(ws), true), "cut at " + cut);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1 / 5.4: a message split into two fragments at every byte offset decodes")
    void splitIntoTwoFragmentsAtEveryOffset() {
        byte[] p = utf8(MIXED);
        for (int cut = 0; cut <= p.length; cut++) {
            WebSocketSession ws = server();
            ws.receive(ByteBuffer.wrap(frame(false, Opcode.TEXT, Arrays.copyOfRange(p, 0, cut))));
            ws.receive(ByteBuffer.wrap(frame(true, Opcode.CONTINUATION, Arrays.copyOfRange(p, cut, p.length))));
            assertEquals(MIXED, text(SessionRulesTest.drain(ws), true), "cut at " + cut);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a fragment boundary inside a code point, each fragment read separately, decodes")
    void fragmentsEachReadSeparately() {
        byte[] p = utf8(MIXED);
        WebSocketSession ws = server();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            ws.receive(ByteBuffer.wrap(frame(i == p.length - 1, i == 0 ? Opcode.TEXT : Opcode.CONTINUATION,
                    new byte[] {p[i]})));
            events.addAll(SessionRulesTest.drain(ws));
        }
        assertEquals(MIXED, text(events, true));
    }

    /** Bytes that are invalid wherever they stand: never valid, or a continuation where a lead must come, or ASCII inside a sequence. */
    static final int[] BAD = {0xFF, 0xC0, 0xF5};

    @Test
    @DisplayName("RFC 6455 section 8.1: an invalid byte at every position of a one-chunk message fails with 1007")
    void invalidByteAtEveryPositionInOneChunk() {
        byte[] p = utf8(MIXED);
        for (int i = 0; i < p.length; i++) {
            for (int bad : BAD) {
                byte[] q = p.clone();
                q[i] = (byte) bad;
                WebSocketSession ws = server();
                ws.receive(ByteBuffer.wrap(frame(true, Opcode.TEXT, q)));
                assertTrue(failed1007(SessionRulesTest.drain(ws)), "bad byte at " + i);
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: an invalid byte at every position fails fast, in the chunk that holds it")
    void invalidByteFailsInItsChunk() {
        byte[] p = utf8(MIXED);
        for (int i = 0; i < p.length; i++) {
            for (int bad : BAD) {
                byte[] q = p.clone();
                q[i] = (byte) bad;
                byte[] wire = frame(true, Opcode.TEXT, q);
                int end = wire.length - p.length + i + 1; // the chunk ends just after the bad byte
                WebSocketSession ws = server();
                feed(ws, wire, 0, end);
                assertTrue(failed1007(SessionRulesTest.drain(ws)), "bad byte at " + i);
            }
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a byte that breaks a sequence begun in an earlier chunk fails in its own chunk")
    void brokenSequenceFailsInTheChunkThatBreaksIt() {
        byte[] p = utf8(MIXED);
        for (int i = 0; i < p.length; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                continue; // only continuation bytes: replacing one with ASCII breaks the sequence there
            }
            byte[] q = p.clone();
            q[i] = 'A';
            byte[] wire = frame(true, Opcode.TEXT, q);
            int at = wire.length - p.length + i;
            WebSocketSession ws = server();
            feed(ws, wire, 0, at);
            assertFalse(failed1007(SessionRulesTest.drain(ws)), "not yet invalid before byte " + i);
            feed(ws, wire, at, at + 1);
            assertTrue(failed1007(SessionRulesTest.drain(ws)), "bad byte at " + i);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: an invalid byte at every position fails fast, in the fragment that holds it")
    void invalidByteFailsInItsFragment() {
        byte[] p = utf8(MIXED);
        for (int i = 0; i < p.length; i++) {
            byte[] q = p.clone();
            q[i] = (byte) 0xFF;
            WebSocketSession ws = server();
            ws.receive(ByteBuffer.wrap(frame(false, Opcode.TEXT, Arrays.copyOfRange(q, 0, i))));
            assertFalse(failed1007(SessionRulesTest.drain(ws)), "valid so far before byte " + i);
            ws.receive(ByteBuffer.wrap(frame(false, Opcode.CONTINUATION, Arrays.copyOfRange(q, i, i + 1))));
            assertTrue(failed1007(SessionRulesTest.drain(ws)), "bad byte at " + i);
        }
    }

    @Test
    @DisplayName("RFC 6455 section 8.1: a message whose final fragment ends inside a sequence fails with 1007, at every cut")
    void truncatedAtTheEndFails() {
        byte[] p = utf8(MIXED);
        for (int end = 1; end < p.length; end++) {
            byte[] q = Arrays.copyOf(p, end);
            String decoded = new String(q, StandardCharsets.UTF_8);
            boolean complete = Arrays.equals(utf8(decoded), q); // no U+FFFD substituted: ends on a boundary
            // one chunk (the whole-message path) and two fragments (the assembling path)
            WebSocketSession one = server();
            one.receive(ByteBuffer.wrap(frame(true, Opcode.TEXT, q)));
            WebSocketSession two = server();
            two.receive(ByteBuffer.wrap(frame(false, Opcode.TEXT, Arrays.copyOf(q, 1))));
            two.receive(ByteBuffer.wrap(frame(true, Opcode.CONTINUATION, Arrays.copyOfRange(q, 1, end))));
            for (WebSocketSession ws : List.of(one, two)) {
                List<Event> events = SessionRulesTest.drain(ws);
                if (complete) {
                    assertEquals(decoded, text(events, true));
                } else {
                    assertTrue(failed1007(events), "truncated at " + end + ": " + events);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    @DisplayName("RFC 6455 section 8.1: parts handed out at PART_SIZE end on a code-point boundary (3- and 4-byte characters)")
    void partsDoNotSplitACodePoint(int shift) {
        for (String unit : List.of("\u20ac", "\ud83d\ude00", "\u00e9")) {
            // shift moves where PART_SIZE falls inside a character
            String s = "x".repeat(shift) + unit.repeat(2 * MessageAssembler.PART_SIZE / utf8(unit).length + 5);
            byte[] p = utf8(s);
            byte[] wire = frame(true, Opcode.TEXT, p);
            WebSocketSession ws = server();
            List<Event> events = new ArrayList<>();
            int chunk = 64 * 1024 + 1;
            for (int i = 0; i < wire.length; i += chunk) {
                feed(ws, wire, i, Math.min(wire.length, i + chunk));
                assertTrue(ws.bufferedBytes() <= MessageAssembler.PART_SIZE + 2L * chunk, "bytes held: " + ws.bufferedBytes());
                events.addAll(SessionRulesTest.drain(ws));
            }
            assertTrue(events.size() >= 2, "handed out in parts: " + events.size());
            for (Event e : events) {
                String part = ((Event.Text) e).text();
                assertFalse(Character.isHighSurrogate(part.charAt(part.length() - 1)), "a part ends inside a pair");
                assertFalse(Character.isLowSurrogate(part.charAt(0)), "a part starts inside a pair");
                assertFalse(part.contains("\ufffd"), "no replacement char");
            }
            assertEquals(s, text(events, true), unit + " shift " + shift);
        }
    }

    @Test
    @DisplayName("A part held before the message ends is counted as the bytes held, for the memory budget")
    void bufferedCountsBytesHeld() {
        WebSocketSession ws = server();
        ws.receive(ByteBuffer.wrap(frame(false, Opcode.TEXT, utf8("x".repeat(1000)))));
        assertEquals(1000, ws.bufferedBytes());
        ws.receive(ByteBuffer.wrap(frame(true, Opcode.CONTINUATION, utf8("\u20ac"))));
        assertEquals("x".repeat(1000) + "\u20ac", text(SessionRulesTest.drain(ws), true));
        assertTrue(ws.bufferedBytes() <= 4096, "a small array is kept for the next message, a large one let go");
    }

    @Test
    @DisplayName("The assembler on its own: a part flushed mid-character keeps the incomplete bytes for the next part")
    void assemblerKeepsIncompleteTail() {
        Queue<Event> events = new ArrayDeque<>();
        MessageAssembler a = new MessageAssembler(events, null);
        byte[] euro = utf8("\u20ac");
        a.begin(Opcode.TEXT, false);
        a.frame(4, false);
        a.payload(ByteBuffer.wrap(new byte[] {'a', euro[0]}));
        a.flush(false);
        assertEquals("a", ((Event.Text) events.poll()).text());
        assertEquals(4, a.buffered(), "the array sized by the frame's length, the byte of the euro sign kept in it");
        a.payload(ByteBuffer.wrap(new byte[] {euro[1]}));
        a.flush(false);
        assertTrue(events.isEmpty(), "only part of a character held: nothing to hand out");
        a.payload(ByteBuffer.wrap(new byte[] {euro[2], 'b'}));
        a.frameEnd(true);
        Event.Text t = (Event.Text) events.poll();
        assertEquals("\u20acb", t.text());
        assertTrue(t.last());
    }
}
