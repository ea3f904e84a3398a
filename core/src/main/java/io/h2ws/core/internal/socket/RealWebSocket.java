package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.FrameObserver;
import io.h2ws.core.internal.session.WebSocketSession;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.wire.WireMapping;

/**
 * The one socket implementation behind every transport and both roles: a {@link WebSocketSession}
 * (the RFC 6455 rules, sans-I/O) driven over a {@link Carrier}. It is assembled from one part per
 * job, each in its own class:
 * <ul>
 *   <li>{@link ReceivePump}: demand, carrier reads, listener calls, all in the socket's one
 *       {@link io.h2ws.core.internal.socket.SerialExecutor};</li>
 *   <li>{@link WriteQueue}: sends in order, gathered once into carrier writes;</li>
 *   <li>{@link CloseLifecycle}: the {@link SocketState}, the close timeout, releasing the carrier;</li>
 *   <li>{@link Liveness}: idle timeout, keepalive Pings, Ping round trips, on a {@link SocketClock}.</li>
 * </ul>
 * Transports make one with {@link #open}. Sends may come from any thread; they and the session
 * are guarded by one lock, so frames are encoded in queue order.
 */
public final class RealWebSocket implements H2wsSocket {

    private static final Logger LOG = LoggerFactory.getLogger(RealWebSocket.class);

    final Carrier carrier;
    final Object lock = new Object();
    private final WebSocketSession session;
    private final WebSocketOptions options;
    private final String subprotocol;
    private final String path;
    private final String mappingName;
    final WriteQueue writes;
    final CloseLifecycle lifecycle;
    final Liveness liveness;
    private final ReceivePump pump;
    private final ByteBudget budget; // null: unbudgeted (a client's socket)
    volatile int closeCode = -1;
    private volatile io.h2ws.trace.FlowBlocked flowBlocked; // set by HTTP/2 transports asked for statistics

    /**
     * Opens a socket over {@code carrier} as a handshake agreed it; the one way every transport
     * makes a socket. Call {@link #start} once the carrier may be used.
     */
    public static RealWebSocket open(Carrier carrier, SocketSetup setup, WebSocket.Listener listener) {
        return new RealWebSocket(carrier, setup, listener, SocketClock.SYSTEM);
    }

    /**
     * @param carrier  the transport's channel, after a successful handshake
     * @param setup    what the handshake agreed
     * @param listener the application's listener
     * @param clock    the clock and timer of the socket's timeouts
     */
    public RealWebSocket(Carrier carrier, SocketSetup setup, WebSocket.Listener listener, SocketClock clock) {
        this.carrier = Objects.requireNonNull(carrier, "carrier");
        Objects.requireNonNull(listener, "listener");
        this.options = setup.options();
        this.subprotocol = setup.subprotocol();
        this.path = setup.path();
        WireMapping mapping = setup.mapping();
        this.mappingName = mapping.name();
        this.session = new WebSocketSession(setup.role(), mapping, new WebSocketSession.Config(
                options.maxFrameSize(), options.maxMessageSize(), 0, options.autoPong()), setup.deflate(), setup.deflateConfig());
        this.budget = setup.budget();
        this.pump = new ReceivePump(this, lock, session, listener, budget);
        this.writes = new WriteQueue(lock, carrier, this, mapping.partsStartWrites(), budget, new WriteQueue.Owner() {
            @Override
            public void outputEnded() {
                lifecycle.halfEnded(SocketState.Event.OUTPUT_END);
                // our half is done; keep reading so the peer's Close and end of stream arrive. Called
                // where the write completed: perhaps the application's thread inside sendClose, or
                // the thread parsing an HTTP/2 connection, neither of which may run the listener
                pump.signalElsewhere();
            }

            @Override
            public void writeFailed(Throwable failure) {
                LOG.debug("h2ws socket {}: write failed", path, failure);
                // a failed write is a lost transport: abort it and tell the listener (1006), which
                // otherwise hears nothing when it does not read (HTTP/1.1 without read interest)
                lose(failure);
            }
        });
        this.liveness = new Liveness(lock, session, options, clock, new Liveness.Host() {
            @Override
            public boolean activeLocked() {
                return lifecycle.stateLocked() == SocketState.OPEN && !pump.terminated();
            }

            @Override
            public boolean reading() {
                return pump.reading();
            }

            @Override
            public void queueLocked(WebSocketSession.Output ping) {
                writes.addLocked(ping, null);
            }

            @Override
            public void flush() {
                writes.flush();
            }

            @Override
            public void idleExpired() {
                LOG.debug("h2ws socket {}: no frame either way for {}: closing with 1001", path, options.idleTimeout());
                sendClose(CloseCodes.GOING_AWAY, "idle timeout");
            }

            @Override
            public void peerSilent() {
                LOG.debug("h2ws socket {}: no answer to a ping within {}: aborting", path, options.pongTimeout());
                lose(new IOException("ping timeout"));
            }
        });
        this.lifecycle = new CloseLifecycle(lock, carrier, writes, options, clock, new CloseLifecycle.Host() {
            @Override
            public void stoppingLocked() {
                liveness.stopLocked();
            }

            @Override
            public void closeTimedOut(IOException cause) {
                LOG.debug("h2ws socket {}: {}", path, cause.getMessage());
                lose(cause);
            }


            @Override
            public void carrierReleased() {
                synchronized (lock) {
                    session.release();
                }
                pump.releaseBudget();
            }
        });
    }

