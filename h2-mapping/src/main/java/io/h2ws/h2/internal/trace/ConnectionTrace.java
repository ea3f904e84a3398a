package io.h2ws.h2.internal.trace;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.LongAdder;

import io.h2ws.trace.TraceIds;

/**
 * Per session: its id, the DATA frames generated but not yet reported (traces only), and the
 * statistics: frames each way, and the time the connection send window was at 0.
 */
final class ConnectionTrace {
    final String id = TraceIds.nextConnection();
    final SendWindowClock window = new SendWindowClock();
    final LongAdder framesIn = new LongAdder();
    final LongAdder framesOut = new LongAdder();
    private final ArrayDeque<long[]> pieces = new ArrayDeque<>(); // {stream, length, connWindow, streamWindow, nanos}

    /** Notes a DATA wire frame as Jetty generated it, to be reported with its application DataFrame. */
    synchronized void generated(long[] piece) {
        pieces.add(piece);
    }

    /**
     * Takes the pieces generated on {@code streamId} since the last write: every one but the last
     * goes to {@code earlier}, in order; the last is returned (null when there is none).
     */
    synchronized long[] takePieces(int streamId, java.util.function.Consumer<long[]> earlier) {
        long[] last = null;
        for (Iterator<long[]> it = pieces.iterator(); it.hasNext(); ) {
            long[] p = it.next();
            if (p[0] != streamId) {
                continue;
            }
            it.remove();
            if (last != null) {
                earlier.accept(last);
            }
            last = p;
        }
        return last;
    }
}
