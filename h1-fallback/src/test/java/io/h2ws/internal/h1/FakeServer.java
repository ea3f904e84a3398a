package io.h2ws.internal.h1;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.h2ws.core.internal.handshake.AcceptKey;

/**
 * A one-connection server on a raw socket that answers the client's handshake with whatever the
 * test scripts, so the client's section 4.1 checks can be tried one by one.
 */
final class FakeServer implements AutoCloseable {

    /** What to do once the request head is read. */
    @FunctionalInterface
    interface Script {
        void run(RawConnection connection, RawConnection.Head request) throws Exception;
    }

    final ServerSocket listening;
    /** The request head the client sent. */
    final CompletableFuture<RawConnection.Head> request = new CompletableFuture<>();
    /** Completes when the script has run (exceptionally if it threw). */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile RawConnection connection;

    FakeServer(Script script) throws IOException {
        listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                connection = new RawConnection(listening.accept());
                RawConnection.Head head = connection.readHead(false);
                request.complete(head);
                script.run(connection, head);
                done.complete(null);
            } catch (Throwable e) {
                request.completeExceptionally(e);
                done.completeExceptionally(e);
            }
        }, "fake-server");
        t.setDaemon(true);
        t.start();
    }

    /** A 101 that section 4.1 accepts for this request, plus {@code extra} header lines, without the blank line. */
    static String goodHeadWithout(RawConnection.Head request, String extra) {
        return "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + AcceptKey.accept(request.header("Sec-WebSocket-Key")) + "\r\n"
                + extra;
    }

    /** A 101 that section 4.1 accepts for this request. */
    static String goodHead(RawConnection.Head request) {
        return goodHeadWithout(request, "") + "\r\n";
    }

    URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + listening.getLocalPort() + path);
    }

    RawConnection connection() {
        return connection;
    }

    void awaitScript() throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        listening.close();
        RawConnection c = connection;
        if (c != null) {
            c.close();
        }
    }
}
