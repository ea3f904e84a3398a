package io.h2ws.core.internal.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.h2ws.socket.Transport;

/**
 * Two {@link Carrier}s joined in memory, so the whole message layer runs end to end without a
 * network: for tests, and for users who want to try the session code on its own. A write
 * completes only when the peer has consumed and released the chunk, so a reader that stops
 * demanding stops the writer, exactly as flow control does on a real transport.
 */
public final class InMemoryCarriers {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "h2ws-memory-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** The two ends: what one writes, the other reads. */
    public record Pair(Carrier client, Carrier server) {}

    private InMemoryCarriers() {}

    /** A joined pair reporting {@code transport}. */
    public static Pair pair(Transport transport) {
        End a = new End(transport);
        End b = new End(transport);
        a.peer = b;
        b.peer = a;
        return new Pair(a, b);
    }

    private static final class End implements Carrier {
        private record Chunk(ByteBuffer data, Runnable onRelease) {}

        private final Transport transport;
        private SerialExecutor serial; // the socket's; receiver calls run there, drained on the pool
        private final ArrayDeque<Chunk> inbox = new ArrayDeque<>();
        private End peer;
        private Receiver receiver;
        private int demand;
        private boolean ended; // peer ended its half
        private java.util.Map<String, String> endTrailers;
        private Throwable failure;
        private boolean terminalDelivered;
        private boolean outputEnded;
        private boolean closed;

        End(Transport transport) {
            this.transport = transport;
        }

        @Override
        public synchronized void start(Receiver receiver, SerialExecutor serial) {
            this.receiver = receiver;
            this.serial = serial;
        }

        /** Runs a receiver call in the socket's serial executor, on a pool thread: never the writer's. */
        private void deliver(Runnable call) {
            SerialExecutor s = serial;
            s.enqueue(call);
            POOL.execute(s::drain);
        }

        @Override
        public void dispatch(Runnable task) {
            POOL.execute(task);
        }

        @Override
        public void demand() {
            synchronized (this) {
                demand++;
            }
            pump();
        }

        private void pump() {
            synchronized (this) {
                while (demand > 0 && receiver != null && !terminalDelivered) {
                    Chunk c = inbox.poll();
                    if (c != null) {
                        demand--;
                        Receiver r = receiver;
                        deliver(() -> r.onData(c.data(), c.onRelease()));
                    } else if (failure != null || ended) {
                        demand--;
                        terminalDelivered = true;
                        Receiver r = receiver;
                        Throwable f = failure;
                        java.util.Map<String, String> t = endTrailers;
                        deliver(() -> {
                            if (f != null) {
                                r.onFailure(f);
                            } else {
                                r.onEnd(t);
                            }
                        });
                    } else {
                        break;
                    }
                }
            }
        }

        private void accept(Chunk c) {
            synchronized (this) {
                if (failure != null || closed) {
                    c.onRelease().run();
                    return;
                }
                inbox.add(c);
            }
            pump();
        }

        private void acceptEnd(java.util.Map<String, String> trailers) {
            synchronized (this) {
                ended = true;
                endTrailers = trailers;
            }
            pump();
        }

        private void acceptFailure(Throwable t) {
            ArrayDeque<Chunk> dropped;
            synchronized (this) {
                if (failure != null) {
                    return;
                }
                failure = t;
                dropped = new ArrayDeque<>(inbox);
                inbox.clear();
            }
            dropped.forEach(c -> c.onRelease().run());
            pump();
        }

        @Override
        public void write(ByteBuffer[] buffers, boolean last, java.util.Map<String, String> trailers, WriteCallback callback) {
            synchronized (this) {
                if (outputEnded || failure != null || closed) {
                    Throwable why = failure != null ? failure : new IOException("output closed");
                    POOL.execute(() -> callback.completed(why));
                    return;
                }
                outputEnded = last;
            }
            int n = 0;
            for (ByteBuffer b : buffers) {
                n += b.limit() - b.position();
            }
            if (n == 0 && last) {
                // nothing to hand over: the end (with its trailers) is all there is
                peer.acceptEnd(trailers == null ? null : java.util.Map.copyOf(trailers));
                POOL.execute(() -> callback.completed(null));
                return;
            }
            ByteBuffer copy = ByteBuffer.allocate(n);
            for (ByteBuffer b : buffers) {
                copy.put(b);
            }
            copy.flip();
            // the write completes when the peer has consumed the chunk, as flow control would have it
            peer.accept(new Chunk(copy, () -> POOL.execute(() -> callback.completed(null))));
            if (last) {
                peer.acceptEnd(trailers == null ? null : java.util.Map.copyOf(trailers));
            }
        }

        @Override
        public void abort(Throwable cause) {
            synchronized (this) {
                closed = true;
            }
            peer.acceptFailure(new IOException("stream reset by peer", cause));
            acceptFailure(cause == null ? new IOException("aborted") : cause);
        }

        @Override
        public void close() {
            boolean endPeer;
            synchronized (this) {
                endPeer = !outputEnded;
                outputEnded = true;
                closed = true;
            }
            if (endPeer) {
                peer.acceptEnd(null);
            }
        }

        @Override
        public Transport transport() {
            return transport;
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public java.net.SocketAddress remoteAddress() {
            return null;
        }

        @Override
        public java.net.SocketAddress localAddress() {
            return null;
        }
    }
}
