package io.h2ws.core.session;

import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.H2wsSocket;
import io.h2ws.Transport;
import io.h2ws.WebSocketOptions;
import io.h2ws.core.Role;
import io.h2ws.core.frame.CloseCodes;
import io.h2ws.core.wire.Carrier;
import io.h2ws.core.wire.WireMapping;

/**
 * The one socket implementation behind every transport and both roles: it drives a
 * {@link WebSocketSession} with a {@link Carrier}, turning {@code request(n)} demand into carrier
 * reads and sends into an ordered write queue.
 *
 * <p>Threads: listener calls are serialised by a work-in-progress counter (never two at once,
 * never reentrant); sends may come from any thread and are ordered by one lock.
 */
public final class RealWebSocket implements H2wsSocket {

    private static final Logger LOG = LoggerFactory.getLogger(RealWebSocket.class);
    /** A write gathers queued frames up to this size, so small messages share a carrier write. */
    private static final long MAX_BATCH_BYTES = 64 * 1024;

    private final Carrier carrier;
    private final WebSocketSession session;
    private final WebSocket.Listener listener;
    private final WebSocketOptions options;
    private final ScheduledExecutorService timers;
    private final String subprotocol;
    private final String path;
    private final String mappingName;
    private final boolean onePartPerWrite;
    private final Object lock = new Object();

    // receive side: touched only inside the drain loop, except the volatile hand-offs
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong demand = new AtomicLong();
    private volatile ByteBuffer inbound;
    private volatile Runnable inboundRelease;
    private volatile boolean readPending;
    private volatile boolean carrierEnded;
    private volatile java.util.Map<String, String> carrierTrailers;
    private volatile Throwable carrierFailure;
    private boolean endReported;
    private boolean inputFinished;
    private Event held;
    private boolean opened;
    private volatile boolean terminated;

    // send side: guarded by lock
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicInteger flushWip = new AtomicInteger();
    private long queuedBytes;
    private boolean writing;
    private boolean outputDone;
    private boolean closeQueued;
    private boolean carrierClosed;
    private ScheduledFuture<?> closeTimer;
    private volatile int closeCode = -1;
    private final CompletableFuture<Void> carrierDone = new CompletableFuture<>();
    /**
     * The newest automatic Pong still waiting in the queue; once {@link #PONG_BACKLOG} bytes of
     * Pongs wait, a newer Ping replaces its payload instead of queueing another (section 5.5.3).
     */
    private Pending queuedPong;
    /** Bytes of automatic Pongs in the queue; under lock. */
    private long queuedPongBytes;
    /**
     * Automatic Pongs up to this many bytes wait in the queue, one per Ping, so a burst of Pings
     * (Autobahn 2.10: ten in one write) gets every Pong, in order. Beyond it the newest Pong
     * answers for the Pings after it (section 5.5.3 allows answering only the most recent one):
     * without a bound, a Ping flood from a peer that does not read would grow the queue without
     * limit (a Pong per 6 bytes received, none of it counted against maxQueuedBytes).
     */
    static final int PONG_BACKLOG = 16 * 1024;

    // liveness (idle timeout, keepalive): one check on the shared timer, rescheduled by itself
    private volatile long lastActivity; // nanoTime of the last frame either way, keepalive pings and pongs aside
    private volatile long lastReceived; // nanoTime of the last bytes from the peer
    private long seenActivity;          // session.activity() at the last chunk; under lock
    private long lastPingAt;            // under lock
    private long pingSentAt;            // under lock; 0 when no keepalive ping is outstanding
    private long keepalivePings;        // under lock
    private ScheduledFuture<?> livenessTimer; // under lock

    // statistics (issue 11): our pings waiting for their Pong, and the round trips measured; under lock
    private java.util.ArrayDeque<PingOut> pingsOut; // null until the first ping: nothing for sockets that never ping
    private long pingRtts, pingRttMin, pingRttMax, pingRttLast, pingRttSum;
    private volatile io.h2ws.trace.FlowBlocked flowBlocked; // set by HTTP/2 transports asked for statistics

