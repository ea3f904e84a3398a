package io.h2ws.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/**
 * Server-only heap per idle socket: the h2ws echo server runs in its own JVM
 * ({@link EchoServers}, h2ws kind); this JVM opens {@code n} idle sockets per transport (after
 * one echo each, so every socket has done its first message) and reads the server's heap after
 * a full GC with {@code jcmd <pid> GC.heap_info}, before and after. HTTP/2: 1,000 sockets per
 * connection (the server's default stream limit is 1,024).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.IdleSocketHeap [n]}
 */
public final class IdleSocketHeap {

    private IdleSocketHeap() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        System.out.printf("%-4s %8s %16s %16s%n", "tr", "sockets", "server heap KiB", "B per socket");
        for (Transport t : List.of(Transport.H1, Transport.H2)) {
            try (ServerProcess server = ServerProcess.start("h2ws"); H2wsClient client = H2wsClient.create()) {
                long pid = server.pid();
                URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
                warm(client, uri, t);
                long before = heapAfterGc(pid);
                histogram(pid, "/tmp/histo-before-" + t + ".txt");
                List<H2wsSocket> open = new ArrayList<>();
                List<CompletableFuture<H2wsSocket>> pending = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    pending.add(client.newWebSocketBuilder().transport(t).buildH2ws(uri, new Quiet()));
                    if (pending.size() == 200) {
                        for (CompletableFuture<H2wsSocket> f : pending) {
                            open.add(f.get(30, TimeUnit.SECONDS));
                        }
                        pending.clear();
                    }
                }
                for (CompletableFuture<H2wsSocket> f : pending) {
                    open.add(f.get(30, TimeUnit.SECONDS));
                }
                for (H2wsSocket s : open) {
                    s.sendText("x", true);
                }
                Thread.sleep(1_000);
                long after = heapAfterGc(pid);
                histogram(pid, "/tmp/histo-" + t + ".txt");
                System.out.printf("%-4s %8d %16d %16.0f%n", t.name().toLowerCase(), n, (after - before) >> 10,
                        (after - before) / (double) n);
                for (H2wsSocket s : open) {
                    s.abort();
                }
            }
        }
    }

    private static void warm(H2wsClient client, URI uri, Transport t) throws Exception {
        for (int i = 0; i < 50; i++) {
            H2wsSocket s = client.newWebSocketBuilder().transport(t).buildH2ws(uri, new Quiet()).get(10, TimeUnit.SECONDS);
            s.sendText("warm", true);
            s.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(500);
    }

    /** With {@code -Dh2ws.bench.histogram=true}, the server's class histogram into {@code file} (to diff). */
    private static void histogram(long pid, String file) throws Exception {
        if (Boolean.getBoolean("h2ws.bench.histogram")) {
            String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
                    .redirectOutput(new java.io.File(file)).start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** Used heap of {@code pid} in bytes after {@code jcmd GC.run}, from {@code GC.heap_info}. */
    static long heapAfterGc(long pid) throws Exception {
        String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        for (int i = 0; i < 2; i++) {
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        }
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        long used = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            java.util.regex.Pattern used1 = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K");
            while ((line = r.readLine()) != null) {
                java.util.regex.Matcher m = used1.matcher(line);
                if (m.find() && used < 0) {
                    used = Long.parseLong(m.group(2)) * 1024; // the first "total/used" line is the whole heap (G1)
                }
            }
        }
        p.waitFor(30, TimeUnit.SECONDS);
        return used;
    }

    /** Reads whatever comes, sends nothing. */
    static final class Quiet implements WebSocket.Listener {
    }
}
