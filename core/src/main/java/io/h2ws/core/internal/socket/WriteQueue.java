package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.WebSocketSession;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.socket.OutputGather;

/**
 * A socket's one write queue: encoded frames wait here in send order, and one carrier write at a
 * time takes up to {@link OutputGather#MAX_WRITE} bytes of them, gathered (and copied to direct
 * memory where the carrier asks for it) by {@link OutputGather}, the only place that does. A
 * message larger than that goes out in several writes, so a write never pins more than 64 KiB of
 * pooled memory per socket. A send's future completes when its last byte was written.
 *
 * <p>Automatic Pongs wait one per Ping up to {@link #PONG_BACKLOG} bytes of them (a burst of
 * Pings gets every Pong, in order: Autobahn 2.10); beyond that the newest Pong still queued
 * answers for later Pings (RFC 6455 section 5.5.3), so a Ping flood cannot grow the queue.
 *
 * <p>Threads: the {@code ...Locked} methods run under the socket's lock, which also guards the
 * session that encodes the frames (so encoding order is queue order); {@link #flush} runs
 * anywhere and serialises itself.
 */
final class WriteQueue {

    /**
     * Automatic Pongs up to this many bytes wait in the queue, one per Ping. Without a bound, a
     * Ping flood from a peer that does not read would grow the queue without limit (a Pong per 6
     * bytes received, none of it counted against maxQueuedBytes).
     */
    static final int PONG_BACKLOG = 16 * 1024;

    /** What the socket does when a write ends its output or fails; called outside the lock. */
    interface Owner {
        /** Our half ended cleanly (the Close, with END_STREAM or TCP shutdown, is written). */
        void outputEnded();

        /** A write failed: the transport is lost. */
        void writeFailed(Throwable failure);
    }

    /** One encoded send: its buffers are consumed as they are written, over one or more writes. */
    private static final class Pending {
        WebSocketSession.Output output;
        final CompletableFuture<WebSocket> future; // null for the socket's own frames
        final boolean autoPong;
        int next; // the first buffer not yet fully taken
        Pending nextDone; // the chain of sends a carrier write completes: no list per write

        Pending(WebSocketSession.Output output, CompletableFuture<WebSocket> future, boolean autoPong) {
            this.output = output;
            this.future = future;
            this.autoPong = autoPong;
        }
    }

    private final Object lock;
    private final Carrier carrier;
    private final WebSocket socket;
    private final Owner owner;
    private final boolean onePartPerWrite;
    private final AtomicInteger flushWip = new AtomicInteger();
    // reused by every write: writeOnce runs on one thread at a time (flushWip) and gather consumes it
    private final ArrayList<ByteBuffer> slices = new ArrayList<>();
    private final OutputGather.Gathered gathered = new OutputGather.Gathered();
    private final WriteDone writeDone = new WriteDone();

    // under lock
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(2); // grows when used; idle sockets keep it small
    private long queuedBytes;
    private boolean writing;
    private boolean ended;
    private Pending queuedPong;
    private long queuedPongBytes;

    private final ByteBudget budget; // null: unbudgeted

    WriteQueue(Object lock, Carrier carrier, WebSocket socket, boolean onePartPerWrite, ByteBudget budget, Owner owner) {
        this.lock = lock;
        this.budget = budget;
        this.carrier = carrier;
        this.socket = socket;
        this.onePartPerWrite = onePartPerWrite;
        this.owner = owner;
    }

    /** Under the lock: the queue holds {@code delta} bytes more; the budget counts them too. */
    private void count(long delta) {
        queuedBytes += delta;
        if (budget != null) {
            budget.addSend(delta);
        }
    }

    long queuedBytesLocked() {
        return queuedBytes;
    }

    /** True once our output ended: the last write was done, it failed, or the carrier is gone. */
    boolean endedLocked() {
        return ended;
    }

    /** No write may follow (the carrier was closed or aborted). */
    void endLocked() {
        ended = true;
    }

    /** Queues an application send (or, with a null future, the socket's own frame). */
    void addLocked(WebSocketSession.Output out, CompletableFuture<WebSocket> future) {
        count(out.size());
        queue.add(new Pending(out, future, false));
    }

    /**
     * Queues what the session produced on its own: an automatic Pong, or the Close that fails the
     * connection ({@code out.last()}), behind which nothing already queued may go out.
     */
    void addInternalLocked(WebSocketSession.Output out) {
        if (out.last()) {
            failAllLocked(new IOException("connection failed"));
        } else if (queuedPong != null && queuedPongBytes + out.size() > PONG_BACKLOG) {
            // enough Pongs wait already: the newest one not yet written answers for this Ping too
            long delta = out.size() - queuedPong.output.size();
            count(delta);
            queuedPongBytes += delta;
            queuedPong.output = out;
            return;
        }
        Pending p = new Pending(out, null, !out.last());
        if (p.autoPong) {
            queuedPong = p;
            queuedPongBytes += out.size();
        }
        count(out.size());
        queue.add(p);
    }

