package io.h2ws.conformance;

import java.io.IOException;
import java.util.List;

/**
 * After a case on HTTP/2: the case's stream is gone, the connection must not be. A new extended
 * CONNECT on the same connection echoes a message and closes cleanly (RFC 8441 section 5: one
 * stream's WebSocket failing is that stream's business, not the connection's).
 */
final class Reuse {

    private Reuse() {}

    static String check(H2Client.Stream previous) {
        H2Client c = previous.connection();
        String problem = c.connectionProblem();
        if (problem != null) {
            return "the HTTP/2 connection did not survive the case: " + problem;
        }
        H2Client.Stream next;
        try {
            next = c.open(ServeDefaults.PATH, null);
        } catch (IOException e) {
            return "a new stream on the same HTTP/2 connection failed: " + e.getMessage();
        }
        Peer p = new Peer(next, 4711, null);
        p.send(p.frame(Peer.TEXT, "still usable"));
        if (!p.awaitMatch(List.of(List.of(Peer.Ev.text("still usable"))), 3000)) {
            return "a new stream on the same HTTP/2 connection did not echo: " + p.received() + "\n" + p.log();
        }
        p.sendClose(1000);
        Peer.Close close = p.awaitClose(3000);
        Wire.End end = p.awaitEnd(System.nanoTime() + 2_000_000_000L);
        try {
            next.endOutput();
        } catch (IOException e) {
            return "END_STREAM on the new stream failed: " + e.getMessage();
        }
        if (close == null || close.code() != 1000 || end != Wire.End.CLEAN || !p.violations().isEmpty()) {
            return "a new stream on the same connection did not close cleanly: Close " + (close == null ? "none" : close.code())
                    + ", end " + (end == null ? "none within 2 s" : end) + (p.violations().isEmpty() ? "" : ", " + p.violations())
                    + "\n  (new stream)\n" + p.log() + "  (the case)";
        }
        problem = c.connectionProblem();
        return problem == null ? null : "the HTTP/2 connection failed after the new stream: " + problem;
    }
}