    private record PingOut(byte[] payload, long nanos) {}

    /** Frames to write with the future of the send that made them (null for the socket's own). */
    private static final class Pending {
        private WebSocketSession.Output output;
        private final CompletableFuture<WebSocket> future;
        private boolean autoPong;

        Pending(WebSocketSession.Output output, CompletableFuture<WebSocket> future) {
            this.output = output;
            this.future = future;
        }

        WebSocketSession.Output output() {
            return output;
        }

        CompletableFuture<WebSocket> future() {
            return future;
        }
    }

    /**
     * @param carrier     the transport's channel, after a successful handshake
     * @param role        client or server
     * @param mapping     how frames travel in the carrier
     * @param listener    the application's listener
     * @param options     limits and timeouts
     * @param subprotocol the negotiated subprotocol, or "" for none
     * @param path        the request path, for {@link #path()}
     * @param allowedRsv  RSV bits the negotiated extensions may set (0 without extensions)
     * @param timers      runs close and idle timeouts
     */
    public RealWebSocket(Carrier carrier, Role role, WireMapping mapping, WebSocket.Listener listener,
                         WebSocketOptions options, String subprotocol, String path, int allowedRsv,
                         ScheduledExecutorService timers) {
        this(carrier, role, mapping, listener, options, subprotocol, path, allowedRsv, timers, null, null);
    }

    /**
     * As above, with permessage-deflate negotiated when {@code deflate} is non-null.
     *
     * @param deflate       the agreed RFC 7692 parameters, or null without the extension
     * @param deflateConfig our compression settings (level, minimum size), or null for defaults
     */
    public RealWebSocket(Carrier carrier, Role role, WireMapping mapping, WebSocket.Listener listener,
                         WebSocketOptions options, String subprotocol, String path, int allowedRsv,
                         ScheduledExecutorService timers, io.h2ws.core.extension.DeflateParams deflate,
                         io.h2ws.core.extension.DeflateConfig deflateConfig) {
        this.carrier = Objects.requireNonNull(carrier, "carrier");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.options = Objects.requireNonNull(options, "options");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.subprotocol = subprotocol == null ? "" : subprotocol;
        this.path = path;
        this.mappingName = mapping.name();
        this.onePartPerWrite = mapping.partsStartWrites();
        this.session = new WebSocketSession(role, mapping, new WebSocketSession.Config(
                options.maxFrameSize(), options.maxMessageSize(), allowedRsv, options.autoPong()), deflate, deflateConfig);
        carrierDone.whenComplete((v, e) -> {
            synchronized (lock) {
                session.release();
            }
        });
    }

    /** Calls {@code onOpen}, then starts reading as the listener demands. Call once. */
    public RealWebSocket start() {
        carrier.start(new Carrier.Receiver() {
            @Override
            public void onData(ByteBuffer data, Runnable release) {
                synchronized (lock) {
                    ByteBuffer earlier = inbound;
                    if (earlier == null) {
                        inboundRelease = release;
                        inbound = data;
                    } else {
                        // chunks read ahead, handed over unasked before a failure (Carrier):
                        // joined to the one not yet decoded, in order
                        ByteBuffer joined = ByteBuffer.allocate(earlier.remaining() + data.remaining());
                        joined.put(earlier).put(data).flip();
                        releaseInbound();
                        release.run();
                        inbound = joined;
                    }
                }
                readPending = false;
                signal();
            }

            @Override
            public void onEnd() {
                carrierEnded = true;
                readPending = false;
                signal();
            }

            @Override
            public void onTrailers(java.util.Map<String, String> trailers) {
                carrierTrailers = trailers;
                carrierEnded = true;
                readPending = false;
                signal();
            }

            @Override
            public void onFailure(Throwable cause) {
                carrierFailure = cause;
                readPending = false;
                signal();
                failQueued(cause);
            }
        });
        startLiveness();
        signal();
        return this;
    }

    // ------------------------------------------------------------------ receive loop

