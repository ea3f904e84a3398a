package io.h2ws.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.session.Event;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.session.WebSocketSession;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.core.internal.wire.Rfc6455Mapping;
import io.h2ws.core.internal.wire.WireMapping;

/**
 * Fuzz targets for the receive side: any bytes fed to a server-role session, in any split,
 * must end in events or one {@code Failed} carrying a valid close code, never another
 * exception; and the session must stop reading after its terminal event. Without
 * {@code JAZZER_FUZZ} these replay the inputs in {@code SessionFuzzTestInputs/} (regression mode).
 * See {@code spec-notes/fuzzing.md}.
 */
class SessionFuzzTest {

    /** Small limits so that the size rules are reachable by short inputs. */
    static final WebSocketSession.Config CONFIG = new WebSocketSession.Config(4096, 16384, 0, true);

    /**
     * {@code input[0]}: bit 0 negotiates permessage-deflate, bits 1-7 the read chunk size (0: all
     * at once); the rest are the bytes a client sent, masked or not.
     */
    @FuzzTest(maxDuration = "2m")
    void rfc6455Frames(byte[] input) {
        if (input.length == 0) {
            return;
        }
        run(new Rfc6455Mapping(Role.SERVER), input[0], ByteBuffer.wrap(input, 1, input.length - 1), null);
    }

    /**
     * As {@link #rfc6455Frames}, for the message mapping; with bit 1 of {@code input[1]} set the
     * stream ends with trailers: {@code input[2]} bytes of close code text, then a length byte
     * and that many bytes of (percent-encoded) reason.
     */
    @FuzzTest(maxDuration = "2m")
    void messageMapping(byte[] input) {
        if (input.length < 2) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input, 2, input.length - 2);
        Map<String, String> trailers = null;
        if ((input[1] & 1) != 0) {
            trailers = new HashMap<>();
            String code = text(in, in.hasRemaining() ? in.get() & 0xFF : 0);
            String reason = text(in, in.hasRemaining() ? in.get() & 0xFF : 0);
            if (!code.isEmpty()) {
                trailers.put(MessageMapping.CLOSE_CODE, code);
            }
            if (!reason.isEmpty()) {
                trailers.put(MessageMapping.CLOSE_REASON, reason);
            }
        }
        run(new MessageMapping(), input[0], in.slice(), trailers);
    }

    private static String text(ByteBuffer in, int n) {
        byte[] b = new byte[Math.min(n, in.remaining())];
        in.get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static void run(WireMapping mapping, byte flags, ByteBuffer wire, Map<String, String> trailers) {
        WebSocketSession s = (flags & 1) != 0
                ? new WebSocketSession(Role.SERVER, mapping, CONFIG, DeflateParams.DEFAULT, null)
                : new WebSocketSession(Role.SERVER, mapping, CONFIG);
        int chunk = (flags & 0xFF) >>> 1;
        List<Event> events = new ArrayList<>();
        try {
            while (wire.hasRemaining()) {
                int n = chunk == 0 ? wire.remaining() : Math.min(chunk, wire.remaining());
                byte[] bytes = new byte[n];
                wire.get(bytes);
                ByteBuffer in = ByteBuffer.wrap(bytes);
                s.receive(in);
                if (in.hasRemaining()) {
                    fail("receive left " + in.remaining() + " bytes unread");
                }
                drain(s, events);
            }
            if (trailers != null) {
                s.receiveTrailers(trailers);
            } else {
                s.inputEnded();
            }
            drain(s, events);
        } finally {
            s.release();
        }
        int terminal = 0;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e instanceof Event.Failed f) {
                int code = f.violation().closeCode();
                assertTrue(CloseCodes.isValidOnWire(code) && code != 1000, "bad close code " + code);
                terminal++;
            } else if (e instanceof Event.Abnormal) {
                terminal++;
            }
            if (terminal > 0 && i != events.size() - 1) {
                fail("events after the terminal one: " + events.subList(i, events.size()));
            }
        }
        assertTrue(terminal <= 1, "more than one terminal event: " + events);
        assertTrue(s.isInputDone(), "input not done after the input ended");
    }

    private static void drain(WebSocketSession s, List<Event> events) {
        for (Event e; (e = s.poll()) != null;) {
            events.add(e);
        }
        while (s.pollOutput() != null) {
            // pongs and Close replies
        }
    }
}
