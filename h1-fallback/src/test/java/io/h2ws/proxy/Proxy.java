package io.h2ws.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * A real RFC 8441 intermediary run as a child process on loopback: nghttpx or HAProxy, with one
 * h2c (prior knowledge) front end and one TLS (ALPN h2) front end, in front of one of our servers
 * whose plain port speaks HTTP/1.1 and h2c. The backend leg is HTTP/1.1 (RFC 6455 Upgrade) or
 * HTTP/2 (RFC 8441 extended CONNECT). Configs, PEM files and logs go to a temp dir.
 */
final class Proxy implements AutoCloseable {

    enum Kind {
        NGHTTPX("nghttpx"), HAPROXY("haproxy");

        final String binary;

        Kind(String binary) {
            this.binary = binary;
        }

        /** The program's path, or null where it is not installed. */
        Path find() {
            // -Dh2ws.proxy.path=/nowhere shows the skip messages on a machine that has the proxies
            String path = System.getProperty("h2ws.proxy.path", System.getenv("PATH") + ":/usr/sbin:/usr/local/sbin:/sbin");
            for (String dir : path.split(":")) {
                Path p = Path.of(dir, binary);
                if (!dir.isEmpty() && Files.isExecutable(p)) {
                    return p;
                }
            }
            return null;
        }

        boolean installed() {
            return find() != null;
        }

        /** Why a test is skipped where the program is absent. */
        String missing() {
            return binary + " is not installed (Debian package " + (this == NGHTTPX ? "nghttp2-proxy" : "haproxy")
                    + "); run .ci/install-proxies.sh";
        }
    }

    /** The protocol on the proxy's backend leg. */
    enum Backend {
        H1, H2;

        String label() {
            return this == H1 ? "backend HTTP/1.1" : "backend HTTP/2";
        }
    }

    final Kind kind;
    final Backend backend;
    final int plainPort;
    final int tlsPort;
    final Path dir;
    private final Process process;

    private Proxy(Kind kind, Backend backend, int plainPort, int tlsPort, Path dir, Process process) {
        this.kind = kind;
        this.backend = backend;
        this.plainPort = plainPort;
        this.tlsPort = tlsPort;
        this.dir = dir;
        this.process = process;
    }

    /** Starts {@code kind} in front of {@code backendPort} (our server's HTTP/1.1 + h2c port) and waits until both front ends accept. */
    static Proxy start(Kind kind, Backend backend, int backendPort, SelfSignedCertificate cert) throws Exception {
        Path exe = kind.find();
        if (exe == null) {
            throw new IllegalStateException(kind.missing());
        }
        Path dir = Files.createTempDirectory("h2ws-" + kind.binary + "-");
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.certificate().getEncoded()));
        PrivateKey key = (PrivateKey) cert.keyStore().getKey(SelfSignedCertificate.ALIAS, SelfSignedCertificate.PASSWORD);
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
        Path bundle = dir.resolve("bundle.pem"); // HAProxy wants the certificate and its key in one file
        Files.writeString(bundle, Files.readString(certPem) + Files.readString(keyPem));
        int plain = freePort();
        int tls = freePort();
        while (tls == plain) {
            tls = freePort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        Path config;
        if (kind == Kind.NGHTTPX) {
            config = dir.resolve("nghttpx.conf");
            Files.writeString(config, String.join("\n",
                    "frontend=127.0.0.1," + plain + ";no-tls",
                    "frontend=127.0.0.1," + tls,
                    "backend=127.0.0.1," + backendPort + ";;proto=" + (backend == Backend.H2 ? "h2" : "http/1.1"),
                    "private-key-file=" + keyPem,
                    "certificate-file=" + certPem,
                    "workers=1",
                    "single-process=yes",
                    "no-ocsp=yes",
                    "errorlog-file=" + dir.resolve("error.log"),
                    "accesslog-file=" + dir.resolve("access.log"),
                    "pid-file=" + dir.resolve("nghttpx.pid"),
                    "frontend-read-timeout=60s",
                    "backend-read-timeout=60s",
                    "backend-connect-timeout=5s",
                    ""));
            cmd.add("--conf=" + config);
        } else {
            config = dir.resolve("haproxy.cfg");
            Files.writeString(config, String.join("\n",
                    "global",
                    "    maxconn 1000",
                    "defaults",
                    "    mode http",
                    "    timeout connect 5s",
                    "    timeout client 60s",
                    "    timeout server 60s",
                    "    timeout tunnel 60s",
                    "    timeout client-fin 2s",
                    "    timeout server-fin 2s",
                    "frontend fe",
                    "    bind 127.0.0.1:" + plain + " proto h2",
                    "    bind 127.0.0.1:" + tls + " ssl crt " + bundle + " alpn h2,http/1.1",
                    "    default_backend be",
                    "backend be",
                    "    server s1 127.0.0.1:" + backendPort + (backend == Backend.H2 ? " proto h2" : ""),
                    ""));
            cmd.add("-db"); // foreground, no daemon: one process that dies with us
            cmd.add("-f");
            cmd.add(config.toString());
        }
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Proxy proxy = new Proxy(kind, backend, plain, tls, dir, p);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        try {
            proxy.awaitListening(plain);
            proxy.awaitListening(tls);
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    private void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind.binary + " exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException(kind.binary + " did not listen on " + port + " within 10 s: " + log());
    }

    /** ws:// through the h2c front end or wss:// through the TLS front end. */
    String uri(boolean tls, String path) {
        return tls ? "wss://localhost:" + tlsPort + path : "ws://127.0.0.1:" + plainPort + path;
    }

    /** SIGKILL: the proxy vanishes mid-traffic, its sockets closed by the kernel. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The program's output and error log, for failure messages and the notes. */
    String log() {
        StringBuilder sb = new StringBuilder();
        for (String f : new String[] {"stdout.log", "error.log"}) {
            try {
                Path p = dir.resolve(f);
                if (Files.exists(p)) {
                    sb.append("\n--- ").append(f).append(" ---\n").append(Files.readString(p));
                }
            } catch (IOException ignored) {
                // best effort
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        if (!Boolean.getBoolean("h2ws.proxy.keep")) { // -Dh2ws.proxy.keep=true keeps configs and logs
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    @Override
    public String toString() {
        return kind.binary + " " + backend.label();
    }

    static String label(Kind kind, boolean tls, Backend backend) {
        return kind.binary.toLowerCase(Locale.ROOT) + (tls ? " TLS" : " h2c") + " -> " + backend.label();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String pem(String type, byte[] der) {
        Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN " + type + "-----\n" + mime.encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
