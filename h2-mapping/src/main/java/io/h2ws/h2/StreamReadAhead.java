package io.h2ws.h2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.socket.Carrier.Receiver;
import io.h2ws.core.socket.SerialExecutor;
import io.h2ws.core.socket.Timers;

/**
 * The reading half of a {@link StreamCarrier}: Jetty's stream listener, the DATA read ahead of
 * the receiver's demand, and the one terminal call (end or failure) handed to the receiver.
 *
 * <p>Reads are driven by {@link #demand()}: one chunk per call, read from Jetty at most
 * {@link StreamCarrier#READ_AHEAD} bytes ahead of it. Jetty 12.1 returns a frame's flow-control
 * credit (a WINDOW_UPDATE) when the frame is read, and nothing more is read once the read-ahead is
 * full, so a socket whose listener stops calling {@code request(n)} closes its stream window,
 * after at most {@code READ_AHEAD} more, and nothing else. The chunk's {@code release} is Jetty's
 * {@code Data.release()}, which frees its buffer. Jetty's buffers are handed over as they are:
 * the core's frame decoder unmasks in place only when the buffer is writable and uses its own
 * scratch buffer otherwise, so no copy is needed.
 *
 * <p>Why read ahead at all: the receiver asks again from another thread (see
 * {@link StreamCarrier}), possibly after the parser has moved on, and Jetty discards what it still
 * holds when a RST_STREAM follows, which lost the Close that a proxy forwarded just before
 * resetting the stream. So DATA is read from Jetty as soon as it arrives (from
 * {@link #startReading()} on) and kept here until demanded; a failure hands what was read ahead
 * to the receiver first, on the failing thread.
 *
 * <p>Every field is guarded by the carrier's {@link StreamState}, whose flags the writer and the
 * carrier's abort and close read too.
 */
final class StreamReadAhead {

    private static final Logger LOG = LoggerFactory.getLogger(StreamCarrier.class); // one logger name for the whole carrier
    private final Stream stream;
    private final StreamState state;
    private final Stream.Listener listener = new Listener();

    // guarded by state
    private Receiver receiver;
    private SerialExecutor serial;  // the socket's: every receiver call runs there
    private boolean endPending;     // a DATA with bytes and END_STREAM was delivered; onEnd follows on next demand
    private boolean demandPending;  // demand() came before start()
    private Map<String, String> trailers; // the peer's trailers; reported when its END_STREAM is read
    /** DATA read from Jetty and not yet handed to the receiver: {@code READ_AHEAD} bytes, or one frame, at most. */
    private final ArrayDeque<Stream.Data> ahead = new ArrayDeque<>(2); // grows when used; idle sockets keep it small
    private long aheadBytes;
    private boolean wanted;         // the receiver demanded and got nothing yet
    private boolean jettyDemanded;  // stream.demand() called, onDataAvailable not yet seen
    private boolean deferredFailure; // a connection failure waits for data Jetty had already parsed

    StreamReadAhead(Stream stream, StreamState state) {
        this.stream = stream;
        this.state = state;
    }

    Stream.Listener listener() {
        return listener;
    }

    void startReading() {
        synchronized (state) {
            if (jettyDemanded || state.endReceived || state.terminal) {
                return;
            }
            jettyDemanded = true;
        }
        stream.demand();
    }

    void start(Receiver receiver, SerialExecutor serial) {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(serial, "serial");
        boolean demandNow;
        synchronized (state) {
            if (this.receiver != null) {
                throw new IllegalStateException("already started");
            }
            this.serial = serial;
            this.receiver = receiver;
            demandNow = demandPending;
            demandPending = false;
            if (state.failure != null && !state.terminal) {
                failLocked(state.failure);
            }
        }
        drainCalls();
        if (demandNow) {
            demand();
        }
    }

