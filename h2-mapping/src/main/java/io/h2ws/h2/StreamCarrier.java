package io.h2ws.h2;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.Transport;
import io.h2ws.core.socket.Carrier;
import io.h2ws.core.socket.DirectBufferPool;
import io.h2ws.core.socket.SerialExecutor;

/**
 * A {@link Carrier} over one HTTP/2 stream opened by an extended CONNECT (RFC 8441 section 4):
 * the WebSocket bytes travel in DATA frames, END_STREAM ends a half, RST_STREAM(CANCEL) aborts
 * (RFC 8441 section 5.1).
 *
 * <p>Reads are driven by {@link #demand()}: one chunk per call, read from Jetty at most
 * {@link #READ_AHEAD} bytes ahead of it. Jetty 12.1 returns a frame's flow-control credit (a
 * WINDOW_UPDATE) when the frame is read, and nothing more is read once the read-ahead is full, so
 * a socket whose listener stops calling {@code request(n)} closes its stream window, after at
 * most {@link #READ_AHEAD} more, and nothing else. The chunk's {@code release} is Jetty's
 * {@code Data.release()}, which frees its buffer.
 *
 * <p>Jetty's buffers are handed over as they are: the core's frame decoder unmasks in place only
 * when the buffer is writable and uses its own scratch buffer otherwise, so no copy is needed.
 *
 * <p>Receiver calls run in the socket's {@link SerialExecutor}: Jetty may report a reset on one
 * thread while a chunk is being delivered on another, and the receiver never sees two calls at
 * once. This class keeps no call queue of its own.
 *
 * <p>Threads: Jetty's low-level HTTP/2 API calls {@code onDataAvailable} on the thread parsing
 * the whole connection, on the client usually its selector's in non-blocking mode. The receiver
 * runs the application's listener on the thread it is given, so a listener that blocked there
 * stopped every stream of the connection and, on the client, every other HTTP/2 connection of
 * the connector (measured: a sibling socket's echo, a new socket's handshake and a socket to
 * another server waited for the blocked {@code onText}, with idle threads in the pool). A chunk
 * that arrives while the connection is parsed is therefore delivered by a task offered to the
 * connection ({@link HTTP2Connection#offerTask}), as Jetty's own HTTP/2 client transport does:
 * its execution strategy either runs the task on this thread after handing the parsing to a
 * spare thread, or executes it in the pool (queued while no thread is free) and parses on. A
 * chunk already there when the receiver demands is delivered on the demanding thread
 * (it is already running the socket's serial executor).
 *
 * <p>Since the receiver now asks again from another thread, possibly after the parser has moved
 * on, DATA is read from Jetty as soon as it arrives (from {@link #startReading()} on, up to
 * {@link #READ_AHEAD}) and kept here until demanded: Jetty discards what it still holds when a
 * RST_STREAM follows, which lost the Close that a proxy forwarded just before resetting the
 * stream. A failure hands what was read ahead to the receiver first, on the failing thread.
 */
public final class StreamCarrier implements Carrier {

    private static final Logger LOG = LoggerFactory.getLogger(StreamCarrier.class);
    /**
     * DATA read from Jetty beyond what the receiver asked for, at most (at least one frame):
     * Jetty returns a frame's flow-control credit when it is read, so this is what a stream whose
     * reader stopped holds beyond its stream window.
     */
    static final int READ_AHEAD = 64 * 1024;
    private final Stream stream;
    /**
     * The connection's pool, lent to the write queue for its direct copies of heap payloads; null
     * if Jetty's session type is unknown. Why copy: Jetty writes the frames of many streams with
     * one gathering write, and the JDK copies each heap buffer of such a write into a temporary
     * direct buffer that it caches per thread, up to IOV_MAX (1,024) of them per thread. With
     * hundreds of pool threads that cache grew to the whole direct-memory limit in the 10-minute
     * soak (spec-notes/soak.md). That copy replaces the JDK's; it is not an extra one.
     */
    private final DirectBufferPool pool;
    private final boolean secure;
    private final Stream.Listener listener = new Listener();

    private final Object lock = new Object();
    // guarded by lock
    private Receiver receiver;
    private SerialExecutor serial;  // the socket's: every receiver call runs there
    private boolean endPending;     // a DATA with bytes and END_STREAM was delivered; onEnd follows on next demand
    private boolean demandPending;  // demand() came before start()
    private Throwable failure;      // the stream failed; reported on start or at once
    private boolean terminal;       // onEnd or onFailure was queued for the receiver
    private boolean aborted;
    private boolean endReceived;
    private boolean endSent;
    private Map<String, String> trailers; // the peer's trailers; reported when its END_STREAM is read
    /** DATA read from Jetty and not yet handed to the receiver: {@link #READ_AHEAD} bytes, or one frame, at most. */
    private final ArrayDeque<Stream.Data> ahead = new ArrayDeque<>();
    private long aheadBytes;
    private boolean wanted;         // the receiver demanded and got nothing yet
    private boolean jettyDemanded;  // stream.demand() called, onDataAvailable not yet seen
    private boolean deferredFailure; // a connection failure waits for data Jetty had already parsed

