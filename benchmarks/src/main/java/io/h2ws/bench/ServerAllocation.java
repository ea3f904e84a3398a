package io.h2ws.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.cli.EchoServer;

/**
 * Heap allocated by the SERVER per echoed message, server threads only: the h2ws echo server
 * and an h2ws client share this JVM, and only the threads of the server's pool (its selectors,
 * readers and listener calls, named {@code h2ws-server*}) are counted, with
 * {@code ThreadMXBean.getThreadAllocatedBytes}. One socket, {@code window} messages in flight,
 * binary messages of each size; warm-up rounds first, then a measured round.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.ServerAllocation [messages] [sizes...]}
 */
public final class ServerAllocation {

    private ServerAllocation() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        List<Integer> sizes = args.length > 1
                ? java.util.Arrays.stream(args).skip(1).map(Integer::parseInt).toList()
                : List.of(16, 1024, 65536);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (H2wsServer server = EchoServer.start(0, false); H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            System.out.printf("%-4s %8s %12s %14s%n", "tr", "size", "messages", "server B/msg");
            for (Transport t : List.of(Transport.H1, Transport.H2)) {
                for (int size : sizes) {
                    int n = size >= 65536 ? Math.max(2_000, messages / 20) : messages;
                    Echo echo = new Echo(64);
                    H2wsSocket s = client.newWebSocketBuilder().transport(t).buildH2ws(uri, echo).get(10, TimeUnit.SECONDS);
                    ByteBuffer payload = ByteBuffer.allocate(size);
                    for (int round = 0; round < 4; round++) {
                        echo.run(s, payload, n / 2); // warm-up
                    }
                    long before = serverBytes(threads);
                    echo.run(s, payload, n);
                    long after = serverBytes(threads);
                    s.sendClose(1000, "").get(10, TimeUnit.SECONDS);
                    System.out.printf("%-4s %8d %12d %14.1f%n", t.name().toLowerCase(), size, n, (after - before) / (double) n);
                }
            }
        }
    }

    /** Bytes allocated so far by the threads of the server's pool (threads that ended are lost: the pool keeps them). */
    static long serverBytes(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith("h2ws-server")) {
                long b = mx.getThreadAllocatedBytes(th.getId());
                if (b > 0) {
                    sum += b;
                }
            }
        }
        return sum;
    }

    /** Keeps {@code window} messages in flight and counts echoes. */
    static final class Echo implements WebSocket.Listener {
        final Semaphore inFlight;
        final AtomicLong received = new AtomicLong();

        Echo(int window) {
            inFlight = new Semaphore(window);
        }

        void run(H2wsSocket s, ByteBuffer payload, int n) throws Exception {
            long target = received.get() + n;
            for (int i = 0; i < n; i++) {
                if (!inFlight.tryAcquire(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no echo within 10 s");
                }
                s.sendBinary(payload.duplicate(), true);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.get() < target && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            if (last) {
                received.incrementAndGet();
                inFlight.release();
            }
            ws.request(1);
            return null;
        }
    }
}
