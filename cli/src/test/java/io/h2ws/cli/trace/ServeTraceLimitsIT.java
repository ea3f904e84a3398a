package io.h2ws.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/** {@code serve --trace} held to a size with rotation, and sampled, in the packaged jar's own process. */
class ServeTraceLimitsIT {

    @TempDir
    Path dir;

    @Test
    @DisplayName("serve --trace-max-size 16k --trace-keep 2 --trace-sample 2: three files of about 16 KiB that read on their own, holding some sockets but not all")
    void rotatedAndSampled() throws Exception {
        Path trace = dir.resolve("serve.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process serve = new ProcessBuilder(java, "-jar", "target/h2ws.jar", "serve", "--port", "0", "--no-tls", "--trace", trace.toString(),
                "--trace-max-size", "16k", "--trace-keep", "2", "--trace-sample", "2").redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            Matcher m = Pattern.compile("listening http://127\\.0\\.0\\.1:(\\d+) ").matcher(line == null ? "" : line);
            assertTrue(m.find(), "serve printed its port: " + line);
            URI echo = URI.create("ws://127.0.0.1:" + m.group(1) + "/echo");
            int h2Sockets = 20;
            int h1Sockets = 10;
            int messages = 20;
            CountDownLatch echoes = new CountDownLatch((h2Sockets + h1Sockets) * messages);
            try (H2wsClient client = H2wsClient.create()) {
                List<H2wsSocket> sockets = new ArrayList<>();
                for (int i = 0; i < h2Sockets + h1Sockets; i++) {
                    sockets.add(client.newWebSocketBuilder().transport(i < h2Sockets ? Transport.H2 : Transport.H1)
                            .buildH2ws(echo, new WebSocket.Listener() {
                                @Override
                                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                                    ws.request(1);
                                    echoes.countDown();
                                    return null;
                                }
                            }).get(30, TimeUnit.SECONDS));
                }
                String text = "x".repeat(100);
                for (int k = 0; k < messages; k++) {
                    List<CompletableFuture<?>> sends = new ArrayList<>();
                    for (H2wsSocket s : sockets) {
                        sends.add(s.sendText(text, true));
                    }
                    CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
                }
                assertTrue(echoes.await(60, TimeUnit.SECONDS), "every echo arrived");
                List<CompletableFuture<?>> closes = new ArrayList<>();
                for (H2wsSocket s : sockets) {
                    closes.add(s.sendClose(1000, "done"));
                }
                CompletableFuture.allOf(closes.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            }
            // the server traces the closes as it finishes them: wait (bounded) until the newest file has them
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (closedSockets(trace) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stopped");
        }

        assertTrue(Files.exists(trace.resolveSibling("serve.jsonl.1")) && Files.exists(trace.resolveSibling("serve.jsonl.2")), "rotated files");
        assertFalse(Files.exists(trace.resolveSibling("serve.jsonl.3")), "no more than --trace-keep 2 rotated files");
        List<Long> parts = new ArrayList<>();
        Set<String> socketsSeen = new HashSet<>();
        for (String name : new String[] {"serve.jsonl.2", "serve.jsonl.1", "serve.jsonl"}) {
            Path p = trace.resolveSibling(name);
            List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
            long last = lines.get(lines.size() - 1).getBytes(StandardCharsets.UTF_8).length + 1;
            assertTrue(Files.size(p) - last < 16 * 1024, name + ": " + Files.size(p) + " bytes");
            TraceFile f = TraceFile.read(p); // each part reads on its own
            parts.add((Long) f.header.get("part"));
            for (Map<String, Object> e : f.events) {
                if ("socket".equals(e.get("ev"))) {
                    socketsSeen.add(e.get("conn") + "#" + e.get("stream"));
                }
            }
        }
        assertEquals(parts.get(0) + 1, parts.get(1), "consecutive parts " + parts);
        assertEquals(parts.get(1) + 1, parts.get(2), "consecutive parts " + parts);
        assertTrue(parts.get(2) >= 3, "rotated more than kept: part " + parts.get(2));
        // 30 sockets, each kept with chance 1/2: none or all has a chance of 2 in 2^30
        assertTrue(!socketsSeen.isEmpty() && socketsSeen.size() < 30, "sampled sockets: " + socketsSeen);

        Object[] sum = TraceCommandTest.run(null, "trace", "summarize", trace.resolveSibling("serve.jsonl.1").toString());
        assertEquals(0, sum[0], sum[2].toString());
        assertTrue(sum[1].toString().contains("of a rotated trace") && sum[1].toString().contains("the header of its first file"), sum[1].toString());
    }

    /** Socket "closed" events in the trace's files (a file being rotated counts 0). */
    private static long closedSockets(Path trace) {
        long n = 0;
        for (String name : new String[] {"serve.jsonl.2", "serve.jsonl.1", "serve.jsonl"}) {
            try {
                n += Files.readAllLines(trace.resolveSibling(name), StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("\"what\":\"closed\"")).count();
            } catch (Exception e) {
                // not there yet, or moved under us
            }
        }
        return n;
    }
}