    /**
     * @param stream the stream of an accepted extended CONNECT (server) or of a 2xx answer (client)
     * @param secure true when the HTTP/2 connection runs over TLS
     */
    public StreamCarrier(Stream stream, boolean secure) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.secure = secure;
        this.pool = stream.getSession() instanceof HTTP2Session s ? new JettyDirectPool(s.getGenerator().getByteBufferPool()) : null;
    }

    /**
     * The Jetty listener that feeds this carrier: return it from {@code onNewStream} (server),
     * or forward to it from the stream's listener after the response (client).
     */
    public Stream.Listener streamListener() {
        return listener;
    }

    /**
     * Starts reading the stream's DATA as it arrives, before {@link #start} and demand: up to
     * {@link #READ_AHEAD} bytes wait here until the receiver asks for them, and a RST_STREAM that
     * follows cannot make Jetty discard them. Call once the stream's listener forwards to
     * {@link #streamListener()}.
     */
    public void startReading() {
        synchronized (lock) {
            if (jettyDemanded || endReceived || terminal) {
                return;
            }
            jettyDemanded = true;
        }
        stream.demand();
    }

    /** The HTTP/2 stream id, for logs and tests. */
    public int streamId() {
        return stream.getId();
    }

    @Override
    public void start(Receiver receiver, SerialExecutor serial) {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(serial, "serial");
        boolean demandNow;
        synchronized (lock) {
            if (this.receiver != null) {
                throw new IllegalStateException("already started");
            }
            this.serial = serial;
            this.receiver = receiver;
            demandNow = demandPending;
            demandPending = false;
            if (failure != null && !terminal) {
                failLocked(failure);
            }
        }
        drainCalls();
        if (demandNow) {
            demand();
        }
    }

    @Override
    public void demand() {
        boolean drain = false;
        boolean askJetty = false;
        synchronized (lock) {
            if (receiver == null) {
                demandPending = true;
                return;
            }
            if (terminal) {
                return;
            }
            if (endPending) {
                endPending = false;
                terminal = true;
                callEnd(receiver);
                drain = true;
            } else if (handOutLocked()) {
                drain = true;
            } else {
                wanted = true;
            }
            askJetty = !terminal && !jettyDemanded && !endReceived && aheadBytes < READ_AHEAD;
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
            offload(stream, s::drain);
        }
    }

    /**
     * Offers {@code task}, which may call the application, to the execution strategy of the
     * connection carrying {@code stream}, so that it does not hold up the reading of the other
     * streams: the strategy runs it on this thread if a spare thread can take over the reading,
     * else in the pool (queued until a thread is free). Runs it here when the connection is not
     * Jetty's {@link HTTP2Connection}.
     */
    static void offload(Stream stream, Runnable task) {
        if (stream.getSession() instanceof HTTP2Session session
                && session.getEndPoint().getConnection() instanceof HTTP2Connection connection) {
            connection.offerTask(task, false);
        } else {
            task.run();
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

    @Override
    public DirectBufferPool directPool() {
        return pool;
    }

    /**
     * Reads what Jetty holds for the stream at once, whether or not the receiver asked for it (up
     * to {@link #READ_AHEAD}), and asks Jetty for more: data left in Jetty's queue would be
     * discarded by a RST_STREAM that follows it (a proxy that resets right after forwarding a
     * Close), and the receiver, which may run on another thread, may not have asked again yet.
     */
    private void onDataAvailable() {
        boolean deliver = false;
        boolean demandAgain = false;
        synchronized (lock) {
            jettyDemanded = false;
        }
        for (;;) {
            synchronized (lock) {
                if (endReceived) {
                    break; // Jetty answers every read after the end of stream with another end of stream
                }
                if (!wanted && !ahead.isEmpty() && aheadBytes >= READ_AHEAD) {
                    break; // enough read ahead: the receiver's next demand() reads on
                }
                // read under the lock: a demand() on another thread may have Jetty call us there too
                Stream.Data data = stream.readData();
                if (data == null) {
                    demandAgain = !terminal && !jettyDemanded;
                    jettyDemanded |= demandAgain;
                    break;
                }
                if (terminal) {
                    data.release(); // ended, failed or aborted: nothing more for the receiver
                    break;
                }
                DataFrame frame = data.frame();
                if (!frame.getByteBuffer().hasRemaining() && !frame.isEndStream()) {
                    data.release(); // an empty DATA frame without END_STREAM carries nothing: read on
                    continue;
                }
                if (frame.isEndStream()) {
                    endReceived = true;
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
            terminal = true;
            callEnd(r);
            return true;
        }
        if (frame.isEndStream()) {
            endPending = true;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                data.release();
            }
        };
        call(() -> r.onData(bytes, release));
        return true;
    }

    /** Under the lock: gives Jetty back what was read ahead and will not be delivered. */
    private void releaseAheadLocked() {
        Stream.Data data;
        while ((data = ahead.poll()) != null) {
            data.release();
        }
        aheadBytes = 0;
    }

    /**
     * The stream or its connection failed: report it once, unless the receiver already had its
     * end. What was read ahead of the receiver's demand goes first, without waiting for demand
     * (the receiver accepts unrequested chunks before a failure: a Close the peer sent before
     * resetting is not lost). Reported on this thread: a task offered to a failing connection
     * may never run, so nothing may wait for one.
     */
    void fail(Throwable cause) {
        boolean later;
        synchronized (lock) {
            if (terminal || aborted) {
                return;
            }
            if (endReceived) {
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
            io.h2ws.core.socket.Timers.shared().schedule(() -> failNow(cause), END_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        failNow(cause);
    }

    /** How long a stream whose END_STREAM was parsed may take to hand over its data after its connection ended. */
    static final long END_GRACE_MILLIS = 1000;

    private void failNow(Throwable cause) {
        synchronized (lock) {
            if (!terminal && !aborted && !endReceived) {
                failure = cause;
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
        terminal = true;
        Receiver r = receiver;
        call(() -> r.onFailure(cause));
    }

    @Override
    public void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (lock) {
            if (aborted || endSent) {
                callback.completed(new IOException(aborted ? "stream aborted" : "stream output already ended"));
                return;
            }
        }
        if (buffers.length == 0 && !last) {
            callback.completed(null);
            return;
        }
        new WriteChain(buffers, last, trailers, callback).next();
    }

    /**
     * Writes the buffers as consecutive DATA frames (Jetty allows one pending write per stream and
     * splits a buffer larger than a frame), then the trailers when there are some: RFC 9113
     * section 8.1 allows one HEADERS frame after DATA, and it ends the stream.
     */
    private final class WriteChain implements Callback {
        private final ByteBuffer[] buffers;
        private final boolean last;
        private final Map<String, String> trailers;
        private final WriteCallback callback;
        private int index;
        private boolean trailersSent;

        WriteChain(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
            this.buffers = buffers;
            this.last = last;
            this.trailers = trailers;
            this.callback = callback;
        }

        void next() {
            try {
                if (index < buffers.length || (last && trailers == null && index == 0)) {
                    // an empty DATA frame carries END_STREAM when there is nothing else to end on
                    ByteBuffer payload = index < buffers.length ? buffers[index++] : BufferUtil.EMPTY_BUFFER;
                    boolean endStream = last && trailers == null && index >= buffers.length;
                    stream.data(new DataFrame(stream.getId(), payload, endStream), this);
                } else {
                    trailersSent = true;
                    HttpFields.Mutable f = HttpFields.build();
                    trailers.forEach(f::put);
                    stream.headers(new HeadersFrame(stream.getId(), new MetaData(HttpVersion.HTTP_2, f), null, true), this);
                }
            } catch (RuntimeException e) {
                failed(e);
            }
        }

        @Override
        public void succeeded() {
            if (index < buffers.length || (last && trailers != null && !trailersSent)) {
                boolean stop;
                synchronized (lock) {
                    stop = aborted;
                }
                if (stop) {
                    callback.completed(new IOException("stream aborted"));
                } else {
                    next();
                }
                return;
            }
            if (last) {
                synchronized (lock) {
                    endSent = true;
                }
            }
            callback.completed(null);
        }

        @Override
        public void failed(Throwable x) {
            callback.completed(x instanceof IOException ? x : new IOException("stream write failed: " + x, x));
        }
    }

    @Override
    public void abort(Throwable cause) {
        synchronized (lock) {
            releaseAheadLocked();
            if (aborted || (endSent && endReceived)) {
                return;
            }
            aborted = true;
            terminal = true; // the socket reports its own end after an abort
        }
        LOG.debug("h2ws stream {}: abort: {}", stream.getId(), String.valueOf(cause));
        reset();
    }

    @Override
    public void close() {
        boolean reset;
        synchronized (lock) {
            // After a clean close both halves ended and Jetty has freed the stream; anything else
            // (e.g. the close timeout fired) must still free the peer's stream slot.
            reset = !aborted && !(endSent && endReceived) && failure == null;
            if (reset) {
                aborted = true;
                terminal = true;
            }
            releaseAheadLocked();
        }
        if (reset) {
            reset();
        }
    }

    private void reset() {
        if (!stream.isReset() && !stream.isClosed()) {
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
        }
    }

    @Override
    public Transport transport() {
        return Transport.H2;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public SocketAddress remoteAddress() {
        return stream.getSession().getRemoteSocketAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return stream.getSession().getLocalSocketAddress();
    }

    @Override
    public String toString() {
        return "StreamCarrier[#" + stream.getId() + (secure ? " tls" : "") + "]";
    }

    /** Keeps trailers until the END_STREAM behind them is read, so they never overtake data. */
    void onTrailersFrame(HeadersFrame frame) {
        Map<String, String> t = new LinkedHashMap<>();
        for (HttpField f : frame.getMetaData().getHttpFields()) {
            t.merge(f.getLowerCaseName(), f.getValue(), (a, b) -> a + ", " + b);
        }
        synchronized (lock) {
            trailers = t;
        }
    }

    private final class Listener implements Stream.Listener {
        @Override
        public void onDataAvailable(Stream s) {
            StreamCarrier.this.onDataAvailable();
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
