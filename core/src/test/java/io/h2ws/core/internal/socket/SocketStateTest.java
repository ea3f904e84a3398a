package io.h2ws.core.internal.socket;

import static io.h2ws.core.internal.socket.SocketState.CLOSE_QUEUED;
import static io.h2ws.core.internal.socket.SocketState.INPUT_ENDED;
import static io.h2ws.core.internal.socket.SocketState.INPUT_ENDED_CLOSE_QUEUED;
import static io.h2ws.core.internal.socket.SocketState.OPEN;
import static io.h2ws.core.internal.socket.SocketState.OUTPUT_ENDED;
import static io.h2ws.core.internal.socket.SocketState.RELEASED;
import static io.h2ws.core.internal.socket.SocketState.Event.INPUT_END;
import static io.h2ws.core.internal.socket.SocketState.Event.OUTPUT_END;
import static io.h2ws.core.internal.socket.SocketState.Event.QUEUE_CLOSE;
import static io.h2ws.core.internal.socket.SocketState.Event.RELEASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The socket lifecycle's whole table, cell by cell: the allowed transitions (RFC 6455 section
 * 7.1.1: the carrier is released after our Close is written and the peer's end came, in either
 * order) and every other event failing loudly.
 */
class SocketStateTest {

    private static Map<SocketState.Event, SocketState> row(SocketState q, SocketState o, SocketState i, SocketState r) {
        Map<SocketState.Event, SocketState> m = new EnumMap<>(SocketState.Event.class);
        m.put(QUEUE_CLOSE, q);
        m.put(OUTPUT_END, o);
        m.put(INPUT_END, i);
        m.put(RELEASE, r);
        return m;
    }

    @Test
    @DisplayName("every state x event: the allowed ones go where the lifecycle says, the others throw IllegalStateException")
    void wholeTable() {
        Map<SocketState, Map<SocketState.Event, SocketState>> expected = new EnumMap<>(SocketState.class);
        expected.put(OPEN, row(CLOSE_QUEUED, null, INPUT_ENDED, RELEASED));
        expected.put(CLOSE_QUEUED, row(null, OUTPUT_ENDED, INPUT_ENDED_CLOSE_QUEUED, RELEASED));
        expected.put(OUTPUT_ENDED, row(null, null, RELEASED, RELEASED));
        expected.put(INPUT_ENDED, row(INPUT_ENDED_CLOSE_QUEUED, null, null, RELEASED));
        expected.put(INPUT_ENDED_CLOSE_QUEUED, row(null, RELEASED, null, RELEASED));
        expected.put(RELEASED, row(null, RELEASED, RELEASED, RELEASED));
        assertEquals(SocketState.values().length, expected.size());
        for (SocketState s : SocketState.values()) {
            for (SocketState.Event e : SocketState.Event.values()) {
                SocketState want = expected.get(s).get(e);
                if (want == null) {
                    IllegalStateException x = assertThrows(IllegalStateException.class, () -> s.next(e), s + " + " + e);
                    assertTrue(x.getMessage().contains(s.name()) && x.getMessage().contains(e.name()), x.getMessage());
                } else {
                    assertEquals(want, s.next(e), s + " + " + e);
                }
            }
        }
    }

    @Test
    @DisplayName("both orders of a clean close end RELEASED; sends are refused from the moment our Close is queued")
    void cleanCloseInEitherOrder() {
        SocketState weFirst = OPEN.next(QUEUE_CLOSE).next(OUTPUT_END).next(INPUT_END);
        SocketState peerFirst = OPEN.next(INPUT_END).next(QUEUE_CLOSE).next(OUTPUT_END);
        assertEquals(RELEASED, weFirst);
        assertEquals(RELEASED, peerFirst);
        assertTrue(OPEN.canSend());
        assertTrue(INPUT_ENDED.canSend(), "the reply to the peer's Close still goes out");
        assertFalse(CLOSE_QUEUED.canSend());
        assertFalse(INPUT_ENDED_CLOSE_QUEUED.canSend());
        assertTrue(OUTPUT_ENDED.outputEnded() && RELEASED.outputEnded() && !CLOSE_QUEUED.outputEnded());
        assertTrue(INPUT_ENDED.inputEnded() && RELEASED.inputEnded() && !OUTPUT_ENDED.inputEnded());
    }
}