    /** Fails every queued send with {@code cause}. */
    void failAllLocked(Throwable cause) {
        queuedPong = null;
        queuedPongBytes = 0;
        Pending p;
        while ((p = queue.poll()) != null) {
            count(-(p.output.size()));
            if (p.future != null) {
                p.future.completeExceptionally(cause instanceof IOException ? cause : new IOException(cause));
            }
        }
    }

    /** Starts the next carrier write unless one is in flight; never runs two writes at once. */
    void flush() {
        if (flushWip.getAndIncrement() != 0) {
            return;
        }
        do {
            writeOnce();
        } while (flushWip.decrementAndGet() != 0);
    }

    private void writeOnce() {
        ArrayList<ByteBuffer> slices = this.slices;
        slices.clear();
        Pending done = null; // the sends this write completes, first to last, chained
        Pending tail = null;
        boolean last = false;
        Map<String, String> trailers = null;
        synchronized (lock) {
            if (writing || queue.isEmpty() || ended) {
                return;
            }
            writing = true;
            int room = OutputGather.MAX_WRITE;
            while (room > 0 && !queue.isEmpty() && !last) {
                Pending p = queue.peek();
                room = take(p, slices, room);
                if (p.next < p.output.buffers().length) {
                    break; // the write is full; the rest of this send goes in the next one
                }
                queue.poll();
                if (p.autoPong) {
                    queuedPongBytes -= p.output.size();
                }
                if (p == queuedPong) {
                    queuedPong = null;
                }
                p.nextDone = null;
                if (tail == null) {
                    done = p;
                } else {
                    tail.nextDone = p;
                }
                tail = p;
                last = p.output.last();
                trailers = p.output.trailers();
                if (onePartPerWrite) {
                    break; // each message part starts a carrier write (the message mapping)
                }
            }
            if (done == null && slices.isEmpty()) {
                writing = false;
                return;
            }
        }
        OutputGather.Gathered g;
        try {
            g = OutputGather.gather(slices, carrier.directPool(), gathered);
        } catch (IOException e) {
            slices.clear();
            written(done, false, e);
            return;
        }
        slices.clear(); // the gathered buffers are all the write needs; drop the references
        writeDone.completes = done;
        writeDone.endsOutput = last;
        carrier.write(g.buffers(), last, trailers, writeDone);
    }

    /**
     * The completion of the one carrier write in flight, reused by every write rather than a
     * lambda per write (issue 19: allocation per message). Its fields are set before the write
     * starts and read once when it completes; the next write cannot start before that.
     */
    private final class WriteDone implements Carrier.WriteCallback {
        Pending completes;
        boolean endsOutput;

        @Override
        public void completed(Throwable failure) {
            Pending c = completes;
            boolean ends = endsOutput;
            completes = null;
            gathered.release();
            written(c, ends, failure);
        }
    }

    /** Takes up to {@code room} bytes of {@code p}'s buffers as slices; returns the room left. */
    private static int take(Pending p, List<ByteBuffer> slices, int room) {
        ByteBuffer[] bufs = p.output.buffers();
        while (p.next < bufs.length && room > 0) {
            ByteBuffer b = bufs[p.next];
            int n = b.limit() - b.position();
            if (n <= room) {
                if (n > 0) {
                    slices.add(b);
                }
                p.next++;
                room -= n;
            } else {
                ByteBuffer slice = b.slice();
                slice.limit(room);
                b.position(b.position() + room);
                slices.add(slice);
                room = 0;
            }
        }
        return room;
    }

    private void written(Pending done, boolean endsOutput, Throwable failure) {
        synchronized (lock) {
            writing = false;
            long written = 0;
            for (Pending p = done; p != null; p = p.nextDone) {
                written += p.output.size();
            }
            count(-written); // once per write, not per send: the budget's counters are shared (issue 19)
            if (endsOutput || failure != null) {
                ended = true;
            }
            if (failure != null) {
                failAllLocked(failure); // a send partly written belongs to the failed write
            }
        }
        for (Pending p = done; p != null; p = p.nextDone) {
            if (p.future != null) {
                if (failure == null) {
                    p.future.complete(socket);
                } else {
                    p.future.completeExceptionally(failure);
                }
            }
        }
        if (failure != null) {
            owner.writeFailed(failure);
        } else if (endsOutput) {
            owner.outputEnded();
        } else {
            flush();
        }
    }
}
