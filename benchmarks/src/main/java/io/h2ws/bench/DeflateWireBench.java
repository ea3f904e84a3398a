package io.h2ws.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.h2ws.H2wsServer;
import io.h2ws.cli.EchoServer;
import io.h2ws.cli.measure.H2wsLoadClients;
import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;
import io.h2ws.cli.measure.Workloads.Payload;

/**
 * permessage-deflate (RFC 7692): bytes on the wire and echo rate, compressed vs not, for
 * JSON-like and random payloads, h2ws on HTTP/1.1 and HTTP/2 beside Jetty (compression on).
 * Each client talks to its server through a byte-counting TCP relay on loopback, so the counts
 * are every byte both ways (frames, HTTP/2 framing, WINDOW_UPDATEs), divided per message.
 * One socket, one message in flight (send, wait for the echo): a wire-cost measurement, not a
 * throughput one. Servers run in this JVM.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.DeflateWireBench [messages]}
 */
public final class DeflateWireBench {

    /** A loopback TCP relay counting bytes in each direction. */
    static final class Relay implements AutoCloseable {
        final ServerSocket listen;
        final AtomicLong up = new AtomicLong();
        final AtomicLong down = new AtomicLong();
        final List<Socket> sockets = new ArrayList<>();

        Relay(int target) throws Exception {
            listen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket c = listen.accept();
                        Socket s = new Socket();
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                        c.setTcpNoDelay(true);
                        s.setTcpNoDelay(true);
                        synchronized (sockets) {
                            sockets.add(c);
                            sockets.add(s);
                        }
                        pump(c.getInputStream(), s.getOutputStream(), up);
                        pump(s.getInputStream(), c.getOutputStream(), down);
                    }
                } catch (Exception closed) {
                    // the relay is closed
                }
            }, "relay-accept");
            t.setDaemon(true);
            t.start();
        }

        static void pump(InputStream in, OutputStream out, AtomicLong count) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        count.addAndGet(n);
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception e) {
                    // one side closed
                } finally {
                    try {
                        out.close();
                    } catch (Exception ignored) {
                        // already closed
                    }
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listen.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            listen.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    record Row(String client, String payload, int size, int messages, double upPerMsg, double downPerMsg, double perSecond) {}

    static Row measure(LoadClient client, Relay relay, Payload kind, int size, int warmup, int messages) throws Exception {
        BlockingQueue<Integer> echoes = new ArrayBlockingQueue<>(4);
        LoadClient.LoadSocket s = client.open(m -> echoes.add(m.remaining())).get(10, TimeUnit.SECONDS);
        ByteBuffer[] payloads = new ByteBuffer[32]; // distinct messages: see Workloads.payload(kind, size, seed)
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = Workloads.payload(kind, size, i);
        }
        try {
            for (int i = 0; i < warmup; i++) {
                roundTrip(s, payloads[i % payloads.length], echoes, size);
            }
            Thread.sleep(50); // let WINDOW_UPDATEs and the like settle into the warm-up's share
            long up0 = relay.up.get();
            long down0 = relay.down.get();
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                roundTrip(s, payloads[(warmup + i) % payloads.length], echoes, size);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(50);
            return new Row(client.name(), kind.name().toLowerCase(Locale.ROOT), size, messages,
                    (relay.up.get() - up0) / (double) messages, (relay.down.get() - down0) / (double) messages, messages / secs);
        } finally {
            s.close();
        }
    }

    static void roundTrip(LoadClient.LoadSocket s, ByteBuffer payload, BlockingQueue<Integer> echoes, int size) throws Exception {
        s.send(payload.duplicate()).get(10, TimeUnit.SECONDS);
        Integer n = echoes.poll(10, TimeUnit.SECONDS);
        if (n == null || n != size) {
            throw new IllegalStateException("echo missing or wrong size: " + n + " for " + size);
        }
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = Math.max(20, messages / 5);
        Object[][] payloads = {{Payload.JSON, 1024}, {Payload.JSON, 64 * 1024}, {Payload.RANDOM, 1024}, {Payload.RANDOM, 64 * 1024}};
        H2wsServer ours = EchoServer.start(0, true);
        EchoServers.Running jettyH1 = JettyEchoServer.start(0, false);
        EchoServers.Running jettyH2 = JettyEchoServer.start(0, true);
        Map<String, Integer> targets = new LinkedHashMap<>();
        for (String k : new String[] {"h2ws-h1", "h2ws-h1-deflate", "h2ws-h2", "h2ws-h2-deflate"}) {
            targets.put(k, ours.port());
        }
        targets.put("jetty-h1", jettyH1.port());
        targets.put("jetty-h1-deflate", jettyH1.port());
        targets.put("jetty-h2", jettyH2.port());
        targets.put("jetty-h2-deflate", jettyH2.port());
        List<Row> rows = new ArrayList<>();
        try {
            for (Map.Entry<String, Integer> e : targets.entrySet()) {
                String kind = e.getKey();
                try (Relay relay = new Relay(e.getValue())) {
                    URI uri = URI.create("ws://127.0.0.1:" + relay.port() + "/echo");
                    LoadClient client = kind.startsWith("jetty")
                            ? new JettyLoadClient(uri, kind.startsWith("jetty-h2"), kind.endsWith("-deflate"))
                            : H2wsLoadClients.create(kind, uri);
                    try {
                        for (Object[] p : payloads) {
                            Row r;
                            try {
                                r = measure(client, relay, (Payload) p[0], (Integer) p[1], warmup, messages);
                            } catch (Exception failed) {
                                System.err.println(kind + " " + p[0] + " " + p[1] + ": FAILED " + failed);
                                System.out.println("<!-- " + kind + " " + p[0] + " " + p[1] + ": FAILED " + failed + " -->");
                                continue;
                            }
                            rows.add(r);
                            System.err.printf(Locale.ROOT, "%-18s %-6s %6d: up %9.1f B/msg, down %9.1f B/msg, %8.0f echoes/s%n",
                                    r.client(), r.payload(), r.size(), r.upPerMsg(), r.downPerMsg(), r.perSecond());
                        }
                    } finally {
                        client.close();
                    }
                }
            }
        } finally {
            ours.close();
            jettyH1.close();
            jettyH2.close();
        }
        // the table: each compressed row against the uncompressed row of the same client and payload
        System.out.println("| client | payload | size | wire B/msg up | wire B/msg down | up+down vs payload x2 | vs uncompressed | echoes/s | vs uncompressed |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            String base = r.client().replace("-deflate", "");
            Row plain = rows.stream().filter(x -> x.client().equals(base) && x.payload().equals(r.payload()) && x.size() == r.size())
                    .findFirst().orElse(r);
            double total = r.upPerMsg() + r.downPerMsg();
            double plainTotal = plain.upPerMsg() + plain.downPerMsg();
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.3f | %.3f | %.0f | %.2f |%n", r.client(), r.payload(), r.size(),
                    r.upPerMsg(), r.downPerMsg(), total / (2.0 * r.size()), total / plainTotal, r.perSecond(), r.perSecond() / plain.perSecond());
        }
    }
}