    private void signal() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                drain();
            } catch (Throwable t) {
                LOG.warn("h2ws socket {}: internal error in the receive loop", path, t);
                internalFailure(t);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void drain() {
        if (!opened) {
            opened = true;
            try {
                listener.onOpen(this);
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
                askForMore();
                return;
            }
            if (terminated) {
                continue; // the listener had its terminal call; keep draining to see the end of stream
            }
            if (needsDemand(ev)) {
                if (demand.get() == 0) {
                    if (carrierFailure != null && !(ev instanceof Event.Close)) {
                        // the transport is gone: messages nobody asked for must not hold back
                        // its terminal event (as the JDK reports onError whatever the demand)
                        continue;
                    }
                    held = ev;
                    return;
                }
                demand.decrementAndGet();
            }
            deliver(ev);
        }
    }

    /** Polls the session, feeding it the chunk that waits and reporting the carrier's end. */
    private Event nextEvent() {
        Event ev;
        synchronized (lock) {
            ev = session.poll();
            if (ev == null) {
                ByteBuffer in = inbound;
                if (in != null) {
                    inbound = null;
                    session.receive(in);
                    noteReceived();
                    releaseInbound(); // events hold copies: the chunk's credit can go back now
                    ev = session.poll();
                }
            }
            if (ev == null && !endReported && (carrierEnded || carrierFailure != null)) {
                endReported = true;
                inputFinished = true;
                if (carrierFailure != null) {
                    session.transportFailed(carrierFailure);
                } else if (carrierTrailers != null) {
                    session.receiveTrailers(carrierTrailers);
                } else {
                    session.inputEnded();
                }
                ev = session.poll();
            }
            moveInternalOutput();
        }
        flush();
        maybeFinish();
        return ev;
    }

    private void releaseInbound() {
        Runnable r = inboundRelease;
        inboundRelease = null;
        if (r != null) {
            r.run();
        }
    }

    private void askForMore() {
        if (readPending || endReported || inbound != null) {
            return;
        }
        boolean want;
        synchronized (lock) {
            // after the peer's Close we still read, to see its end of stream (and drop any bytes)
            want = !carrierClosed && (demand.get() > 0 || session.isInputDone());
        }
        if (want) {
            readPending = true;
            carrier.demand();
        }
    }

    private static boolean needsDemand(Event ev) {
        return !(ev instanceof Event.Failed) && !(ev instanceof Event.Abnormal);
    }

    private void deliver(Event ev) {
        try {
            if (ev instanceof Event.Text t) {
                listener.onText(this, t.text(), t.last());
            } else if (ev instanceof Event.Binary b) {
                listener.onBinary(this, b.data(), b.last());
            } else if (ev instanceof Event.Ping p) {
                listener.onPing(this, p.data());
            } else if (ev instanceof Event.Pong p) {
                matchPong(p.data());
                listener.onPong(this, p.data());
            } else if (ev instanceof Event.Close c) {
                closeCode = c.code();
                terminated = true;
                CompletionStage<?> stage = listener.onClose(this, c.code(), c.reason());
                if (stage == null) {
                    replyToClose(c.code());
                } else {
                    stage.whenComplete((r, e) -> replyToClose(c.code()));
                }
            } else if (ev instanceof Event.Failed f) {
                terminated = true;
                closeCode = f.violation().closeCode();
                LOG.debug("h2ws socket {}: failing with {}: {}", path, f.violation().closeCode(), f.violation().getMessage());
                startCloseTimer();
                listener.onError(this, f.violation());
            } else if (ev instanceof Event.Abnormal a) {
                terminated = true;
                closeCode = CloseCodes.ABNORMAL;
                failQueued(new IOException("connection closed abnormally: " + a.reason(), a.cause()));
                carrier.abort(a.cause() != null ? a.cause() : new IOException(a.reason()));
                markCarrierClosed();
                listener.onClose(this, CloseCodes.ABNORMAL, a.reason());
            }
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    /** Completes the close handshake the peer started, echoing its code (section 5.5.1). */
    private void replyToClose(int code) {
        int reply = CloseCodes.isValidOnWire(code) ? code : CloseCodes.NORMAL;
        sendClose(reply, "");
    }

    private void listenerFailed(Throwable t) {
        LOG.warn("h2ws socket {}: listener threw; closing with 1011", path, t);
        boolean wasTerminated = terminated;
        terminated = true;
        try {
            sendClose(CloseCodes.INTERNAL_ERROR, "listener failed");
        } catch (RuntimeException ignored) {
            // output already closed: nothing more to say to the peer
        }
        if (!wasTerminated) {
            try {
                listener.onError(this, t);
            } catch (Throwable again) {
                LOG.warn("h2ws socket {}: onError threw", path, again);
            }
        }
    }

    private void internalFailure(Throwable t) {
        terminated = true;
        abortQuietly(t);
    }

    // ------------------------------------------------------------------ send side

    @Override
    public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
        Objects.requireNonNull(data, "data");
        return send(data.length(), s -> s.text(data, last));
    }

    @Override
    public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
        Objects.requireNonNull(data, "data");
        return send(data.remaining(), s -> s.binary(data, last));
    }

    @Override
    public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        notePing(message.duplicate());
        return send(0, s -> s.ping(message));
    }

    @Override
    public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        return send(0, s -> s.pong(message));
    }

    @Override
    public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
        Objects.requireNonNull(reason, "reason");
        CompletableFuture<WebSocket> f = send(0, s -> s.close(statusCode, reason));
        synchronized (lock) {
            closeQueued = true;
        }
        startCloseTimer();
        return f;
    }

    private CompletableFuture<WebSocket> send(long estimate, Function<WebSocketSession, WebSocketSession.Output> encode) {
        lastActivity = System.nanoTime();
        CompletableFuture<WebSocket> f = new CompletableFuture<>();
        synchronized (lock) {
            if (outputDone || closeQueued) {
                f.completeExceptionally(new IOException("output closed"));
                return f;
            }
            if (estimate > 0 && queuedBytes + estimate > options.maxQueuedBytes()) {
                f.completeExceptionally(new IOException("send queue full: " + queuedBytes + " bytes queued, limit "
                        + options.maxQueuedBytes()));
                return f;
            }
            WebSocketSession.Output out;
            try {
                out = encode.apply(session);
            } catch (IllegalStateException e) {
                f.completeExceptionally(session.state().canSend() ? e : new IOException("output closed", e));
                return f;
            }
            queuedBytes += out.size();
            queue.add(new Pending(out, f));
        }
        flush();
        return f;
    }

    private void moveInternalOutput() {
        WebSocketSession.Output out;
        while ((out = session.pollOutput()) != null) {
            if (out.last()) {
                // failing the connection: nothing queued behind the Close may go out any more
                failQueuedLocked(new IOException("connection failed"));
                closeQueued = true;
            } else if (queuedPong != null && queuedPongBytes + out.size() > PONG_BACKLOG) {
                // The session's only other output is the automatic Pong. Enough of them wait
                // already: the newest one not yet written answers for this Ping too.
                long delta = out.size() - queuedPong.output().size();
                queuedBytes += delta;
                queuedPongBytes += delta;
                queuedPong.output = out;
                continue;
            }
            Pending p = new Pending(out, null);
            if (!out.last()) {
                p.autoPong = true;
                queuedPong = p;
                queuedPongBytes += out.size();
            }
            queuedBytes += out.size();
            queue.add(p);
        }
    }

    private void flush() {
        if (flushWip.getAndIncrement() != 0) {
            return;
        }
        do {
            flushOnce();
        } while (flushWip.decrementAndGet() != 0);
    }

    private void flushOnce() {
        List<Pending> batch;
        boolean last = false;
        java.util.Map<String, String> trailers = null;
        List<ByteBuffer> buffers = new ArrayList<>();
        synchronized (lock) {
            if (writing || queue.isEmpty() || outputDone) {
                return;
            }
            writing = true;
            batch = new ArrayList<>();
            long bytes = 0;
            while (!queue.isEmpty() && !last && (batch.isEmpty()
                    || !onePartPerWrite && bytes + queue.peek().output().size() <= MAX_BATCH_BYTES)) {
                Pending p = queue.poll();
                if (p.autoPong) {
                    queuedPongBytes -= p.output().size();
                }
                if (p == queuedPong) {
                    queuedPong = null;
                }
                batch.add(p);
                bytes += p.output().size();
                for (ByteBuffer b : p.output().buffers()) {
                    buffers.add(b);
                }
                last = p.output().last();
                trailers = p.output().trailers();
            }
        }
        boolean endsOutput = last;
        ByteBuffer[] bufs = coalesce(buffers);
        if (trailers != null) {
            carrier.writeTrailers(bufs, trailers, failure -> written(batch, true, failure));
        } else {
            carrier.write(bufs, endsOutput, failure -> written(batch, endsOutput, failure));
        }
    }

    /** Buffers below this size are copied together: one gathered write of thousands of tiny buffers costs more than the copy. */
    private static final int COALESCE_BELOW = 1024;

    /**
     * Copies runs of small buffers (the frames of small messages) into one buffer each and keeps
     * large payloads as they are (no copy), so a batch of 3,000 16-byte messages is one buffer.
     */
    static ByteBuffer[] coalesce(List<ByteBuffer> buffers) {
        int n = buffers.size();
        if (n <= 2) {
            return buffers.toArray(new ByteBuffer[0]);
        }
        List<ByteBuffer> out = new ArrayList<>();
        int i = 0;
        while (i < n) {
            ByteBuffer b = buffers.get(i);
            if (b.remaining() >= COALESCE_BELOW) {
                out.add(b);
                i++;
                continue;
            }
            int j = i;
            int bytes = 0;
            while (j < n && buffers.get(j).remaining() < COALESCE_BELOW) {
                bytes += buffers.get(j).remaining();
                j++;
            }
            if (j - i == 1) {
                out.add(b);
            } else {
                ByteBuffer merged = ByteBuffer.allocate(bytes);
                for (int k = i; k < j; k++) {
                    merged.put(buffers.get(k).duplicate());
                }
                out.add(merged.flip());
            }
            i = j;
        }
        return out.toArray(new ByteBuffer[0]);
    }

    private void written(List<Pending> batch, boolean endsOutput, Throwable failure) {
        synchronized (lock) {
            writing = false;
            for (Pending p : batch) {
                queuedBytes -= p.output().size();
            }
            if (endsOutput || failure != null) {
                outputDone = true;
            }
        }
        for (Pending p : batch) {
            if (p.future() != null) {
                if (failure == null) {
                    p.future().complete(this);
                } else {
                    p.future().completeExceptionally(failure);
                }
            }
        }
        if (failure != null) {
            LOG.debug("h2ws socket {}: write failed", path, failure);
            // a failed write is a lost transport: abort it and tell the listener (1006), which
            // otherwise hears nothing when it does not read (HTTP/1.1 without read interest)
            if (carrierFailure == null) {
                carrierFailure = failure;
            }
            abortQuietly(failure);
            signal();
            return;
        }
        if (endsOutput) {
            maybeFinish();
            // our half is done; keep reading so the peer's Close and end of stream arrive
            signal();
        } else {
            flush();
        }
    }

    private void failQueued(Throwable cause) {
        synchronized (lock) {
            failQueuedLocked(cause);
        }
    }

    private void failQueuedLocked(Throwable cause) {
        queuedPong = null;
        queuedPongBytes = 0;
        Pending p;
        while ((p = queue.poll()) != null) {
            queuedBytes -= p.output().size();
            if (p.future() != null) {
                p.future().completeExceptionally(cause instanceof IOException ? cause : new IOException(cause));
            }
        }
    }

    // ------------------------------------------------------------------ closing

    /** Closes the carrier once our Close is written and the peer's input has ended. */
    private void maybeFinish() {
        boolean close;
        synchronized (lock) {
            close = outputDone && inputFinished && !carrierClosed;
            if (close) {
                carrierClosed = true;
                if (closeTimer != null) {
                    closeTimer.cancel(false);
                }
                stopLivenessLocked();
            }
        }
        if (close) {
            carrier.close();
            carrierDone.complete(null);
        }
    }

    private void markCarrierClosed() {
        synchronized (lock) {
            carrierClosed = true;
            outputDone = true;
            if (closeTimer != null) {
                closeTimer.cancel(false);
            }
            stopLivenessLocked();
        }
        carrierDone.complete(null);
    }

    // ------------------------------------------------------------------ idle timeout and keepalive

    /** Called under the lock after a chunk was decoded. */
    private void noteReceived() {
        long now = System.nanoTime();
        lastReceived = now;
        long a = session.activity();
        if (a != seenActivity) {
            seenActivity = a;
            lastActivity = now;
        }
    }

    private void startLiveness() {
        long now = System.nanoTime();
        lastActivity = now;
        lastReceived = now;
        long idle = options.idleTimeout().toNanos();
        long interval = options.pingInterval().toNanos();
        if (idle <= 0 && interval <= 0) {
            return;
        }
        synchronized (lock) {
            lastPingAt = now;
            long first = Math.min(idle > 0 ? idle : Long.MAX_VALUE, interval > 0 ? interval : Long.MAX_VALUE);
            livenessTimer = timers.schedule(this::checkLiveness, first, TimeUnit.NANOSECONDS);
        }
    }

    private void stopLivenessLocked() {
        if (livenessTimer != null) {
            livenessTimer.cancel(false);
            livenessTimer = null;
        }
    }

    /**
     * The one liveness check: closes an idle socket with 1001, sends the keepalive Ping when due,
     * aborts when the peer left a Ping unanswered for pongTimeout, and otherwise reschedules itself
     * for the nearest deadline. Traffic never touches the timer; it only updates two timestamps.
     */
    private void checkLiveness() {
        long now = System.nanoTime();
        long idle = options.idleTimeout().toNanos();
        long interval = options.pingInterval().toNanos();
        long pongTimeout = options.pongTimeout().toNanos();
        boolean idleExpired = false;
        boolean dead = false;
        WebSocketSession.Output ping = null;
        synchronized (lock) {
            livenessTimer = null;
            if (carrierClosed || closeQueued || outputDone || terminated) {
                return; // closing or closed: the close timeout governs from here
            }
            long next = Long.MAX_VALUE;
            if (idle > 0) {
                long deadline = lastActivity + idle;
                if (now - deadline >= 0) {
                    idleExpired = true;
                } else {
                    next = deadline - now;
                }
            }
            if (!idleExpired && interval > 0) {
                if (pingSentAt != 0 && lastReceived - pingSentAt > 0) {
                    pingSentAt = 0; // the peer sent something after our ping: alive
                }
                if (pingSentAt != 0) {
                    long deadline = pingSentAt + pongTimeout;
                    if (now - deadline < 0) {
                        next = Math.min(next, deadline - now);
                    } else if (readPending) {
                        dead = true; // we are reading, and nothing came: the peer (or the path) is gone
                    } else {
                        // not reading (the listener stopped requesting): a Pong could not be seen
                        pingSentAt = 0;
                    }
                }
                if (!dead && pingSentAt == 0) {
                    long due = lastPingAt + interval;
                    if (now - due >= 0 && session.state().canSend()) {
                        byte[] id = ByteBuffer.allocate(8).putLong(++keepalivePings).array();
                        notePingLocked(id, now);
                        ping = session.ping(ByteBuffer.wrap(id));
                        queuedBytes += ping.size();
                        queue.add(new Pending(ping, null));
                        lastPingAt = now;
                        pingSentAt = now;
                        next = Math.min(next, Math.min(interval, pongTimeout));
                    } else {
                        next = Math.min(next, Math.max(due - now, 1));
                    }
                }
            }
            if (!idleExpired && !dead && next != Long.MAX_VALUE) {
                livenessTimer = timers.schedule(this::checkLiveness, next, TimeUnit.NANOSECONDS);
            }
        }
        if (ping != null) {
            flush();
        }
        if (idleExpired) {
            LOG.debug("h2ws socket {}: no frame either way for {}: closing with 1001", path, options.idleTimeout());
            sendClose(CloseCodes.GOING_AWAY, "idle timeout");
        } else if (dead) {
            LOG.debug("h2ws socket {}: no answer to a ping within {}: aborting", path, options.pongTimeout());
            carrierFailure = new IOException("ping timeout");
            abortQuietly(carrierFailure);
            signal();
        }
    }

    /** Bytes waiting to be written (queued frames, including automatic Pongs). */
    public long queuedBytes() {
        synchronized (lock) {
            return queuedBytes;
        }
    }

    /** Completes once the carrier is released: after a clean close, an abort or a failure. */
    public CompletableFuture<Void> whenCarrierDone() {
        return carrierDone;
    }

    private void startCloseTimer() {
        long nanos = options.closeTimeout().toNanos();
        synchronized (lock) {
            if (closeTimer != null || carrierClosed) {
                return;
            }
            closeTimer = timers.schedule(this::closeTimedOut, Math.max(nanos, 1), TimeUnit.NANOSECONDS);
        }
    }

    private void closeTimedOut() {
        boolean closed;
        synchronized (lock) {
            closed = carrierClosed;
        }
        if (!closed) {
            LOG.debug("h2ws socket {}: close handshake timed out after {}", path, options.closeTimeout());
            carrierFailure = new IOException("close handshake timed out after " + options.closeTimeout());
            abortQuietly(carrierFailure);
            signal();
        }
    }

    private void abortQuietly(Throwable cause) {
        synchronized (lock) {
            if (carrierClosed) {
                return;
            }
            failQueuedLocked(cause);
        }
        markCarrierClosed();
        carrier.abort(cause);
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("request(" + n + "): demand must be positive");
        }
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        signal();
    }

    @Override
    public String getSubprotocol() {
        return subprotocol;
    }

    @Override
    public boolean isOutputClosed() {
        synchronized (lock) {
            return closeQueued || outputDone || !session.state().canSend();
        }
    }

    @Override
    public boolean isInputClosed() {
        synchronized (lock) {
            return session.isInputDone() || inputFinished;
        }
    }

    @Override
    public void abort() {
        terminated = true;
        synchronized (lock) {
            session.abort();
        }
        abortQuietly(new IOException("aborted"));
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

    private void notePing(ByteBuffer payload) {
        long now = System.nanoTime();
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        synchronized (lock) {
            notePingLocked(b, now);
        }
    }

    private void notePingLocked(byte[] payload, long now) {
        if (pingsOut == null) {
            pingsOut = new java.util.ArrayDeque<>(4);
        }
        if (pingsOut.size() == 16) {
            pingsOut.removeFirst(); // never answered: forget the oldest
        }
        pingsOut.addLast(new PingOut(payload, now));
    }

    /** A Pong answering one of our pings gives a round trip; pings older than it will not be answered (5.5.3). */
    private void matchPong(ByteBuffer data) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (pingsOut == null || pingsOut.isEmpty()) {
                return;
            }
            int n = 0;
            for (PingOut p : pingsOut) {
                n++;
                if (ByteBuffer.wrap(p.payload()).equals(data)) {
                    for (int i = 0; i < n; i++) {
                        pingsOut.removeFirst();
                    }
                    long rtt = now - p.nanos();
                    pingRttMin = pingRtts == 0 ? rtt : Math.min(pingRttMin, rtt);
                    pingRttMax = Math.max(pingRttMax, rtt);
                    pingRttLast = rtt;
                    pingRttSum += rtt;
                    pingRtts++;
                    return;
                }
            }
        }
    }

    @Override
    public io.h2ws.trace.SocketStats stats() {
        io.h2ws.trace.SocketStats s;
        synchronized (lock) {
            s = io.h2ws.trace.SocketStats.fromCounters(session.counters());
            if (pingRtts > 0) {
                s = s.withPings(pingRtts, pingRttMin, pingRttMax, pingRttLast, pingRttSum);
            }
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
