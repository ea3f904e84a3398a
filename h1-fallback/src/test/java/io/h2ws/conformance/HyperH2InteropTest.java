package io.h2ws.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * RFC 8441 interop with hyper-h2 (Python's {@code h2}, Debian python3-h2) in its default
 * configuration, which sends SETTINGS_ENABLE_CONNECT_PROTOCOL = 0: it opens a WebSocket with an
 * extended CONNECT, echoes a text message and closes, over h2c (prior knowledge) and over TLS
 * with ALPN h2. The client is {@code hyper_h2_websocket.py} next to this class. Skipped when no
 * python3 with the module is found ({@code .ci/install-python-h2.sh} installs it).
 */
class HyperH2InteropTest {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    static String python;
    static Path script;
    static H2wsServer server;
    static final BlockingQueue<WebSocket> serverSockets = new LinkedBlockingQueue<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        python = io.h2ws.conformance.PythonWithModule.find("h2.connection");
        Assumptions.assumeTrue(python != null,
                "skipped: no python3 with the 'h2' (hyper-h2) module (run .ci/install-python-h2.sh)");
        try (InputStream in = HyperH2InteropTest.class.getResourceAsStream("hyper_h2_websocket.py")) {
            assertNotNull(in, "hyper_h2_websocket.py on the test class path");
            script = Files.write(dir.resolve("hyper_h2_websocket.py"), in.readAllBytes());
        }
        server = H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(() -> new EchoListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        serverSockets.add(ws);
                        super.onOpen(ws);
                    }
                }).build())
                .build().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(2));
        }
    }

    /** Runs the client (at most 30 s) and returns its output lines. */
    static List<String> runClient(int port, String mode, String message) throws Exception {
        Path out = Files.createTempFile(dir, "hyper-h2-", ".out");
        Process p = new ProcessBuilder(python, script.toString(), "127.0.0.1", String.valueOf(port), mode, "/echo", message)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(30, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertTrue(finished, "hyper-h2 client still running after 30 s: " + lines);
        assertEquals(0, p.exitValue(), "hyper-h2 client: " + lines);
        return lines;
    }

    void check(int port, String mode) throws Exception {
        serverSockets.clear();
        String message = "hello from hyper-h2 over " + mode;
        long t0 = System.nanoTime();
        List<String> out = runClient(port, mode, message);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(out.contains("CLIENT_ENABLE_CONNECT_PROTOCOL 0"), "hyper-h2's default sends 0: " + out);
        assertTrue(out.contains("SERVER_ENABLE_CONNECT_PROTOCOL 1"), out.toString());
        assertTrue(out.contains("STATUS 200"), out.toString());
        assertTrue(out.contains("ECHO " + message), out.toString());
        assertTrue(out.contains("CLOSE 1000"), out.toString());
        assertTrue(out.contains("DONE"), out.toString());
        WebSocket s = serverSockets.poll(5, TimeUnit.SECONDS);
        assertNotNull(s, "server socket");
        assertEquals(Transport.H2, ((H2wsSocket) s).transport());
        System.out.printf("[interop] hyper-h2 %s: extended CONNECT, echo and close in %d ms (python start included)%n", mode, ms);
    }

    @Test
    @DisplayName("RFC 8441 over h2c (prior knowledge): hyper-h2 with default settings (ENABLE_CONNECT_PROTOCOL=0) opens, echoes, closes")
    void hyperH2OverH2c() throws Exception {
        check(server.port(), "h2c");
    }

    @Test
    @DisplayName("RFC 8441 over TLS with ALPN h2: hyper-h2 with default settings (ENABLE_CONNECT_PROTOCOL=0) opens, echoes, closes")
    void hyperH2OverTls() throws Exception {
        check(server.tlsPort(), "tls");
    }
}
