package io.h2ws.cli;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.h2ws.WebSocketOptions;
import io.h2ws.core.session.InMemorySockets;

/** The h2ws command. Until the transports land it runs an in-memory demo of the message layer. */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "demo" : args[0];
        if (!cmd.equals("demo")) {
            System.err.println("usage: h2ws demo");
            System.exit(2);
        }
        System.exit(demo());
    }

    private static int demo() throws Exception {
        int messages = 10_000;
        CompletableFuture<Long> done = new CompletableFuture<>();
        WebSocket.Listener echo = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
                return ws.sendBinary(copy, last).thenRun(() -> ws.request(1));
            }
        };
        WebSocket.Listener counter = new WebSocket.Listener() {
            long received;

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                if (last && ++received == messages) {
                    done.complete(received);
                }
                ws.request(1);
                return null;
            }
        };
        InMemorySockets.Pair pair = InMemorySockets.open(counter, echo, WebSocketOptions.DEFAULTS);
        long t0 = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            pair.client().sendBinary(ByteBuffer.allocate(1024), true);
        }
        long got = done.get(60, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        pair.client().sendClose(1000, "demo done").get(10, TimeUnit.SECONDS);
        System.out.printf("in-memory echo: %d messages of 1 KiB, masked client frames, %.0f msgs/s%n", got, got / secs);
        return 0;
    }
}
