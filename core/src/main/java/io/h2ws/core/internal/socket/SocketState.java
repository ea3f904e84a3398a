package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.Event;

/**
 * The lifecycle of one socket over its carrier, one value for the whole socket: whether sends are
 * still accepted, whether each half of the carrier has ended, and whether the carrier is released.
 * Every decision the runtime makes about closing reads it; it changes only through {@link #next},
 * whose table is the whole of the lifecycle. An event the table does not allow is a bug in the
 * runtime and throws {@link IllegalStateException}.
 *
 * <p>This is the carrier-side lifecycle. The close handshake of RFC 6455 section 7 (which Close
 * frames were sent and received) is {@link SessionState}, kept by the sans-I/O session, which can
 * run without a carrier; the two meet only through the events below.
 *
 * <pre>
 *                  QUEUE_CLOSE                    OUTPUT_END
 *  OPEN ───────────────────────► CLOSE_QUEUED ───────────────► OUTPUT_ENDED
 *   │                                 │                           │
 *   │ INPUT_END                       │ INPUT_END                 │ INPUT_END (carrier closed)
 *   ▼          QUEUE_CLOSE            ▼          OUTPUT_END       ▼
 *  INPUT_ENDED ─────────────► INPUT_ENDED_CLOSE_QUEUED ─────────► RELEASED
 *
 *  any ── RELEASE (abort, failed write, close or ping timeout) ──► RELEASED
 * </pre>
 */
public enum SocketState {
    /** Both halves open; sends accepted. */
    OPEN,
    /** Our Close is queued (sent by the application, a reply, or a protocol failure); sends refused. */
    CLOSE_QUEUED,
    /** Our Close was written and our half ended; waiting for the peer's end of stream. */
    OUTPUT_ENDED,
    /** The peer's half ended (its end of stream was fed to the session); we may still send our Close. */
    INPUT_ENDED,
    /** The peer's half ended and our Close is queued. */
    INPUT_ENDED_CLOSE_QUEUED,
    /** The carrier is released: closed after both halves ended, or aborted. Terminal. */
    RELEASED;

    /** What moves the state. */
    public enum Event {
        /** Our Close frame was accepted into the write queue. */
        QUEUE_CLOSE,
        /** The write carrying our Close completed: our half ended. */
        OUTPUT_END,
        /** The carrier's end (or failure) was fed to the session: the peer's half ended. */
        INPUT_END,
        /** The carrier was aborted or closed before both halves ended. */
        RELEASE
    }

    private static final SocketState X = null; // not allowed
    /** Rows: states in declaration order; columns: events in declaration order. */
    private static final SocketState[][] TABLE = {
        //                        QUEUE_CLOSE               OUTPUT_END  INPUT_END                 RELEASE
        /* OPEN */               {CLOSE_QUEUED,             X,          INPUT_ENDED,              RELEASED},
        /* CLOSE_QUEUED */       {X,                        OUTPUT_ENDED, INPUT_ENDED_CLOSE_QUEUED, RELEASED},
        /* OUTPUT_ENDED */       {X,                        X,          RELEASED,                 RELEASED},
        /* INPUT_ENDED */        {INPUT_ENDED_CLOSE_QUEUED, X,          X,                        RELEASED},
        /* INPUT_ENDED_CLOSE_QUEUED */ {X,                  RELEASED,   X,                        RELEASED},
        // late reports after an abort (a write or the carrier's end completing afterwards) change nothing
        /* RELEASED */           {X,                        RELEASED,   RELEASED,                 RELEASED},
    };

    /**
     * The state after {@code event}.
     *
     * @throws IllegalStateException when the table does not allow {@code event} here
     */
    public SocketState next(Event event) {
        SocketState s = TABLE[ordinal()][event.ordinal()];
        if (s == null) {
            throw new IllegalStateException("socket state " + this + ": " + event + " is not allowed here");
        }
        return s;
    }

    /** Sends (data, pings, our Close) are still accepted. */
    public boolean canSend() {
        return this == OPEN || this == INPUT_ENDED;
    }

    /** The peer's half has ended or the carrier is gone: nothing more will be read. */
    public boolean inputEnded() {
        return this == INPUT_ENDED || this == INPUT_ENDED_CLOSE_QUEUED || this == RELEASED;
    }

    /** Our half has ended or the carrier is gone: nothing more will be written. */
    public boolean outputEnded() {
        return this == OUTPUT_ENDED || this == RELEASED;
    }
}
