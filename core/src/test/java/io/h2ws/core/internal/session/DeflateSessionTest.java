package io.h2ws.core.internal.session;

import io.h2ws.core.internal.socket.InMemorySockets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.Role;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.Rfc6455Mapping;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** permessage-deflate inside the session: RSV1, inflation limits and the RFC 7692 rules. */
class DeflateSessionTest {

    private static final HexFormat HEX = HexFormat.of();

    static WebSocketSession session(Role role, long maxMessage) {
        return new WebSocketSession(role, new Rfc6455Mapping(role, role == Role.CLIENT ? MaskKeys.fixed(0) : null),
                new WebSocketSession.Config(maxMessage, maxMessage, 0, true), DeflateParams.DEFAULT, DeflateConfig.defaults());
    }

    static String hex(WebSocketSession.Output o) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuffer b : o.buffers()) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            sb.append(HEX.formatHex(a));
        }
        return sb.toString();
    }

    static List<Event> drain(WebSocketSession s) {
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = s.poll()) != null) {
            out.add(e);
        }
        return out;
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.1: a server's compressed \"Hello\" is exactly c1 07 f2 48 cd c9 c9 07 00")
    void helloOnTheWire() {
        WebSocketSession server = session(Role.SERVER, 1 << 20);
        assertEquals("c107f248cdc9c90700", hex(server.text("Hello", true)));
        WebSocketSession client = session(Role.CLIENT, 1 << 20);
        client.receive(ByteBuffer.wrap(HEX.parseHex("c107f248cdc9c90700")));
        Event.Text t = assertInstanceOf(Event.Text.class, client.poll());
        assertEquals("Hello", t.text());
        // section 7.2.3.2: the same message again, with the shared LZ77 window
        assertEquals("c105f200110000", hex(server.text("Hello", true)));
    }

    @Test
    @DisplayName("RFC 7692 section 6.1: RSV1 on a continuation or a control frame fails with 1002")
    void rsv1Placement() {
        WebSocketSession s = session(Role.SERVER, 1 << 20);
        s.receive(FrameEncoder.encodeFrame(false, 0, Opcode.TEXT, true, 1, ByteBuffer.wrap("a".getBytes())));
        s.receive(FrameEncoder.encodeFrame(true, 4, Opcode.CONTINUATION, true, 1, ByteBuffer.wrap("b".getBytes())));
        List<Event> ev = drain(s);
        assertEquals(1002, assertInstanceOf(Event.Failed.class, ev.get(ev.size() - 1)).violation().closeCode());
        WebSocketSession p = session(Role.SERVER, 1 << 20);
        p.receive(FrameEncoder.encodeFrame(true, 4, Opcode.PING, true, 1, ByteBuffer.allocate(0)));
        assertEquals(1002, assertInstanceOf(Event.Failed.class, drain(p).get(0)).violation().closeCode());
    }

    @Test
    @DisplayName("RFC 7692 section 8 / RFC 6455 section 7.4.1: a compression bomb fails with 1009 at the limit")
    void bomb() {
        WebSocketSession sender = session(Role.CLIENT, 64L << 20);
        WebSocketSession.Output bomb = sender.binary(ByteBuffer.allocate(10 << 20), true);
        assertTrue(bomb.size() < 64 * 1024, "10 MiB of zeros compresses small: " + bomb.size());
        WebSocketSession receiver = session(Role.SERVER, 1 << 20);
        for (ByteBuffer b : bomb.buffers()) {
            receiver.receive(b.duplicate());
        }
        List<Event> ev = drain(receiver);
        assertEquals(1009, assertInstanceOf(Event.Failed.class, ev.get(ev.size() - 1)).violation().closeCode());
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.2: data that does not inflate fails the connection with 1007")
    void corrupt() {
        WebSocketSession s = session(Role.SERVER, 1 << 20);
        s.receive(FrameEncoder.encodeFrame(true, 4, Opcode.BINARY, true, 9, ByteBuffer.wrap(HEX.parseHex("ffffffffff"))));
        List<Event> ev = drain(s);
        assertEquals(1007, assertInstanceOf(Event.Failed.class, ev.get(ev.size() - 1)).violation().closeCode());
    }

    @Test
    @DisplayName("Compressed messages, fragmented and not, text and binary, round-trip between two sockets")
    void endToEnd() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder() {
            @Override
            public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
                ws.sendBinary(copy, last);
                return super.onBinary(ws, data, last);
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                ws.sendText(data.toString(), last);
                return super.onText(ws, data, last);
            }
        };
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS, DeflateParams.DEFAULT);
        Random rnd = new Random(3);
        for (int i = 0; i < 30; i++) {
            byte[] msg = new byte[rnd.nextInt(100_000)];
            for (int j = 0; j < msg.length; j++) {
                msg[j] = (byte) (rnd.nextInt(8) + 'a');
            }
            int cut = msg.length / 2;
            p.client().sendBinary(ByteBuffer.wrap(msg, 0, cut), false);
            p.client().sendBinary(ByteBuffer.wrap(msg, cut, msg.length - cut), true).get(5, TimeUnit.SECONDS);
            assertArrayEquals(msg, client.next(Rec.Binary.class).data(), "message " + i);
        }
        p.client().sendText("compressed ünïcødé ".repeat(50), true);
        assertEquals("compressed ünïcødé ".repeat(50), client.next(Rec.Text.class).text());
    }
}
