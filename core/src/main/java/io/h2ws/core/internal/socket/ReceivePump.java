package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.Event;
import io.h2ws.core.internal.session.WebSocketSession;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.socket.SerialExecutor;

/**
 * A socket's receive side: turns the listener's {@code request(n)} into carrier reads, feeds what
 * arrives to the session, and hands the session's events to the listener, one per unit of demand.
 *
 * <p>Threads: everything here runs in the socket's {@link SerialExecutor}, the same one the
 * carrier delivers through, so listener calls are never concurrent and never re-entrant: a
 * {@code request(n)} made inside {@code onText} queues the next pump behind the current call.
 * The fields written from outside (by the write side and the timers) are volatile hand-offs.
 */
final class ReceivePump implements Carrier.Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(ReceivePump.class);

    private final RealWebSocket socket;
    private final Object lock;
    private final WebSocketSession session;
    private final WebSocket.Listener listener;
    private final SerialExecutor serial = new SerialExecutor();
    private final AtomicBoolean pumpQueued = new AtomicBoolean();
    private final Runnable pumpTask = () -> {
        pumpQueued.set(false);
        pump();
    };
    private final AtomicLong demand = new AtomicLong();

    // hand-offs from other threads
    private volatile boolean readPending;
    private volatile boolean carrierEnded;
    private volatile Map<String, String> carrierTrailers;
    private volatile Throwable carrierFailure;
    /** The listener had its terminal call (onClose or onError); later events are dropped. */
    private volatile boolean terminated;
    // touched only in the serial executor
    private boolean endFed; // the carrier's end or failure was fed to the session
    private Event held;
    private boolean opened;

    private final ByteBudget budget; // null: unbudgeted
    private final AtomicBoolean waitingForRoom = new AtomicBoolean();
    private final Runnable roomAgain = () -> {
        waitingForRoom.set(false);
        signalElsewhere();
    };
    private long accounted; // under lock: what the budget counts for this socket's received bytes
    private boolean budgetReleased; // under lock

    ReceivePump(RealWebSocket socket, Object lock, WebSocketSession session, WebSocket.Listener listener, ByteBudget budget) {
        this.budget = budget;
        this.socket = socket;
        this.lock = lock;
        this.session = session;
        this.listener = listener;
    }

    SerialExecutor serial() {
        return serial;
    }

    boolean reading() {
        return readPending;
    }

    boolean terminated() {
        return terminated;
    }

    /** Ends the listener's part (abort): no more calls reach it. */
    void terminate() {
        terminated = true;
    }

    /** The transport is lost (a failed write, a timeout): reported to the listener as 1006 unless it ended already. */
    void lost(Throwable cause) {
        if (carrierFailure == null) {
            carrierFailure = cause;
        }
    }

    void request(long n) {
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        signal();
    }

    /**
     * Runs the pump in the serial executor (at most one pump waits there at a time), on this thread
     * unless another is running the executor; a pump queued for a thread yet to come runs here too.
     */
    void signal() {
        if (pumpQueued.compareAndSet(false, true)) {
            serial.execute(pumpTask);
        } else {
            serial.drain();
        }
    }

    /**
     * Like {@link #signal} but never runs the listener on this thread unless it is already the
     * executor's: the pump is queued and the carrier dispatches the drain to a thread of its own.
     */
    void signalElsewhere() {
        if (serial.inExecutor()) {
            signal();
            return;
        }
        if (pumpQueued.compareAndSet(false, true)) {
            serial.enqueue(pumpTask);
        }
        socket.carrier.dispatch(serial::drain);
    }

    // ------------------------------------------------------------------ Carrier.Receiver, in the serial executor

    /**
     * Feeds the chunk to the session at once: the pump asks for a chunk only when the session has no
     * event left, so decoding now holds nothing back, and the buffer goes back to the carrier
     * before the listener runs (events hold their own copies). Chunks handed over unasked before a
     * failure are fed in order the same way; the session's decoder accepts bytes split anywhere.
     */
    @Override
    public void onData(ByteBuffer data, Runnable release) {
        try {
            synchronized (lock) {
                if (socket.lifecycle.stateLocked() == SocketState.RELEASED) {
                    // we aborted (close or ping timeout) before this chunk's turn came: the verdict
                    // stands, and a Close in it must not turn the 1006 into a clean close
                    return;
                }
                session.receive(data);
                socket.liveness.noteReceivedLocked();
            }
        } catch (Throwable t) {
            internalError(t);
            return;
        } finally {
            release.run();
        }
        readPending = false;
        pump();
    }

    @Override
    public void onEnd(Map<String, String> trailers) {
        carrierTrailers = trailers;
        carrierEnded = true;
        readPending = false;
        pump();
    }

    @Override
    public void onFailure(Throwable cause) {
        carrierFailure = cause;
        readPending = false;
        pump();
        synchronized (lock) {
            socket.writes.failAllLocked(cause);
        }
    }

    // ------------------------------------------------------------------ the pump

    private void pump() {
        try {
            drain();
        } catch (Throwable t) {
            internalError(t);
        }
    }

    private void internalError(Throwable t) {
        LOG.warn("h2ws socket {}: internal error in the receive loop", socket.path(), t);
        terminated = true;
        socket.lifecycle.abort(t);
    }

    private void drain() {
        if (!opened) {
            opened = true;
            try {
                listener.onOpen(socket);
            } catch (Throwable t) {
                listenerFailed(t);
                return;
            }
        }
        for (;;) {
            Event ev = held;
            held = null;
            if (ev == null) {
                ev = nextEvent();
            }
            if (ev == null) {
                account();
                if (wantMore) {
                    if (budget != null && budget.exhausted()) {
                        // the connection's memory is spoken for: stop reading, so flow control holds
                        // the peer back, until a release leaves room (RFC 9113 section 10.5); one
                        // wait per socket however often the pump runs meanwhile
                        if (waitingForRoom.compareAndSet(false, true)) {
                            budget.whenRoom(roomAgain);
                        }
                        return;
                    }
                    readPending = true;
                    socket.carrier.demand();
                }
                return;
            }
            if (terminated) {
                continue; // the listener had its terminal call; keep draining to see the end of stream
            }
            if (!(ev instanceof Event.Failed) && !(ev instanceof Event.Abnormal)) {
                if (demand.get() == 0) {
                    if (carrierFailure != null && !(ev instanceof Event.Close)) {
                        // the transport is gone: messages nobody asked for must not hold back
                        // its terminal event (as the JDK reports onError whatever the demand)
                        continue;
                    }
                    held = ev;
                    account();
                    return;
                }
                demand.decrementAndGet();
            }
            deliver(ev);
        }
    }

    /** Brings the budget up to what the session holds of received bytes now. */
    private void account() {
        if (budget == null) {
            return;
        }
        long delta;
        synchronized (lock) {
            long now = budgetReleased ? 0 : session.bufferedBytes() + sizeOf(held);
            delta = now - accounted;
            accounted = now;
        }
        budget.add(delta);
    }

    /** The socket is gone: its received bytes no longer count. */
    void releaseBudget() {
        if (budget == null) {
            return;
        }
        long delta;
        synchronized (lock) {
            budgetReleased = true;
            delta = -accounted;
            accounted = 0;
        }
        budget.add(delta);
    }

    private static long sizeOf(Event e) {
        return e == null ? 0 : WebSocketSession.sizeOf(e);
    }

    /** Set by {@link #nextEvent()} when it found nothing: the carrier should be asked for more. */
    private boolean wantMore;

    /**
     * Polls the session, reporting the carrier's end to it once everything before was taken. When
     * nothing is left, decides under the same lock whether to read on: with demand, or after the
     * peer's Close to see its end of stream (and drop any bytes behind it).
     */
    private Event nextEvent() {
        Event ev;
        boolean closeCarrier = false;
        boolean flush;
        synchronized (lock) {
            ev = session.poll();
            if (ev == null && !endFed && (carrierEnded || carrierFailure != null)) {
                endFed = true;
                if (carrierFailure != null) {
                    session.transportFailed(carrierFailure);
                } else if (carrierTrailers != null) {
                    session.receiveTrailers(carrierTrailers);
                } else {
                    session.inputEnded();
                }
                closeCarrier = socket.lifecycle.halfEndedLocked(SocketState.Event.INPUT_END);
                ev = session.poll();
            }
            flush = socket.moveInternalOutputLocked();
            wantMore = ev == null && !readPending && !endFed && socket.lifecycle.stateLocked() != SocketState.RELEASED
                    && (demand.get() > 0 || session.isInputDone());
        }
        if (flush) {
            socket.writes.flush();
        }
        if (closeCarrier) {
            socket.lifecycle.closeCarrier();
        }
        return ev;
    }

    private void deliver(Event ev) {
        try {
            if (ev instanceof Event.Text t) {
                listener.onText(socket, t.text(), t.last());
            } else if (ev instanceof Event.Binary b) {
                listener.onBinary(socket, b.data(), b.last());
            } else if (ev instanceof Event.Ping p) {
                listener.onPing(socket, p.data());
            } else if (ev instanceof Event.Pong p) {
                socket.liveness.matchPong(p.data());
                listener.onPong(socket, p.data());
            } else if (ev instanceof Event.Close c) {
                socket.closeCode = c.code();
                terminated = true;
                CompletionStage<?> stage = listener.onClose(socket, c.code(), c.reason());
                if (stage == null) {
                    replyToClose(c.code());
                } else {
                    stage.whenComplete((r, e) -> replyToClose(c.code()));
                }
            } else if (ev instanceof Event.Failed f) {
                terminated = true;
                socket.closeCode = f.violation().closeCode();
                LOG.debug("h2ws socket {}: failing with {}: {}", socket.path(), f.violation().closeCode(), f.violation().getMessage());
                socket.lifecycle.startCloseTimer();
                listener.onError(socket, f.violation());
            } else if (ev instanceof Event.Abnormal a) {
                terminated = true;
                socket.closeCode = CloseCodes.ABNORMAL;
                Throwable cause = a.cause() != null ? a.cause() : new IOException(a.reason());
                synchronized (lock) {
                    socket.writes.failAllLocked(new IOException("connection closed abnormally: " + a.reason(), a.cause()));
                }
                socket.lifecycle.abort(cause);
                listener.onClose(socket, CloseCodes.ABNORMAL, a.reason());
            }
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    /** Completes the close handshake the peer started, echoing its code (section 5.5.1). */
    private void replyToClose(int code) {
        int reply = CloseCodes.isValidOnWire(code) ? code : CloseCodes.NORMAL;
        socket.sendClose(reply, "");
    }

    private void listenerFailed(Throwable t) {
        LOG.warn("h2ws socket {}: listener threw; closing with 1011", socket.path(), t);
        boolean wasTerminated = terminated;
        terminated = true;
        try {
            socket.sendClose(CloseCodes.INTERNAL_ERROR, "listener failed");
        } catch (RuntimeException ignored) {
            // output already closed: nothing more to say to the peer
        }
        if (!wasTerminated) {
            try {
                listener.onError(socket, t);
            } catch (Throwable again) {
                LOG.warn("h2ws socket {}: onError threw", socket.path(), again);
            }
        }
    }
}
