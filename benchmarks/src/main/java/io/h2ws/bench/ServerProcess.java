package io.h2ws.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An {@link EchoServers} server in its own JVM, started from this JVM's class path, so client
 * and server never share a heap, a GC or JIT state (as the anchors were measured).
 *
 * <p>It waits for the server's {@code READY <port>} line (bounded); stopping closes the
 * server's stdin, which the server takes as the signal to exit, then waits, then kills. Should
 * this JVM die instead, the server sees EOF on stdin all the same and exits; a shutdown hook
 * kills it too.
 *
 * <p>Server JVM flags: {@code -Dh2ws.bench.serverJvm="..."} (space-separated), default
 * {@value #DEFAULT_JVM}. {@code -Dh2ws.bench.serverJvm.<kind>="..."} adds flags for servers of
 * that kind only (after the common ones), e.g. a JFR recording of one server of a pair.
 */
public final class ServerProcess implements AutoCloseable {
    public static final String DEFAULT_JVM =
            "-Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -Dorg.eclipse.jetty.LEVEL=WARN";
    private static final long READY_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final int port;
    private final String kind;
    private final Thread hook;

    private ServerProcess(String kind, Process process, int port) {
        this.kind = kind;
        this.process = process;
        this.port = port;
        this.hook = new Thread(process::destroyForcibly, "kill-" + kind + "-server");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public int port() {
        return port;
    }

    /** The server process's id (for {@code jcmd}). */
    public long pid() {
        return process.pid();
    }

    /** Forks {@code java ... io.h2ws.bench.EchoServers <kind> 0} and waits for it to listen. */
    public static ServerProcess start(String kind) throws Exception {
        return start(kind, new String[0]);
    }

    /** As {@link #start(String)}, passing {@code keyStore} (a PKCS12 file) to the TLS kinds; null for none. */
    public static ServerProcess start(String kind, Path keyStore) throws Exception {
        return start(kind, keyStore == null ? new String[0] : new String[] {keyStore.toString()});
    }

    /** As {@link #start(String)}, with {@code args} after the port (see {@link EchoServers#main}). */
    public static ServerProcess start(String kind, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String jvm = System.getProperty("h2ws.bench.serverJvm", DEFAULT_JVM).trim();
        if (!jvm.isEmpty()) {
            cmd.addAll(Arrays.asList(jvm.split("\\s+")));
        }
        String own = System.getProperty("h2ws.bench.serverJvm." + kind, "").trim();
        if (!own.isEmpty()) {
            cmd.addAll(Arrays.asList(own.split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EchoServers.class.getName());
        cmd.add(kind);
        cmd.add("0");
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!ready.isDone() && line.startsWith("READY ")) {
                        ready.complete(Integer.parseInt(line.substring(6).trim()));
                    } else {
                        System.out.println("[" + kind + " server] " + line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IOException(kind + " server exited before READY"));
        }, kind + "-server-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            int port = ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new ServerProcess(kind, p, port);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            throw new IOException("the " + kind + " server did not print READY: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // EOF on the server's stdin: it stops and exits
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    @Override
    public String toString() {
        return kind + " server pid " + process.pid() + " port " + port;
    }
}
