package io.h2ws.core.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.wire.Rfc6455Mapping;

/** Two sans-I/O sessions talking through byte buffers only, with the stream cut at every offset. */
class SessionPairTest {

    private static final WebSocketSession.Config CONFIG = new WebSocketSession.Config(1 << 20, 1 << 20, 0, true);

    /** A normalised view of events: whole messages, so chunking differences do not matter. */
    private static List<String> messages(List<Event> events) {
        List<String> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int binary = 0;
        long sum = 0;
        for (Event e : events) {
            if (e instanceof Event.Text t) {
                text.append(t.text());
                if (t.last()) {
                    out.add("text:" + text);
                    text.setLength(0);
                }
            } else if (e instanceof Event.Binary b) {
                binary += b.data().remaining();
                while (b.data().hasRemaining()) {
                    sum = sum * 31 + b.data().get();
                }
                if (b.last()) {
                    out.add("binary:" + binary + ":" + sum);
                    binary = 0;
                    sum = 0;
                }
            } else {
                out.add(e.getClass().getSimpleName());
            }
        }
        return out;
    }

    private static ByteBuffer conversation() {
        WebSocketSession client = new WebSocketSession(Role.CLIENT,
                new Rfc6455Mapping(Role.CLIENT, MaskKeys.fixed(0xa1b2c3d4)), CONFIG);
        List<WebSocketSession.Output> outs = new ArrayList<>();
        byte[] blob = new byte[70_000];
        new Random(7).nextBytes(blob);
        outs.add(client.text("héllo wörld €𝄞", true));
        outs.add(client.text("frag-", false));
        outs.add(client.ping(ByteBuffer.wrap(new byte[] {9, 8, 7})));
        outs.add(client.text("mented", true));
        outs.add(client.binary(ByteBuffer.wrap(blob, 0, 125), true));
        outs.add(client.binary(ByteBuffer.wrap(blob, 0, 126), false));
        outs.add(client.binary(ByteBuffer.wrap(blob, 126, 65_536 - 126), true));
        outs.add(client.binary(ByteBuffer.wrap(blob), true));
        outs.add(client.text("", true));
        outs.add(client.close(1000, "bye"));
        int n = 0;
        for (WebSocketSession.Output o : outs) {
            n += (int) o.size();
        }
        ByteBuffer all = ByteBuffer.allocate(n);
        for (WebSocketSession.Output o : outs) {
            for (ByteBuffer b : o.buffers()) {
                all.put(b.duplicate());
            }
        }
        return all.flip();
    }

    private static List<Event> receive(ByteBuffer... pieces) {
        WebSocketSession server = new WebSocketSession(Role.SERVER, new Rfc6455Mapping(Role.SERVER), CONFIG);
        List<Event> events = new ArrayList<>();
        for (ByteBuffer p : pieces) {
            server.receive(p);
            Event e;
            while ((e = server.poll()) != null) {
                events.add(e);
            }
        }
        return events;
    }

    private static ByteBuffer copy(ByteBuffer all, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(to - from);
        b.put(all.duplicate().position(from).limit(to)).flip();
        return b;
    }

    @Test
    @DisplayName("RFC 6455 section 5: a whole conversation decodes the same however TCP cuts it (every split offset)")
    void everyOffset() {
        ByteBuffer all = conversation();
        List<String> expected = messages(receive(copy(all, 0, all.limit())));
        assertEquals(List.of("text:héllo wörld €𝄞", "Ping", "text:frag-mented", "binary:125:" + expectedSum(125),
                "binary:65536:" + expectedSum(65536), "binary:70000:" + expectedSum(70000), "text:", "Close"),
                expected.stream().map(s -> s.startsWith("binary") ? s : s).toList());
        int n = all.limit();
        for (int cut = 1; cut < n; cut += cut < 300 || cut > n - 300 ? 1 : 97) {
            assertEquals(expected, messages(receive(copy(all, 0, cut), copy(all, cut, n))), "cut at " + cut);
        }
    }

    private static String expectedSum(int len) {
        byte[] blob = new byte[70_000];
        new Random(7).nextBytes(blob);
        long sum = 0;
        for (int i = 0; i < len; i++) {
            sum = sum * 31 + blob[i];
        }
        return String.valueOf(sum);
    }

    @Test
    @DisplayName("RFC 6455 section 5: one byte at a time")
    void oneByteAtATime() {
        ByteBuffer all = conversation();
        List<String> expected = messages(receive(copy(all, 0, all.limit())));
        ByteBuffer[] bytes = new ByteBuffer[all.limit()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = copy(all, i, i + 1);
        }
        assertEquals(expected, messages(receive(bytes)));
    }
}
