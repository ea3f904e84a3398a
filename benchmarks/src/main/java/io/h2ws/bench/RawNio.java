package io.h2ws.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Length-prefixed messages (4-byte big-endian length, then the payload) over plain NIO, for the
 * "raw TCP" baseline: what moving the same bytes costs with no WebSocket or HTTP at all.
 *
 * <p>One selector thread per {@link Loop}. Writes are batched as Netty batches them: whatever a
 * read produced (the server's echoes, the client's sends from echo callbacks) is queued and
 * written with one gathering write at the end of the loop's pass, so small messages do not each
 * cost a system call. A message is handed over only when complete.
 */
final class RawNio {
    /** Messages above this are refused as a framing error (the largest benchmarked is 1 MiB). */
    static final int MAX_MESSAGE = 16 << 20;
    private static final int INITIAL_BUFFER = 64 * 1024;

    private RawNio() {}

    /** What a connection does with complete messages read. */
    interface Handler {
        /**
         * Called once per read with the complete messages it produced: {@code in} holds them from
         * {@code from} to {@code to} (each a length and a payload); valid only during the call.
         */
        void onMessages(Conn conn, ByteBuffer in, int from, int to);

        default void onClose(Conn conn) {}
    }

    /** A selector thread; everything touching its channels runs on it. */
    static final class Loop implements AutoCloseable {
        private final Selector selector;
        private final Thread thread;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final List<Conn> dirty = new ArrayList<>();
        private volatile boolean running = true;

        Loop(String name) {
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }

        boolean inLoop() {
            return Thread.currentThread() == thread;
        }

        void execute(Runnable task) {
            if (inLoop()) {
                task.run();
            } else {
                tasks.add(task);
                selector.wakeup();
            }
        }

        private void run() {
            try {
                while (running) {
                    selector.select();
                    Runnable t;
                    while ((t = tasks.poll()) != null) {
                        t.run();
                    }
                    for (SelectionKey k : selector.selectedKeys()) {
                        if (!k.isValid()) {
                            continue;
                        }
                        Object a = k.attachment();
                        if (a instanceof Acceptor acc) {
                            acc.accept();
                        } else if (a instanceof Conn c) {
                            if (k.isReadable()) {
                                c.onReadable();
                            }
                            if (k.isValid() && k.isWritable()) {
                                c.flush();
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                    for (int i = 0; i < dirty.size(); i++) {
                        dirty.get(i).flush();
                    }
                    dirty.clear();
                }
            } catch (ClosedSelectorException e) {
                // closed
            } catch (IOException | RuntimeException e) {
                if (running) {
                    System.err.println(thread.getName() + " died: " + e);
                    e.printStackTrace();
                }
            }
        }

        Conn register(SocketChannel ch, Handler handler) throws IOException {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Conn c = new Conn(this, ch, handler);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            return c;
        }

        @Override
        public void close() {
            running = false;
            execute(() -> {
                for (SelectionKey k : selector.keys()) {
                    try {
                        k.channel().close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            });
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
                selector.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One TCP connection on a loop. */
    static final class Conn {
        private final Loop loop;
        final SocketChannel ch;
        private final Handler handler;
        SelectionKey key;
        private ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER);
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private final ArrayDeque<CompletableFuture<Void>> outDone = new ArrayDeque<>();
        private boolean markedDirty;

        Conn(Loop loop, SocketChannel ch, Handler handler) {
            this.loop = loop;
            this.ch = ch;
            this.handler = handler;
        }

        Loop loop() {
            return loop;
        }

        /** Queues buffers (the last one completing {@code done}, which may be null); loop thread only. */
        void enqueue(ByteBuffer a, ByteBuffer b, CompletableFuture<Void> done) {
            out.add(a);
            outDone.add(NONE);
            if (b != null) {
                out.add(b);
                outDone.add(NONE);
            }
            if (done != null) {
                outDone.removeLast();
                outDone.add(done);
            }
            if (!markedDirty) {
                markedDirty = true;
                loop.dirty.add(this);
            }
        }

        private static final CompletableFuture<Void> NONE = new CompletableFuture<>();

        void onReadable() {
            try {
                for (int reads = 0; reads < 16; reads++) {
                    int n = ch.read(in);
                    if (n < 0) {
                        close();
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    process();
                }
            } catch (IOException e) {
                close();
            }
        }

        private void process() throws IOException {
            in.flip();
            int from = in.position();
            int p = from;
            int lim = in.limit();
            int need = 0;
            while (lim - p >= 4) {
                int len = in.getInt(p);
                if (len < 0 || len > MAX_MESSAGE) {
                    throw new IOException("bad length " + len);
                }
                if (lim - p - 4 < len) {
                    need = 4 + len;
                    break;
                }
                p += 4 + len;
            }
            if (p > from) {
                handler.onMessages(this, in, from, p);
            }
            in.position(p);
            in.compact();
            if (need > in.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, in.capacity() * 2));
                in.flip();
                bigger.put(in);
                in = bigger;
            } else if (!in.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                bigger.put(in);
                in = bigger;
            }
        }

        void flush() {
            markedDirty = false;
            try {
                while (!out.isEmpty()) {
                    ByteBuffer[] batch = out.toArray(new ByteBuffer[Math.min(out.size(), 1024)]);
                    int count = Math.min(out.size(), 1024);
                    long n = ch.write(batch, 0, count);
                    while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                        out.pollFirst();
                        CompletableFuture<Void> f = outDone.pollFirst();
                        if (f != NONE) {
                            f.complete(null);
                        }
                    }
                    if (n == 0 || !out.isEmpty() && out.peekFirst().position() > 0) {
                        break; // socket buffer full: wait for OP_WRITE
                    }
                }
                if (key.isValid()) {
                    key.interestOps(out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                }
            } catch (IOException e) {
                close();
            }
        }

        void close() {
            key.cancel();
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            IOException closed = new IOException("connection closed");
            for (CompletableFuture<Void> f : outDone) {
                if (f != NONE) {
                    f.completeExceptionally(closed);
                }
            }
            out.clear();
            outDone.clear();
            handler.onClose(this);
        }
    }

    private static final class Acceptor {
        private final Loop loop;
        private final ServerSocketChannel server;
        private final Handler handler;

        Acceptor(Loop loop, ServerSocketChannel server, Handler handler) {
            this.loop = loop;
            this.server = server;
            this.handler = handler;
        }

        void accept() throws IOException {
            SocketChannel ch;
            while ((ch = server.accept()) != null) {
                loop.register(ch, handler);
            }
        }
    }

    /** The echo: every complete message a read produced goes back in one buffer, flushed once. */
    static EchoServers.Running startServer(int port) throws Exception {
        Loop loop = new Loop("raw-echo");
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
        server.configureBlocking(false);
        Handler echo = (conn, in, from, to) -> {
            ByteBuffer copy = ByteBuffer.allocate(to - from);
            copy.put(in.duplicate().limit(to).position(from)).flip();
            conn.enqueue(copy, null, null);
        };
        CompletableFuture<Void> registered = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                server.register(loop.selector, SelectionKey.OP_ACCEPT, new Acceptor(loop, server, echo));
                registered.complete(null);
            } catch (IOException e) {
                registered.completeExceptionally(e);
            }
        });
        registered.get(5, TimeUnit.SECONDS);
        int bound = ((InetSocketAddress) server.getLocalAddress()).getPort();
        return new EchoServers.Running() {
            @Override
            public int port() {
                return bound;
            }

            @Override
            public void close() {
                loop.close();
                try {
                    server.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }
}
