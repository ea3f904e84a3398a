package io.h2ws.bench;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.h2.internal.H2Connector;

/**
 * One server process holding many idle sockets (issue 19, "Scale"): the server
 * ({@link ScaleServer}) runs in its own JVM, this JVM is the client. For each transport: open
 * {@code n} sockets (HTTP/2: connections of 1,000 streams; HTTP/1.1: a connection each), read the
 * server's heap after a full GC and its direct memory before and after, then have the server
 * broadcast one 16-byte text to all of them and time, from the moment we asked, when each socket
 * has it: p50, p99 and the last.
 *
 * <pre>java -Xmx3g -cp benchmarks/target/benchmarks.jar io.h2ws.bench.ScaleRun [h2-sockets] [h1-sockets]</pre>
 *
 * HTTP/1.1 needs a file descriptor per socket in each process: {@code ulimit -n} bounds it.
 */
public final class ScaleRun {

    private ScaleRun() {}

    public static void main(String[] args) throws Exception {
        int h2 = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int h1 = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        System.out.printf("%-4s %8s %6s %10s %14s %14s %12s %12s %12s %12s%n", "tr", "sockets", "conns", "open s",
                "heap B/socket", "direct B/sock", "bcast out ms", "p50 ms", "p99 ms", "last ms");
        if (h2 > 0) {
            run(Transport.H2, h2);
        }
        if (h1 > 0) {
            run(Transport.H1, h1);
        }
    }

    private static void run(Transport t, int n) throws Exception {
        try (ServerProcess server = ServerProcess.start("h2ws-scale");
             H2wsClient control = H2wsClient.create()) {
            URI base = URI.create("ws://127.0.0.1:" + server.port());
            Replies replies = new Replies();
            H2wsSocket ctl = control.newWebSocketBuilder().transport(Transport.H1).buildH2ws(base.resolve("/control"), replies)
                    .get(10, TimeUnit.SECONDS);
            long[] before = stats(ctl, replies);
            H2Connector h2 = H2Connector.builder().streamLimitPolicy(H2Connector.StreamLimitPolicy.NEW_CONNECTION)
                    .maxConnectionsPerOrigin(n / 1000 + 2).build();
            try (H2wsClient h1 = H2wsClient.create()) {
                long[] arrival = new long[n];
                AtomicInteger arrived = new AtomicInteger();
                List<H2wsSocket> sockets = new ArrayList<>(n);
                long o0 = System.nanoTime();
                List<CompletableFuture<H2wsSocket>> batch = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Arrival listener = new Arrival(arrival, i, arrived);
                    batch.add(t == Transport.H2
                            ? new ClientBuilder(h2).transport(Transport.H2).buildH2ws(base.resolve("/idle"), listener)
                            : h1.newWebSocketBuilder().transport(Transport.H1).buildH2ws(base.resolve("/idle"), listener));
                    if (batch.size() == 1000 || i == n - 1) {
                        for (CompletableFuture<H2wsSocket> f : batch) {
                            sockets.add(f.get(60, TimeUnit.SECONDS));
                        }
                        batch.clear();
                    }
                }
                double openS = (System.nanoTime() - o0) / 1e9;
                long[] after = stats(ctl, replies);
                if (after[0] != n) {
                    throw new IllegalStateException("server holds " + after[0] + " sockets, expected " + n);
                }
                long t0 = System.nanoTime();
                ctl.sendText("broadcast", true);
                String sent = replies.next();
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (arrived.get() < n && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                if (arrived.get() < n) {
                    throw new IllegalStateException(arrived.get() + " of " + n + " sockets got the broadcast");
                }
                long[] ms = Arrays.stream(arrival).map(a -> a - t0).sorted().toArray();
                int conns = t == Transport.H2 ? h2.connectionCount(base.resolve("/idle")) : n;
                System.out.printf("%-4s %8d %6d %10.1f %14.0f %14.0f %12.1f %12.1f %12.1f %12.1f%n", t.name().toLowerCase(), n, conns,
                        openS, (after[1] - before[1]) / (double) n, (after[2] - before[2]) / (double) n,
                        Long.parseLong(sent.split(" ")[2]) / 1000.0, ms[n / 2] / 1e6, ms[(int) (n * 0.99)] / 1e6, ms[n - 1] / 1e6);
                for (H2wsSocket s : sockets) {
                    s.abort();
                }
            } finally {
                h2.close();
            }
        }
    }

    /** {sockets, heap after GC, direct} from the server. */
    private static long[] stats(H2wsSocket ctl, Replies replies) throws Exception {
        ctl.sendText("stats", true);
        String[] f = replies.next().split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
    }

    /** Records when the broadcast reached socket {@code i}. */
    static final class Arrival implements WebSocket.Listener {
        private final long[] arrival;
        private final int i;
        private final AtomicInteger arrived;

        Arrival(long[] arrival, int i, AtomicInteger arrived) {
            this.arrival = arrival;
            this.i = i;
            this.arrived = arrived;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            arrival[i] = System.nanoTime();
            arrived.incrementAndGet();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ws.request(1);
            return null;
        }
    }

    /** The control socket's replies. */
    static final class Replies implements WebSocket.Listener {
        private final BlockingQueue<String> q = new LinkedBlockingQueue<>();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                q.add(part.toString());
                part.setLength(0);
            }
            ws.request(1);
            return null;
        }

        String next() throws InterruptedException {
            String s = q.poll(120, TimeUnit.SECONDS);
            if (s == null) {
                throw new IllegalStateException("no reply from the scale server");
            }
            return s;
        }
    }
}
