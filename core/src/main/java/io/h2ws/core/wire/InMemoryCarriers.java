package io.h2ws.core.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.h2ws.Transport;

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
        private final Executor serial = new SerialExecutor(POOL);
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
        public synchronized void start(Receiver receiver) {
            this.receiver = receiver;
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
                        serial.execute(() -> r.onData(c.data(), c.onRelease()));
                    } else if (failure != null || ended) {
                        demand--;
                        terminalDelivered = true;
                        Receiver r = receiver;
                        Throwable f = failure;
                        java.util.Map<String, String> t = endTrailers;
                        serial.execute(() -> {
                            if (f != null) {
                                r.onFailure(f);
                            } else if (t != null) {
                                r.onTrailers(t);
                            } else {
                                r.onEnd();
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

        private void acceptEnd() {
            acceptEnd(null);
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
        public void write(ByteBuffer[] buffers, boolean last, WriteCallback callback) {
            synchronized (this) {
                if (outputEnded || failure != null || closed) {
                    Throwable why = failure != null ? failure : new IOException("output closed");
                    serial.execute(() -> callback.completed(why));
                    return;
                }
                outputEnded = last;
            }
            int n = 0;
            for (ByteBuffer b : buffers) {
                n += b.remaining();
            }
            ByteBuffer copy = ByteBuffer.allocate(n);
            for (ByteBuffer b : buffers) {
                copy.put(b.duplicate());
            }
            copy.flip();
            peer.accept(new Chunk(copy, () -> serial.execute(() -> callback.completed(null))));
            if (last) {
                peer.acceptEnd();
            }
        }

        @Override
        public boolean supportsTrailers() {
            return true;
        }

        @Override
        public void writeTrailers(ByteBuffer[] buffers, java.util.Map<String, String> trailers, WriteCallback callback) {
            if (buffers.length == 0) {
                synchronized (this) {
                    if (outputEnded || failure != null || closed) {
                        Throwable why = failure != null ? failure : new IOException("output closed");
                        serial.execute(() -> callback.completed(why));
                        return;
                    }
                    outputEnded = true;
                }
                peer.acceptEnd(java.util.Map.copyOf(trailers));
                serial.execute(() -> callback.completed(null));
                return;
            }
            write(buffers, false, failure -> {
                if (failure != null) {
                    callback.completed(failure);
                } else {
                    writeTrailers(new ByteBuffer[0], trailers, callback);
                }
            });
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
                peer.acceptEnd();
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

    /** Runs tasks one at a time, in order, on a shared pool. */
    static final class SerialExecutor implements Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private final Executor pool;
        private boolean running;

        SerialExecutor(Executor pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                tasks.add(task);
                if (running) {
                    return;
                }
                running = true;
            }
            pool.execute(this::runAll);
        }

        private void runAll() {
            for (;;) {
                Runnable r;
                synchronized (this) {
                    r = tasks.poll();
                    if (r == null) {
                        running = false;
                        return;
                    }
                }
                try {
                    r.run();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(InMemoryCarriers.class).warn("in-memory carrier task failed", e);
                }
            }
        }
    }
}
