package io.h2ws.h2.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.Transport;
import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.socket.DirectBufferPool;
import io.h2ws.core.internal.socket.SerialExecutor;

/**
 * A {@link Carrier} over one HTTP/2 stream opened by an extended CONNECT (RFC 8441 section 4):
 * the WebSocket bytes travel in DATA frames, END_STREAM ends a half, RST_STREAM(CANCEL) aborts
 * (RFC 8441 section 5.1).
 *
 * <p>Its jobs: {@link StreamReadAhead} reads (Jetty's stream listener, the read-ahead, demand and
 * the calls to the receiver), {@link StreamWriter} writes (DATA frames, trailers, our
 * END_STREAM), and this class ends the stream (abort, close). The flags those three read across
 * each other live in one {@link StreamState}, under its one lock.
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
 * connection ({@link #offload}), as Jetty's own HTTP/2 client transport does. A chunk already
 * there when the receiver demands is delivered on the demanding thread (it is already running
 * the socket's serial executor).
 */
public final class StreamCarrier implements Carrier {

    private static final Logger LOG = LoggerFactory.getLogger(StreamCarrier.class);
    /**
     * DATA read from Jetty beyond what the receiver asked for, at most (at least one frame):
     * Jetty returns a frame's flow-control credit when it is read, so this is what a stream whose
     * reader stopped holds beyond its stream window.
     */
    static final int READ_AHEAD = 64 * 1024;
    /** How long a stream whose END_STREAM was parsed may take to hand over its data after its connection ended. */
    static final long END_GRACE_MILLIS = 1000;

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
    private final StreamState state = new StreamState();
    private final StreamReadAhead reader;
    private final StreamWriter writer;

    /**
     * @param stream the stream of an accepted extended CONNECT (server) or of a 2xx answer (client)
     * @param secure true when the HTTP/2 connection runs over TLS
     */
    public StreamCarrier(Stream stream, boolean secure) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.secure = secure;
        this.pool = stream.getSession() instanceof HTTP2Session s ? new JettyDirectPool(s.getGenerator().getByteBufferPool()) : null;
        this.reader = new StreamReadAhead(stream, state);
        this.writer = new StreamWriter(stream, state);
    }

    /**
     * The Jetty listener that feeds this carrier: return it from {@code onNewStream} (server),
     * or forward to it from the stream's listener after the response (client).
     */
    public Stream.Listener streamListener() {
        return reader.listener();
    }

    /**
     * Starts reading the stream's DATA as it arrives, before {@link #start} and demand: up to
     * {@link #READ_AHEAD} bytes wait here until the receiver asks for them, and a RST_STREAM that
     * follows cannot make Jetty discard them. Call once the stream's listener forwards to
     * {@link #streamListener()}.
     */
    public void startReading() {
        reader.startReading();
    }

    /** The HTTP/2 stream id, for logs and tests. */
    public int streamId() {
        return stream.getId();
    }

    @Override
    public void start(Receiver receiver, SerialExecutor serial) {
        reader.start(receiver, serial);
    }

    @Override
    public void demand() {
        reader.demand();
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

    @Override
    public void dispatch(Runnable task) {
        offload(stream, task);
    }

    @Override
    public DirectBufferPool directPool() {
        return pool;
    }

    /**
     * The stream or its connection failed: report it once, unless the receiver already had its
     * end. What was read ahead of the receiver's demand goes first, without waiting for demand
     * (the receiver accepts unrequested chunks before a failure: a Close the peer sent before
     * resetting is not lost). Reported on this thread: a task offered to a failing connection
     * may never run, so nothing may wait for one. A failure while the peer's END_STREAM is parsed
     * but its DATA not yet read waits up to {@link #END_GRACE_MILLIS} for that DATA.
     */
    void fail(Throwable cause) {
        reader.fail(cause);
    }

    /** Keeps trailers until the END_STREAM behind them is read, so they never overtake data. */
    void onTrailersFrame(HeadersFrame frame) {
        reader.onTrailersFrame(frame);
    }

    @Override
    public void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
        writer.write(buffers, last, trailers, callback);
    }

    @Override
    public void abort(Throwable cause) {
        synchronized (state) {
            reader.releaseAheadLocked();
            if (state.aborted || state.bothEndedLocked()) {
                return;
            }
            state.aborted = true;
            state.terminal = true; // the socket reports its own end after an abort
        }
        LOG.debug("h2ws stream {}: abort: {}", stream.getId(), String.valueOf(cause));
        reset();
    }

    @Override
    public void close() {
        boolean reset;
        synchronized (state) {
            // After a clean close both halves ended and Jetty has freed the stream; anything else
            // (e.g. the close timeout fired) must still free the peer's stream slot.
            reset = !state.aborted && !state.bothEndedLocked() && state.failure == null;
            if (reset) {
                state.aborted = true;
                state.terminal = true;
            }
            reader.releaseAheadLocked();
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
}
