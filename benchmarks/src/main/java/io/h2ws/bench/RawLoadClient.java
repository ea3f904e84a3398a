package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The raw-TCP baseline client: length-prefixed messages, one TCP connection per socket, all on
 * one selector thread, sends batched per loop pass (see {@link RawNio}).
 */
public final class RawLoadClient implements LoadClient {
    private final InetSocketAddress address;
    private final RawNio.Loop loop = new RawNio.Loop("raw-client");

    public RawLoadClient(URI uri) {
        this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
        CompletableFuture<LoadSocket> result = new CompletableFuture<>();
        SocketChannel ch;
        try {
            ch = SocketChannel.open();
            ch.connect(address); // blocking connect on loopback; the channel goes non-blocking on the loop
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        RawNio.Handler deliver = (conn, in, from, to) -> {
            int p = from;
            while (p < to) {
                int len = in.getInt(p);
                ByteBuffer msg = ByteBuffer.allocate(len);
                msg.put(in.duplicate().limit(p + 4 + len).position(p + 4)).flip();
                onMessage.accept(msg);
                p += 4 + len;
            }
        };
        loop.execute(() -> {
            try {
                RawNio.Conn conn = loop.register(ch, deliver);
                result.complete(new Socket(conn));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static final class Socket implements LoadSocket {
        private final RawNio.Conn conn;

        Socket(RawNio.Conn conn) {
            this.conn = conn;
        }

        @Override
        public CompletableFuture<?> send(ByteBuffer message) {
            ByteBuffer payload = message.slice();
            ByteBuffer header = ByteBuffer.allocate(4).putInt(0, payload.remaining());
            CompletableFuture<Void> done = new CompletableFuture<>();
            conn.loop().execute(() -> {
                if (!conn.ch.isOpen()) {
                    done.completeExceptionally(new IOException("closed"));
                    return;
                }
                conn.enqueue(header, payload, done);
            });
            return done;
        }

        @Override
        public void close() {
            conn.loop().execute(() -> {
                if (conn.ch.isOpen()) {
                    conn.close();
                }
            });
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