    void demand() {
        boolean drain = false;
        boolean askJetty = false;
        synchronized (state) {
            if (receiver == null) {
                demandPending = true;
                return;
            }
            if (state.terminal) {
                return;
            }
            if (endPending) {
                endPending = false;
                state.terminal = true;
                callEnd(receiver);
                drain = true;
            } else if (handOutLocked()) {
                drain = true;
            } else {
                wanted = true;
            }
            askJetty = !state.terminal && !jettyDemanded && !state.endReceived && aheadBytes < StreamCarrier.READ_AHEAD;
            jettyDemanded |= askJetty;
        }
        if (drain) {
            drainCalls();
        }
        if (askJetty) {
            stream.demand();
        }
    }

    /**
     * Runs the queued receiver calls: on this thread when it is already running the socket's
     * serial executor (Jetty called us back from the receiver's own {@link #demand()}), else (Jetty
     * called us while parsing the connection) as a task offered to the connection. The calls stay
     * in order whichever thread runs them: the serial executor fixed it when they were queued.
     */
    private void deliverCalls() {
        SerialExecutor s = serial;
        if (!s.inExecutor()) {
            StreamCarrier.offload(stream, s::drain);
        }
    }

    /** Runs queued receiver calls on this thread unless another thread is already running them. */
    private void drainCalls() {
        SerialExecutor s = serial;
        if (s != null) {
            s.drain();
        }
    }

    /** Under the lock, with a receiver: queues a receiver call in the socket's serial executor. */
    private void call(Runnable r) {
        serial.enqueue(r);
    }

    /** The peer's half ended: with its trailers when it sent some (HEADERS with END_STREAM after DATA). */
    private void callEnd(Receiver r) {
        Map<String, String> t = trailers;
        call(() -> r.onEnd(t));
    }

    /**
     * Reads what Jetty holds for the stream at once, whether or not the receiver asked for it (up
     * to {@code READ_AHEAD}), and asks Jetty for more: see the class comment.
     */
    private void onDataAvailable() {
        boolean deliver = false;
        boolean demandAgain = false;
        synchronized (state) {
            jettyDemanded = false;
        }
        for (;;) {
            synchronized (state) {
                if (state.endReceived) {
                    break; // Jetty answers every read after the end of stream with another end of stream
                }
                if (!wanted && !ahead.isEmpty() && aheadBytes >= StreamCarrier.READ_AHEAD) {
                    break; // enough read ahead: the receiver's next demand() reads on
                }
                // read under the lock: a demand() on another thread may have Jetty call us there too
                Stream.Data data = stream.readData();
                if (data == null) {
                    demandAgain = !state.terminal && !jettyDemanded;
                    jettyDemanded |= demandAgain;
                    break;
                }
                if (state.terminal) {
                    data.release(); // ended, failed or aborted: nothing more for the receiver
                    break;
                }
                DataFrame frame = data.frame();
                if (!frame.getByteBuffer().hasRemaining() && !frame.isEndStream()) {
                    data.release(); // an empty DATA frame without END_STREAM carries nothing: read on
                    continue;
                }
                if (frame.isEndStream()) {
                    state.endReceived = true;
                }
                ahead.add(data);
                aheadBytes += frame.getByteBuffer().remaining();
                if (wanted && handOutLocked()) {
                    wanted = false;
                    deliver = true;
                }
            }
        }
        if (deliver) {
            deliverCalls();
        }
        if (demandAgain) {
            stream.demand();
        }
    }

    /** Under the lock: queues the next chunk read ahead (or the end it carries) for the receiver; false if none. */
    private boolean handOutLocked() {
        Stream.Data data = ahead.poll();
        if (data == null) {
            return false;
        }
        DataFrame frame = data.frame();
        ByteBuffer bytes = frame.getByteBuffer();
        aheadBytes -= bytes.remaining();
        Receiver r = receiver;
        if (!bytes.hasRemaining()) { // an empty DATA frame with END_STREAM
            data.release();
            state.terminal = true;
            callEnd(r);
            return true;
        }
        if (frame.isEndStream()) {
            endPending = true;
        }
        Runnable release = new ReleaseOnce(data);
        call(() -> r.onData(bytes, release));
        return true;
    }

    /** Gives a DATA frame back to Jetty (and its flow-control credit) once, however often the receiver's release runs. */
    private static final class ReleaseOnce extends AtomicBoolean implements Runnable {
        private final transient Stream.Data data;

