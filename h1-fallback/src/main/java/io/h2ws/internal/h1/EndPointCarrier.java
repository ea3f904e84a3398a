package io.h2ws.internal.h1;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.Transport;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.socket.DirectBufferPool;
import io.h2ws.core.internal.socket.SerialExecutor;

/**
 * A {@link Carrier} over a Jetty {@link EndPoint} after an HTTP/1.1 Upgrade (RFC 6455), used by
 * both roles: the server installs it when it answers 101, the client once it has checked the 101.
 *
 * <p>Reads are demand-driven: TCP read interest is registered only on {@link #demand()}, so a
 * listener that stops requesting stops reading and TCP flow control pushes back on the peer.
 * Bytes that arrived together with the handshake (handed over through {@link UpgradeTo}) are
 * delivered first, before the socket is read.
 *
 * <p>Closing (RFC 6455 section 7.1.1): the server half-closes TCP right after its last write
 * (the Close frame), so it sends the first FIN and keeps TIME_WAIT. The client does not half-close
 * after its Close: it waits for the server's FIN and then closes, as the section asks.
 */
public final class EndPointCarrier extends AbstractConnection implements Carrier, Connection.UpgradeTo {

    private static final Logger LOG = LoggerFactory.getLogger(EndPointCarrier.class);
    /** One read: large enough for a TLS record's plaintext, small enough to pool cheaply. */
    private static final int READ_BUFFER_SIZE = 32 * 1024;

    private final Role role;
    private final ByteBufferPool pool;
    private final long idleTimeoutMillis;
    /** Lent to the write queue on a plain socket; null over TLS (see {@link #directPool()}). */
    private volatile DirectBufferPool directPool;
    private volatile SerialExecutor serial; // the socket's: every receiver call runs there
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile Receiver receiver;
    private volatile Runnable onOpened;
    private volatile ByteBuffer prefilled;
    /** From demand() until the chunk, end or failure is handed over. */
    private volatile boolean reading;
    // touched only inside the socket's serial executor (or under this before start)
    private boolean ended;
    private boolean failed;
    private Throwable failureBeforeStart;

    /**
     * @param endPoint    the connection's end point (the TLS-decrypted one over TLS)
     * @param executor    runs reads of leftover handshake bytes
     * @param pool        where read buffers come from; null for no pooling
     * @param role        decides the TCP close order (section 7.1.1)
     * @param idleTimeout the end point's idle timeout once upgraded; zero disables it
     */
    public EndPointCarrier(EndPoint endPoint, Executor executor, ByteBufferPool pool, Role role, Duration idleTimeout) {
        super(endPoint, executor);
        this.role = Objects.requireNonNull(role, "role");
        this.pool = pool == null ? ByteBufferPool.NON_POOLING : pool;
        this.idleTimeoutMillis = idleTimeout == null ? 0 : idleTimeout.toMillis();
    }

    /**
     * The end point's idle timeout for a socket with these options: a backstop behind the core's
     * own idle timeout (which closes with 1001), long enough for that close handshake to run
     * first: idle + close timeout + 1 s, or none when the socket has no idle timeout.
     */
    public static Duration backstopIdleTimeout(io.h2ws.socket.WebSocketOptions options) {
        Duration idle = options.idleTimeout();
        if (idle.isZero()) {
            return Duration.ZERO;
        }
        return idle.plus(options.closeTimeout()).plusSeconds(1);
    }

