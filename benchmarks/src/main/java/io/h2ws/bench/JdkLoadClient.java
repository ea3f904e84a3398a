package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The JDK's {@code java.net.http} WebSocket client (HTTP/1.1 only). It allows one outstanding
 * send per socket, so sends queue here and the next starts when the previous completes;
 * partial binary messages are gathered into whole ones.
 */
public final class JdkLoadClient implements LoadClient {
    private final URI uri;
    private final ExecutorService executor;
    private final HttpClient http;

    public JdkLoadClient(URI uri) {
        this.uri = uri;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdk-ws");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().executor(executor).build();
    }

    @Override
    public String name() {
        return "jdk-h1";
    }

    @Override
    public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
        return http.newWebSocketBuilder().buildAsync(uri, new Listener(onMessage)).thenApply(Socket::new);
    }

    private static final class Listener implements WebSocket.Listener {
        private final Consumer<ByteBuffer> onMessage;
        private ByteBuffer partial;

        Listener(Consumer<ByteBuffer> onMessage) {
            this.onMessage = onMessage;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer whole;
            if (partial == null && last) {
                whole = ByteBuffer.allocate(data.remaining()).put(data).flip();
            } else {
                if (partial == null) {
                    partial = ByteBuffer.allocate(Math.max(data.remaining() * 2, 4096));
                }
                if (partial.remaining() < data.remaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(Math.max(partial.capacity() * 2, partial.position() + data.remaining()));
                    partial.flip();
                    partial = bigger.put(partial);
                }
                partial.put(data);
                whole = null;
                if (last) {
                    whole = partial.flip();
                    partial = null;
                }
            }
            ws.request(1);
            if (whole != null) {
                onMessage.accept(whole);
            }
            return null; // data was copied: the client may reuse it
        }
    }

    /** Serialises sends: java.net.http.WebSocket refuses a send while one is pending. */
    private static final class Socket implements LoadSocket {
        private final WebSocket ws;
        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        private boolean sending;

        private record Pending(ByteBuffer message, CompletableFuture<Void> done) {}

        Socket(WebSocket ws) {
            this.ws = ws;
        }

        @Override
        public CompletableFuture<?> send(ByteBuffer message) {
            Pending p = new Pending(message, new CompletableFuture<>());
            synchronized (this) {
                if (sending) {
                    queue.add(p);
                    return p.done;
                }
                sending = true;
            }
            drain(p);
            return p.done;
        }

        /** Sends {@code p} and whatever queued meanwhile; loops instead of recursing when sends complete at once. */
        private void drain(Pending p) {
            while (p != null) {
                Pending current = p;
                CompletableFuture<WebSocket> f = ws.sendBinary(current.message, true);
                if (!f.isDone()) {
                    f.whenComplete((w, e) -> {
                        finish(current, e);
                        drain(next());
                    });
                    return;
                }
                Throwable e = null;
                try {
                    f.join();
                } catch (RuntimeException ex) {
                    e = ex;
                }
                finish(current, e);
                p = next();
            }
        }

        private static void finish(Pending p, Throwable e) {
            if (e == null) {
                p.done.complete(null);
            } else {
                p.done.completeExceptionally(e);
            }
        }

        private synchronized Pending next() {
            Pending n = queue.poll();
            if (n == null) {
                sending = false;
            }
            return n;
        }

        @Override
        public void close() {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((w, e) -> ws.abort());
            } catch (RuntimeException e) {
                ws.abort();
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
