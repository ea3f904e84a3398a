package io.h2ws.cli.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.h2ws.H2wsServer;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.trace.JsonLinesTraceWriter;

/**
 * The lab's two ends, each a JVM of its own inside its namespace, driven over stdin/stdout by
 * {@link LabCommand} with one "key=value" line per command and per answer; each ends when its
 * stdin closes, so it never outlives the lab.
 *
 * <pre>
 *   LabAgent server HOST HTTP_PORT UDP_PORT   echo server (/echo) and a UDP reflector; says "ready"
 *   LabAgent client HOST HTTP_PORT UDP_PORT   runs commands: run, rtt, udploss, flood
 * </pre>
 *
 * UDP datagrams to the reflector start with a kind byte: 'P' is echoed back, 'L' is counted,
 * 'Q' is answered with 'A' and the count, 'R' zeroes the count and is answered 'r', 'B' is
 * answered with 'b' and the binary message bytes the echo endpoint has received, 'S' with 's'
 * and the server's open sockets.
 */
public final class LabAgent {

    private LabAgent() {}

    /** The echo listener, counting what it receives: goodput measured where the bytes arrive, not after the echo's round trip. */
    static final class CountingEcho extends EchoListener {
        static final AtomicLong RECEIVED = new AtomicLong();

        @Override
        public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
            RECEIVED.addAndGet(data.remaining());
            return super.onBinary(ws, data, last);
        }
    }

    /** Entry point of an agent process. */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int udp = Integer.parseInt(args[3]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[0].equals("server")) {
            server(host, port, udp, in, out);
        } else {
            client(host, port, udp, in, out);
        }
        out.flush();
        // Jetty's and the JDK's non-daemon threads must not keep an agent alive after its lab is gone
        System.exit(0);
    }

    private static void server(String host, int port, int udp, BufferedReader in, PrintStream out) throws Exception {
        long limit = 64L << 20;
        try (H2wsServer server = H2wsServer.builder().host(host).port(port).maxConcurrentStreams(20_000)
                .endpoint(Endpoint.builder("/echo").listener(CountingEcho::new)
                        .options(WebSocketOptions.builder().maxMessageSize(limit).maxFrameSize(limit).build()).build())
                .build().start();
             DatagramSocket reflector = new DatagramSocket(new InetSocketAddress(host, udp))) {
            Thread t = new Thread(() -> reflect(reflector, server::openSockets), "h2ws-lab-reflector");
            t.setDaemon(true);
            t.start();
            out.println("ready port=" + server.port());
            while (in.readLine() != null) {
                // nothing to do until the lab closes our stdin
            }
        }
    }

    private static void reflect(DatagramSocket socket, java.util.function.IntSupplier openSockets) {
        byte[] buf = new byte[2048];
        long counted = 0;
        try {
            socket.setReceiveBufferSize(4 << 20);
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                switch (buf[0]) {
                    case 'P' -> socket.send(p);
                    case 'L' -> counted++;
                    case 'Q' -> {
                        byte[] a = ByteBuffer.allocate(9).put((byte) 'A').putLong(counted).array();
                        socket.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                    }
                    case 'B' -> {
                        byte[] a = ByteBuffer.allocate(9).put((byte) 'b').putLong(CountingEcho.RECEIVED.get()).array();
                        socket.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                    }
                    case 'S' -> {
                        byte[] a = ByteBuffer.allocate(9).put((byte) 's').putLong(openSockets.getAsInt()).array();
                        socket.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                    }
                    case 'R' -> {
                        counted = 0;
                        socket.send(new DatagramPacket(new byte[] {'r'}, 1, p.getSocketAddress()));
                    }
                    default -> { }
                }
            }
        } catch (Exception e) {
            // the socket closed: the agent is ending
        }
    }

    private static void client(String host, int port, int udp, BufferedReader in, PrintStream out) throws Exception {
        URI uri = URI.create("ws://" + host + ":" + port + "/echo");
        InetSocketAddress reflector = new InetSocketAddress(InetAddress.getByName(host), udp);
        out.println("ready");
        String line;
        while ((line = in.readLine()) != null) {
            Map<String, String> cmd = LabNetwork.parse(line.substring(line.indexOf(' ') + 1));
            String verb = line.split(" ", 2)[0];
            Map<String, Object> r;
            try {
                r = switch (verb) {
                    case "run" -> run(uri, reflector, cmd);
                    case "rtt" -> rtt(reflector, Integer.parseInt(cmd.get("count")), Double.parseDouble(cmd.get("interval")));
                    case "udploss" -> udpLoss(reflector, Integer.parseInt(cmd.get("count")), Integer.parseInt(cmd.get("pps")),
                            Integer.parseInt(cmd.getOrDefault("size", "64")));
                    case "flood" -> flood(reflector, Double.parseDouble(cmd.get("seconds")), Integer.parseInt(cmd.getOrDefault("size", "64")));
                    default -> throw new IllegalArgumentException("unknown command " + verb);
                };
                r.put("ok", true);
            } catch (Exception e) {
                r = new LinkedHashMap<>();
                r.put("ok", false);
                r.put("error", String.valueOf(e).replace('\n', ' '));
            }
            out.println("result " + LabWorkloads.toLine(r));
        }
    }

    private static Map<String, Object> run(URI uri, InetSocketAddress reflector, Map<String, String> cmd) throws Exception {
        String transport = cmd.get("transport");
        int sockets = Integer.parseInt(cmd.get("sockets"));
        int connections = Integer.parseInt(cmd.getOrDefault("connections", "1"));
        Duration warmup = Duration.ofMillis(Math.round(Double.parseDouble(cmd.get("warmup")) * 1000));
        Duration seconds = Duration.ofMillis(Math.round(Double.parseDouble(cmd.get("seconds")) * 1000));
        int size = Integer.parseInt(cmd.get("size"));
        String trace = cmd.get("trace");
        JsonLinesTraceWriter writer = trace == null ? null : new JsonLinesTraceWriter(Path.of(trace), "client");
        Map<String, Object> result;
        int baseline = Math.max(0, serverOpen(reflector));
        try (LabWorkloads.Sockets c = new LabWorkloads.Sockets(transport, uri, Math.min(connections, sockets), writer);
             DatagramSocket q = new DatagramSocket()) {
            q.connect(reflector);
            q.setSoTimeout(300);
            java.util.function.LongSupplier serverBytes = () -> {
                try {
                    ByteBuffer a = query(q, 'B', 'b');
                    return a == null ? -1 : a.getLong(1);
                } catch (Exception e) {
                    return -1;
                }
            };
            result = cmd.get("workload").equals("stream")
                    ? LabWorkloads.stream(c, sockets, size, Integer.parseInt(cmd.getOrDefault("window", "2")), warmup, seconds, serverBytes,
                            () -> tcpAcked(uri.getPort()))
                    : LabWorkloads.pingPong(c, sockets, size, warmup, seconds);
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        // the server still open on sockets this point aborted, reading what they had sent, would
        // carry this point's load into the next one: wait (bounded) until it is back to where it
        // was before the point, or its count stops falling for a second, and say what is left
        long t0 = System.nanoTime();
        int atClose = serverOpen(reflector) - baseline;
        int left = atClose;
        long steadySince = System.nanoTime();
        while (left > 0 && System.nanoTime() - t0 < 10_000_000_000L && System.nanoTime() - steadySince < 1_000_000_000L) {
            Thread.sleep(100);
            int now = serverOpen(reflector) - baseline;
            if (now < left) {
                steadySince = System.nanoTime();
            }
            left = now;
        }
        result.put("lingering_at_close", atClose);
        result.put("lingering_after", left);
        result.put("lingering_ms", (System.nanoTime() - t0) / 1e6);
        return result;
    }

    /** The server's open sockets, or -1 when its reflector does not answer. */
    private static int serverOpen(InetSocketAddress reflector) {
        try (DatagramSocket q = new DatagramSocket()) {
            q.connect(reflector);
            q.setSoTimeout(300);
            ByteBuffer a = query(q, 'S', 's');
            return a == null ? -1 : (int) a.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private static final java.util.regex.Pattern SS_SOCKET = java.util.regex.Pattern.compile("^\\S*\\s*\\d+\\s+\\d+\\s+(\\S+)\\s+(\\S+)");
    private static final java.util.regex.Pattern SS_ACKED = java.util.regex.Pattern.compile("bytes_acked:(\\d+)");

    /**
     * Bytes the server's TCP has acknowledged, per connection of this namespace to {@code port}
     * (local address:port to {@code tcpi_bytes_acked}, read with {@code ss -tin}): goodput at
     * byte granularity, where counting whole 64 KiB messages would see nothing for seconds when
     * 100 sockets share 10 Mbit/s. Empty when ss is missing or fails.
     */
    static Map<String, Long> tcpAcked(int port) {
        Map<String, Long> acked = new LinkedHashMap<>();
        try {
            String ss = LabNetwork.which("ss");
            Process p = new ProcessBuilder(ss == null ? "ss" : ss, "-tin", "state", "established").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            String local = null;
            for (String line : out.split("\n")) {
                java.util.regex.Matcher sock = SS_SOCKET.matcher(line);
                if (sock.find()) {
                    local = sock.group(2).endsWith(":" + port) ? sock.group(1) : null;
                    continue;
                }
                java.util.regex.Matcher b = SS_ACKED.matcher(line);
                if (local != null && b.find()) {
                    acked.put(local, Long.parseLong(b.group(1)));
                    local = null;
                }
            }
        } catch (Exception e) {
            acked.clear();
        }
        return acked;
    }

    /** {@code count} UDP pings {@code interval} ms apart; the round trips of those answered within 2 s. */
    static Map<String, Object> rtt(InetSocketAddress to, int count, double intervalMillis) throws Exception {
        long[] rtts = new long[count];
        int got = 0;
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(to);
            AtomicLong received = new AtomicLong();
            AtomicLong endAt = new AtomicLong(Long.MAX_VALUE);
            long[] sentAt = new long[count];
            boolean[] seen = new boolean[count];
            Thread rx = new Thread(() -> {
                byte[] buf = new byte[64];
                try {
                    s.setSoTimeout(100);
                    while (System.nanoTime() < endAt.get() && received.get() < count) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        try {
                            s.receive(p);
                        } catch (SocketTimeoutException e) {
                            continue;
                        }
                        long now = System.nanoTime();
                        int seq = ByteBuffer.wrap(buf, 1, 4).getInt();
                        synchronized (rtts) {
                            if (buf[0] == 'P' && seq >= 0 && seq < count && sentAt[seq] != 0 && !seen[seq]) {
                                seen[seq] = true;
                                rtts[(int) received.getAndIncrement()] = now - sentAt[seq];
                            }
                        }
                    }
                } catch (Exception e) {
                    // the socket closed
                }
            }, "h2ws-lab-rtt");
            rx.start();
            long interval = Math.round(intervalMillis * 1e6);
            long next = System.nanoTime();
            for (int i = 0; i < count; i++) {
                byte[] b = ByteBuffer.allocate(32).put((byte) 'P').putInt(i).array();
                synchronized (rtts) {
                    sentAt[i] = System.nanoTime();
                }
                s.send(new DatagramPacket(b, b.length));
                next += interval;
                pace(next);
            }
            endAt.set(System.nanoTime() + 2_000_000_000L);
            rx.join(5_000);
            got = (int) received.get();
        }
        long[] v;
        synchronized (rtts) {
            v = Arrays.copyOf(rtts, got);
        }
        Arrays.sort(v);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("sent", count);
        r.put("answered", got);
        if (got > 0) {
            double mean = Arrays.stream(v).average().orElse(0);
            double var = Arrays.stream(v).mapToDouble(x -> (x - mean) * (x - mean)).sum() / got;
            r.put("rtt_min_ms", v[0] / 1e6);
            r.put("rtt_p50_ms", v[got / 2] / 1e6);
            r.put("rtt_p99_ms", v[Math.min(got - 1, (int) (got * 0.99))] / 1e6);
            r.put("rtt_max_ms", v[got - 1] / 1e6);
            r.put("rtt_mean_ms", mean / 1e6);
            r.put("rtt_sd_ms", Math.sqrt(var) / 1e6);
        }
        return r;
    }

    /** {@code count} datagrams of {@code size} bytes at {@code pps}, then the reflector's count of them: the loss of one direction. */
    static Map<String, Object> udpLoss(InetSocketAddress to, int count, int pps, int size) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(to);
            s.setSoTimeout(300);
            if (query(s, 'R', 'r') == null) {
                throw new IllegalStateException("the reflector did not answer a reset");
            }
            long interval = 1_000_000_000L / pps;
            long next = System.nanoTime();
            byte[] b = new byte[Math.max(1, size)];
            b[0] = 'L';
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                s.send(new DatagramPacket(b, b.length));
                next += interval;
                pace(next);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(300); // the last ones are still in the delay line
            ByteBuffer a = query(s, 'Q', 'A');
            if (a == null) {
                throw new IllegalStateException("the reflector did not answer the count query");
            }
            long received = a.getLong(1);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sent", count);
            r.put("received", received);
            r.put("loss_percent", 100.0 * (count - received) / count);
            r.put("pps", count / secs);
            return r;
        }
    }

    /** Datagrams as fast as this thread sends them for {@code seconds}: what the path delivers is its packet-rate ceiling. */
    static Map<String, Object> flood(InetSocketAddress to, double seconds, int size) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(to);
            s.setSoTimeout(300);
            s.setSendBufferSize(4 << 20);
            if (query(s, 'R', 'r') == null) {
                throw new IllegalStateException("the reflector did not answer a reset");
            }
            byte[] b = new byte[size];
            b[0] = 'L';
            DatagramPacket p = new DatagramPacket(b, b.length);
            long sent = 0;
            long t0 = System.nanoTime();
            long end = t0 + Math.round(seconds * 1e9);
            while (System.nanoTime() < end) {
                s.send(p);
                sent++;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(300);
            ByteBuffer a = query(s, 'Q', 'A');
            long received = a == null ? -1 : a.getLong(1);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sent", sent);
            r.put("received", received);
            r.put("offered_pps", sent / secs);
            r.put("delivered_pps", received / secs);
            return r;
        }
    }

    /** Sends {@code kind} until an answer starting with {@code answer} arrives (at most 20 tries: the query can be lost too). */
    private static ByteBuffer query(DatagramSocket s, char kind, char answer) throws Exception {
        byte[] buf = new byte[64];
        for (int i = 0; i < 20; i++) {
            s.send(new DatagramPacket(new byte[] {(byte) kind}, 1));
            long until = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < until) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                if (buf[0] == answer) {
                    return ByteBuffer.wrap(buf.clone());
                }
            }
        }
        return null;
    }

    /** Waits until {@code deadline} (nanoTime): parks for the bulk, spins the last 100 us. */
    private static void pace(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            if (left > 100_000) {
                LockSupport.parkNanos(left - 100_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