    /** Calls {@code onOpen}, then starts reading as the listener demands. Call once. */
    public RealWebSocket start() {
        carrier.start(pump, pump.serial());
        liveness.start();
        pump.signal();
        return this;
    }

    /** The transport is gone: abort the carrier and let the pump report 1006 to the listener. */
    private void lose(Throwable cause) {
        pump.lost(cause);
        lifecycle.abort(cause);
        pump.signal();
    }

    /**
     * Under the lock: queues what the session produced on its own (Pongs, the Close of a failure).
     *
     * @return true when something was queued and needs a flush
     */
    boolean moveInternalOutputLocked() {
        boolean moved = false;
        WebSocketSession.Output out;
        while ((out = session.pollOutput()) != null) {
            moved = true;
            writes.addInternalLocked(out);
            if (out.last() && lifecycle.stateLocked().canSend()) {
                lifecycle.closeQueuedLocked(); // failing the connection: nothing queued behind the Close goes out
            }
        }
        return moved;
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
        Objects.requireNonNull(data, "data");
        return send(data.length(), TEXT, data, last, 0);
    }

    @Override
    public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
        Objects.requireNonNull(data, "data");
        return send(data.remaining(), BINARY, data, last, 0);
    }

    @Override
    public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        liveness.notePing(message.duplicate());
        return send(0, PING, message, true, 0);
    }

    @Override
    public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        return send(0, PONG, message, true, 0);
    }

    @Override
    public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
        Objects.requireNonNull(reason, "reason");
        CompletableFuture<WebSocket> f = send(0, CLOSE, reason, true, statusCode);
        lifecycle.startCloseTimer();
        return f;
    }

    // what send() encodes: an int and the argument, not a capturing lambda per send (issue 19)
    private static final int TEXT = 0;
    private static final int BINARY = 1;
    private static final int PING = 2;
    private static final int PONG = 3;
    private static final int CLOSE = 4;

    private WebSocketSession.Output encode(int kind, Object data, boolean last, int code) {
        return switch (kind) {
            case TEXT -> session.text((CharSequence) data, last);
            case BINARY -> session.binary((ByteBuffer) data, last);
            case PING -> session.ping((ByteBuffer) data);
            case PONG -> session.pong((ByteBuffer) data);
            default -> session.close(code, (String) data);
        };
    }

    private CompletableFuture<WebSocket> send(long estimate, int kind, Object data, boolean last, int code) {
        boolean close = kind == CLOSE;
        liveness.noteSent();
        CompletableFuture<WebSocket> f = new CompletableFuture<>();
        synchronized (lock) {
            if (!lifecycle.stateLocked().canSend()) {
                f.completeExceptionally(new IOException("output closed"));
                return f;
            }
            long queued = writes.queuedBytesLocked();
            if (estimate > 0 && queued + estimate > options.maxQueuedBytes()) {
                f.completeExceptionally(new SendRefusedException("send queue full: " + queued + " bytes queued, limit "
                        + options.maxQueuedBytes()));
                return f;
            }
            if (estimate > 0 && budget != null && !budget.hasSendRoom(estimate)) {
                // the connection's (or server's) memory is spoken for: refuse now rather than
                // queue what a peer that does not read would pin (RFC 9113 section 10.5)
                f.completeExceptionally(new SendRefusedException("send refused: " + budget + " used up, "
                        + queued + " bytes queued on this socket"));
                return f;
            }
            WebSocketSession.Output out;
            try {
                out = encode(kind, data, last, code);
            } catch (IllegalStateException e) {
                f.completeExceptionally(session.state().canSend() ? e : new IOException("output closed", e));
                return f;
            }
            writes.addLocked(out, f);
            if (close) {
                lifecycle.closeQueuedLocked();
            }
        }
        writes.flush();
        return f;
    }

    // ------------------------------------------------------------------ the rest of the API

    @Override
    public void request(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("request(" + n + "): demand must be positive");
        }
        pump.request(n);
    }

    @Override
    public void abort() {
        pump.terminate();
        synchronized (lock) {
            session.abort();
        }
        lifecycle.abort(new IOException("aborted"));
    }

    /** Bytes waiting to be written (queued frames, including automatic Pongs). */
    public long queuedBytes() {
        synchronized (lock) {
            return writes.queuedBytesLocked();
        }
    }

    /** Completes once the carrier is released: after a clean close, an abort or a failure. */
    public CompletableFuture<Void> whenCarrierDone() {
        return lifecycle.carrierDone();
    }

    /** The socket's lifecycle state now (for tests and diagnostics). */
    public SocketState state() {
        synchronized (lock) {
            return lifecycle.stateLocked();
        }
    }

    @Override
    public String getSubprotocol() {
        return subprotocol;
    }

    @Override
    public boolean isOutputClosed() {
        synchronized (lock) {
            return !lifecycle.stateLocked().canSend() || !session.state().canSend();
        }
    }

    @Override
    public boolean isInputClosed() {
        synchronized (lock) {
            return session.isInputDone() || lifecycle.stateLocked().inputEnded();
        }
    }

    @Override
    public Transport transport() {
        return carrier.transport();
    }

    @Override
    public boolean isSecure() {
        return carrier.isSecure();
    }

    /** True when permessage-deflate (RFC 7692) is in use on this socket. */
    public boolean isCompressing() {
        return session.isCompressing();
    }

    @Override
    public String wireMapping() {
        return mappingName;
    }

    @Override
    public java.net.SocketAddress remoteAddress() {
        return carrier.remoteAddress();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int closeCode() {
        return closeCode;
    }

    /**
     * Shows every frame this socket decodes or encodes to {@code observer} (null removes it).
     * Install before {@link #start} to see them all.
     */
    public void observe(FrameObserver observer) {
        synchronized (lock) {
            session.setObserver(observer);
        }
    }

    /** Where the transport reports flow-control blocked time for {@link #stats()}; null for none. */
    public void flowBlocked(io.h2ws.trace.FlowBlocked source) {
        this.flowBlocked = source;
    }

    @Override
    public io.h2ws.trace.SocketStats stats() {
        io.h2ws.trace.SocketStats s;
        synchronized (lock) {
            s = liveness.withPingsLocked(io.h2ws.trace.SocketStats.fromCounters(session.counters()));
        }
        io.h2ws.trace.FlowBlocked f = flowBlocked;
        return f == null ? s : s.withBlocked(f.streamBlockedNanos(), f.connectionBlockedNanos());
    }

    @Override
    public String toString() {
        return "H2wsSocket[" + carrier.transport() + (carrier.isSecure() ? "+tls" : "") + " " + path
                + " " + session.role() + " " + session.state() + "]";
    }
}