    /**
     * Runs {@code task} once the end point has switched to this connection. Starting the socket
     * earlier would let the application write while the 101 (or the request) is still being
     * written, which the end point refuses.
     */
    public void onOpened(Runnable task) {
        this.onOpened = task;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (buffer != null && buffer.hasRemaining()) {
            // the buffer belongs to the previous connection and goes back to its pool
            ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
            copy.put(buffer).flip();
            prefilled = copy;
            LOG.debug("{} took {} bytes that came with the handshake", this, copy.remaining());
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        // the HTTP idle timeout would kill a quiet WebSocket; use the socket's own (0 = none)
        getEndPoint().setIdleTimeout(idleTimeoutMillis);
        Runnable task = onOpened;
        onOpened = null;
        if (task != null) {
            task.run();
        }
    }

    // ------------------------------------------------------------------ Carrier: reading

    @Override
    public void dispatch(Runnable task) {
        getExecutor().execute(task);
    }

    @Override
    public void start(Receiver receiver, SerialExecutor serial) {
        synchronized (this) {
            this.serial = Objects.requireNonNull(serial, "serial");
            this.receiver = Objects.requireNonNull(receiver, "receiver");
        }
        serially(() -> {
            if (failureBeforeStart != null) {
                Throwable cause = failureBeforeStart;
                failureBeforeStart = null;
                deliverFailure(cause);
            }
        });
    }

    @Override
    public void demand() {
        reading = true;
        if (prefilled != null) {
            getExecutor().execute(this::onFillable);
        } else if (getEndPoint().isOpen()) {
            fillInterested();
        } else {
            serially(() -> {
                if (!ended) {
                    deliverFailure(new ClosedChannelException());
                }
            });
        }
    }

    @Override
    public void onFillable() {
        ByteBuffer early = prefilled;
        if (early != null) {
            prefilled = null;
            deliverData(early, () -> { });
            return;
        }
        RetainableByteBuffer.Mutable rb = pool.acquire(READ_BUFFER_SIZE, false);
        ByteBuffer buffer = rb.getByteBuffer();
        int filled;
        try {
            filled = getEndPoint().fill(buffer);
        } catch (Throwable x) {
            rb.release();
            LOG.debug("{} read failed", this, x);
            serially(() -> deliverFailure(x));
            getEndPoint().close(x);
            return;
        }
        if (filled > 0) {
            deliverData(buffer, new ReleaseOnce(rb));
        } else if (filled == 0) {
            rb.release();
            fillInterested();
        } else {
            rb.release();
            serially(() -> {
                reading = false;
                if (!ended && !failed) {
                    ended = true;
                    receiver.onEnd(null);
                }
            });
        }
    }

    private void deliverData(ByteBuffer data, Runnable release) {
        serially(() -> {
            reading = false;
            if (ended || failed) {
                release.run();
                return;
            }
            receiver.onData(data, release);
        });
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        // the end point closed or timed out while we waited for bytes
        serially(() -> deliverFailure(cause));
        if (!closing.get()) {
            getEndPoint().close(cause);
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        IOException cause = new IOException("idle timeout: no bytes either way for " + idleTimeoutMillis + " ms", timeout);
        LOG.debug("{} {}", this, cause.getMessage());
        serially(() -> deliverFailure(cause));
        getEndPoint().close(cause);
        return false;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        if (closing.get()) {
            return;
        }
        // a pending read learns of the close through onFillInterestedFailed, and a read in
        // progress through fill(); only a socket nobody reads needs telling here
        serially(() -> {
            if (!reading && !ended && !failed) {
                deliverFailure(cause != null ? cause : new ClosedChannelException());
            }
        });
    }

    /** Reports a failure once; after our own close or abort the core already knows. */
    private void deliverFailure(Throwable cause) {
        reading = false;
        if (failed || closing.get()) {
            return;
        }
        Receiver r = receiver;
        if (r == null) {
            failureBeforeStart = cause;
            return;
        }
        failed = true;
        r.onFailure(cause);
    }

    /**
     * Runs a receiver call in the socket's serial executor: never two at once, and a call made
     * while another thread runs one waits there. Before {@link #start} only failures can happen,
     * and they are only recorded, under this object's monitor.
     */
    private void serially(Runnable event) {
        SerialExecutor s = serial;
        if (s == null) {
            synchronized (this) {
                s = serial;
                if (s == null) {
                    event.run();
                    return;
                }
            }
        }
        s.execute(event);
    }

    // ------------------------------------------------------------------ Carrier: writing and closing

    @Override
    public void write(ByteBuffer[] buffers, boolean last, java.util.Map<String, String> trailers, WriteCallback callback) {
        if (trailers != null) {
            callback.completed(new IOException("HTTP/1.1 carries no trailers"));
            return;
        }
        WriteDone done = writeDone;
        if (done.callback != null) { // a write is in flight: fail this one, leave that one alone
            callback.completed(new java.nio.channels.WritePendingException());
            return;
        }
        done.last = last;
        done.callback = callback;
        try {
            getEndPoint().write(done, buffers);
        } catch (IllegalStateException e) { // WritePendingException included
            done.failed(e);
        }
    }

    private final WriteDone writeDone = new WriteDone();

    /**
     * The completion of the one write in flight (Jetty's end point allows one), reused by every
     * write rather than three objects per write (issue 19). Its fields are read and cleared before
     * the write queue hears of the completion, which is what lets the next write start.
     */
    private final class WriteDone implements Callback {
        boolean last;
        WriteCallback callback;

        private WriteCallback take() {
            WriteCallback cb = callback;
            callback = null;
            return cb;
        }

        @Override
        public void succeeded() {
            boolean l = last;
            WriteCallback cb = take();
            if (cb == null) {
                return;
            }
            if (l && role == Role.SERVER) {
                getEndPoint().shutdownOutput();
            }
            cb.completed(null);
        }

        @Override
        public void failed(Throwable x) {
            WriteCallback cb = take();
            if (cb != null) {
                cb.completed(x);
            }
        }
    }

    /**
     * On a plain socket, Jetty's pool: the write queue copies heap bytes into its direct buffers,
     * because the JDK copies a heap buffer written to a socket into a temporary direct buffer as
     * large as the buffer and caches it in the writing thread for good; with 1 MiB messages and a
     * few hundred pool threads that kept ~400 MB of direct memory after the h1 soak
     * (spec-notes/soak.md). Over TLS the engine reads heap buffers itself and writes its own
     * direct ones, so nothing is copied there.
     */
    @Override
    public DirectBufferPool directPool() {
        DirectBufferPool p = directPool;
        if (p == null && pool != ByteBufferPool.NON_POOLING && getEndPoint() instanceof SocketChannelEndPoint) {
            p = new io.h2ws.h2.internal.JettyDirectPool(pool);
            directPool = p;
        }
        return p;
    }

    /** Gives a read buffer back to its pool once, however often the receiver's release runs. */
    private static final class ReleaseOnce extends AtomicBoolean implements Runnable {
        private final transient RetainableByteBuffer buffer;

        ReleaseOnce(RetainableByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                buffer.release();
            }
        }
    }

    @Override
    public void abort(Throwable cause) {
        closing.set(true);
        getEndPoint().close(cause);
    }

    @Override
    public void close() {
        closing.set(true);
        getEndPoint().close();
    }

    @Override
    public Transport transport() {
        return Transport.H1;
    }

    @Override
    public boolean isSecure() {
        return getEndPoint().isSecure();
    }

    @Override
    public SocketAddress remoteAddress() {
        return getEndPoint().getRemoteSocketAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return getEndPoint().getLocalSocketAddress();
    }

    @Override
    public String toConnectionString() {
        return "EndPointCarrier@" + Integer.toHexString(hashCode()) + "[" + role + "]";
    }
}