        ReleaseOnce(Stream.Data data) {
            this.data = data;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                data.release();
            }
        }
    }

    /** Under the lock: gives Jetty back what was read ahead and will not be delivered. */
    void releaseAheadLocked() {
        Stream.Data data;
        while ((data = ahead.poll()) != null) {
            data.release();
        }
        aheadBytes = 0;
    }

    /** See {@link StreamCarrier#fail}. */
    void fail(Throwable cause) {
        boolean later;
        synchronized (state) {
            if (state.terminal || state.aborted) {
                return;
            }
            if (state.endReceived) {
                // Everything the peer sent is in hand (its END_STREAM was read): the connection
                // ending now loses nothing; demand delivers the rest and the end.
                LOG.debug("h2ws stream {}: {} after the peer's END_STREAM was read; not a failure", stream.getId(), cause.toString());
                return;
            }
            // The peer's END_STREAM was parsed but its DATA not yet handed to us (Jetty queues it
            // as a task, and the connection's end can overtake it: the server closing the
            // connection right after the last stream under GOAWAY, just after its Close). Give
            // that task a moment instead of turning a clean close into 1006; if it never runs,
            // the failure is reported then.
            later = stream.isRemotelyClosed() && !stream.isReset() && !deferredFailure;
            deferredFailure |= later;
        }
        if (later) {
            LOG.debug("h2ws stream {}: {} after the peer's END_STREAM was parsed; waiting for its data", stream.getId(), cause.toString());
            Timers.shared().schedule(() -> failNow(cause), StreamCarrier.END_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        failNow(cause);
    }

    private void failNow(Throwable cause) {
        synchronized (state) {
            if (!state.terminal && !state.aborted && !state.endReceived) {
                state.failure = cause;
                if (receiver != null) {
                    failLocked(cause);
                } // else reported by start()
            }
        }
        drainCalls(); // also what an undelivered task left queued
    }

    /** Under the lock, with a receiver: queues what was read ahead, then the failure. */
    private void failLocked(Throwable cause) {
        while (!ahead.isEmpty()) {
            if (ahead.peek().frame().getByteBuffer().hasRemaining()) {
                handOutLocked();
            } else {
                ahead.poll().release(); // an END_STREAM marker: the failure ends the stream instead
            }
        }
        endPending = false;
        state.terminal = true;
        Receiver r = receiver;
        call(() -> r.onFailure(cause));
    }

    /** Keeps trailers until the END_STREAM behind them is read, so they never overtake data. */
    void onTrailersFrame(HeadersFrame frame) {
        Map<String, String> t = new LinkedHashMap<>();
        for (HttpField f : frame.getMetaData().getHttpFields()) {
            t.merge(f.getLowerCaseName(), f.getValue(), (a, b) -> a + ", " + b);
        }
        synchronized (state) {
            trailers = t;
        }
    }

    private final class Listener implements Stream.Listener {
        @Override
        public void onDataAvailable(Stream s) {
            StreamReadAhead.this.onDataAvailable();
        }

        @Override
        public void onHeaders(Stream s, HeadersFrame frame) {
            MetaData md = frame.getMetaData();
            if (!md.isRequest() && !md.isResponse()) {
                onTrailersFrame(frame);
            }
        }

        @Override
        public void onReset(Stream s, ResetFrame frame, Callback callback) {
            try {
                fail(new IOException("stream reset by peer: " + ErrorCode.toString(frame.getError(), "error " + frame.getError())));
            } finally {
                callback.succeeded();
            }
        }

        @Override
        public void onFailure(Stream s, int error, String reason, Throwable cause, Callback callback) {
            try {
                fail(cause instanceof IOException ? cause
                        : new IOException("stream failed: " + ErrorCode.toString(error, reason) + (reason == null ? "" : " (" + reason + ")"), cause));
            } finally {
                callback.succeeded();
            }
        }

        @Override
        public void onIdleTimeout(Stream s, TimeoutException x, Promise<Boolean> promise) {
            // A WebSocket may be silent for hours; its own idle timeout (WebSocketOptions) decides.
            promise.succeeded(false);
        }
    }
}
