package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import io.h2ws.internal.h1.H1UpgradeHandler;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;

/** The h2ws command run as a user runs it: the packaged jar in its own process, real ports. */
class CliIT {

    static final Path JAR = Path.of("target/h2ws.jar");
    static Process serve;
    static int port;
    static int tlsPort;
    static final BlockingQueue<String> serveOut = new LinkedBlockingQueue<>();

    static Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @BeforeAll
    static void startServe() throws Exception {
        assertTrue(Files.exists(JAR), "package the cli first: " + JAR.toAbsolutePath());
        // with the HTTP/2 keepalive on (its PINGs start only after 30 s, beyond these tests)
        serve = start("serve", "--port", "0", "--tls-port", "0", "--h2-ping-interval", "30", "--h2-ping-timeout", "10");
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    serveOut.add(line);
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        Pattern p = Pattern.compile("listening (https?)://127\\.0\\.0\\.1:(\\d+) \\((.*)\\)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((port == 0 || tlsPort == 0) && System.nanoTime() < deadline) {
            String line = serveOut.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            Matcher m = p.matcher(line);
            if (m.find()) {
                if (m.group(1).equals("http")) {
                    assertEquals("http/1.1, h2c", m.group(3));
                    port = Integer.parseInt(m.group(2));
                } else {
                    assertEquals("h2, http/1.1", m.group(3));
                    tlsPort = Integer.parseInt(m.group(2));
                }
            }
        }
        assertTrue(port > 0 && tlsPort > 0, "serve printed its ports");
    }

    @AfterAll
    static void stopServe() throws Exception {
        if (serve != null && serve.isAlive()) {
            serve.destroyForcibly();
            serve.waitFor(10, TimeUnit.SECONDS);
        }
    }

    record Run(int exit, String out, String err) {}

    static Run connect(String stdin, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("connect"));
        a.addAll(List.of(args));
        Process p = start(a.toArray(new String[0]));
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "connect finished");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("serve + connect over HTTP/1.1, h2c, the message mapping and AUTO, each echoing and closing cleanly")
    void connectEachTransport() throws Exception {
        String url = "ws://127.0.0.1:" + port + "/echo";
        String[][] cases = {{"h1", "HTTP/1.1, mapping rfc6455"}, {"h2", "HTTP/2, mapping rfc6455"}, {"h2msg", "HTTP/2, mapping h2-message"}, {"auto", "HTTP/2, mapping rfc6455"}};
        for (String[] c : cases) {
            Run r = connect("hello " + c[0] + "\nsecond line\n", url, "--transport", c[0]);
            assertEquals(0, r.exit(), c[0] + ": " + r.err());
            assertEquals("hello " + c[0] + "\nsecond line\n", r.out(), c[0]);
            assertTrue(r.err().contains("over " + c[1]), c[0] + ": " + r.err());
            assertTrue(r.err().contains("closed: 1000"), c[0] + ": " + r.err());
        }
    }

    @Test
    @DisplayName("connect over TLS: ALPN h2 with AUTO, and HTTP/1.1 over TLS when asked")
    void connectTls() throws Exception {
        String url = "wss://127.0.0.1:" + tlsPort + "/echo";
        Run auto = connect("over tls\n", url, "--insecure");
        assertEquals(0, auto.exit(), auto.err());
        assertEquals("over tls\n", auto.out());
        assertTrue(auto.err().contains("over HTTP/2 with TLS"), auto.err());
        Run h1 = connect("tls h1\n", url, "--insecure", "--transport", "h1");
        assertEquals(0, h1.exit(), h1.err());
        assertTrue(h1.err().contains("over HTTP/1.1 with TLS"), h1.err());
        for (String t : new String[] {"auto", "h1", "h2"}) {
            Run untrusted = connect("x\n", url, "--transport", t);
            assertEquals(1, untrusted.exit(), "a self-signed certificate is refused without --insecure");
            assertTrue(untrusted.err().contains("cannot connect"), untrusted.err());
            // the cause in words, and both ways past it
            assertTrue(untrusted.err().contains("certificate is not trusted (self-signed"), t + ": " + untrusted.err());
            assertTrue(untrusted.err().contains("--cacert FILE") && untrusted.err().contains("--insecure"), t + ": " + untrusted.err());
        }
    }

    @Test
    @DisplayName("connect --cacert FILE trusts the PEM certificate in FILE, over HTTP/2 and HTTP/1.1; a file without one is a usage error")
    void connectCacert(@TempDir Path dir) throws Exception {
        // the serve process's self-signed certificate, as a user would save it from the server
        javax.net.ssl.SSLContext any = javax.net.ssl.SSLContext.getInstance("TLS");
        any.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        java.security.cert.Certificate cert;
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            cert = s.getSession().getPeerCertificates()[0];
        }
        Path pem = dir.resolve("server.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        String url = "wss://127.0.0.1:" + tlsPort + "/echo";
        Run h2 = connect("trusted\n", url, "--cacert", pem.toString());
        assertEquals(0, h2.exit(), h2.err());
        assertEquals("trusted\n", h2.out());
        assertTrue(h2.err().contains("over HTTP/2 with TLS"), h2.err());
        Run h1 = connect("trusted\n", url, "--cacert", pem.toString(), "--transport", "h1");
        assertEquals(0, h1.exit(), h1.err());
        assertTrue(h1.err().contains("over HTTP/1.1 with TLS"), h1.err());
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        Run bad = connect("", url, "--cacert", empty.toString());
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--cacert " + empty), bad.err());
    }

    @Test
    @DisplayName("connect --transport h2 against an HTTP/1.1-only server, cleartext and TLS: says the server does not speak HTTP/2 and suggests --transport auto")
    void connectH2ToHttp11OnlyServer(@TempDir Path dir) throws Exception {
        io.h2ws.h2.internal.tls.SelfSignedCertificate cert = io.h2ws.h2.internal.tls.SelfSignedCertificate.generate();
        Path pem = dir.resolve("server.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.certificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Server server = new Server();
        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory());
        plain.setHost("127.0.0.1");
        server.addConnector(plain);
        org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        ssl.setSslContext(cert.serverContext());
        org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory alpn = new org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory("http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        ServerConnector tls = new ServerConnector(server, new org.eclipse.jetty.server.SslConnectionFactory(ssl, "alpn"), alpn, new HttpConnectionFactory());
        tls.setHost("127.0.0.1");
        server.addConnector(tls);
        Endpoints endpoints = new Endpoints().add(Endpoint.builder("/echo").listener(EchoListener::new).build());
        server.setHandler(new H1UpgradeHandler(endpoints, new OpenSockets(), null));
        server.start();
        try {
            Run[] runs = {connect("x\n", "ws://127.0.0.1:" + plain.getLocalPort() + "/echo", "--transport", "h2"),
                connect("x\n", "wss://127.0.0.1:" + tls.getLocalPort() + "/echo", "--transport", "h2", "--cacert", pem.toString())};
            for (Run r : runs) {
                assertEquals(1, r.exit(), r.err());
                assertTrue(r.err().contains("the server does not speak HTTP/2"), r.err());
                assertTrue(r.err().contains("use --transport auto"), r.err());
            }
            // the remedy works
            Run auto = connect("x\n", "wss://127.0.0.1:" + tls.getLocalPort() + "/echo", "--cacert", pem.toString());
            assertEquals(0, auto.exit(), auto.err());
            assertTrue(auto.err().contains("over HTTP/1.1 with TLS"), auto.err());
        } finally {
            server.stop();
        }
    }

    @Test
    @DisplayName("connect --transport h2msg through nghttpx: the 400 is explained as an intermediary that does not know the :protocol, with spec-notes/proxies.md and --transport h2")
    void connectMessageMappingThroughProxy(@TempDir Path dir) throws Exception {
        Path nghttpx = Path.of("/usr/sbin/nghttpx");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(nghttpx),
                "nghttpx is not installed (Debian package nghttp2-proxy); run .ci/install-proxies.sh");
        int front;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            front = s.getLocalPort();
        }
        Process proxy = new ProcessBuilder(nghttpx.toString(), "--conf=/dev/null", "--frontend=127.0.0.1," + front + ";no-tls",
                "--backend=127.0.0.1," + port + ";;proto=h2", "--workers=1", "--single-process",
                "--errorlog-file=" + dir.resolve("error.log"), "--accesslog-file=" + dir.resolve("access.log"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean listening = false;
            while (!listening && proxy.isAlive() && System.nanoTime() < deadline) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", front), 200);
                    listening = true;
                } catch (java.io.IOException e) {
                    Thread.sleep(50);
                }
            }
            assertTrue(listening, "nghttpx listens: " + Files.readString(dir.resolve("out.log")));
            String url = "ws://127.0.0.1:" + front + "/echo";
            Run r = connect("x\n", url, "--transport", "h2msg");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("HTTP 400"), r.err());
            assertTrue(r.err().contains("an intermediary (proxy) that does not know this :protocol"), r.err());
            assertTrue(r.err().contains("spec-notes/proxies.md"), r.err());
            assertTrue(r.err().contains("use --transport h2"), r.err());
            Run h2 = connect("through\n", url, "--transport", "h2");
            assertEquals(0, h2.exit(), "the remedy works: " + h2.err());
            assertEquals("through\n", h2.out());
        } finally {
            proxy.destroy();
            if (!proxy.waitFor(5, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
        }
    }

    @Test
    @DisplayName("connect reports refusals clearly: an unknown path gives the status, a closed port a clear error")
    void connectFailures() throws Exception {
        Run notFound = connect("", "ws://127.0.0.1:" + port + "/nowhere", "--transport", "h1");
        assertEquals(1, notFound.exit());
        assertTrue(notFound.err().contains("404"), notFound.err());
        Run refused = connect("", "ws://127.0.0.1:1/echo");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("cannot connect"), refused.err());
        Run bad = connect("", "http://127.0.0.1/echo");
        assertEquals(2, bad.exit());
        assertEquals(1, bad.err().strip().lines().count(), "one line: " + bad.err());
    }

    @Test
    @DisplayName("RFC 7692: connect --deflate negotiates permessage-deflate on h1, h2 and the mapping; without it, or against serve --no-deflate, (none)")
    void connectDeflate() throws Exception {
        String url = "ws://127.0.0.1:" + port + "/echo";
        String big = "{\"k\":\"value\",\"n\":1}".repeat(400); // 8 KiB on one line: compressed both ways
        for (String t : new String[] {"h1", "h2", "h2msg"}) {
            Run r = connect("small\n" + big + "\n", url, "--transport", t, "--deflate");
            assertEquals(0, r.exit(), t + ": " + r.err());
            if (!t.equals("h2msg")) {
                // the mapping drops what arrives after our Close (spec-notes/message-mapping.md), and
                // connect sends its Close at EOF without waiting for echoes: only h1/h2 must echo all
                assertEquals("small\n" + big + "\n", r.out(), t);
            }
            assertTrue(r.err().contains(", compression permessage-deflate"), t + ": " + r.err());
        }
        Run plain = connect("x\n", url, "--transport", "h1");
        assertTrue(plain.err().contains(", compression (none)"), "off unless asked: " + plain.err());

        Process s = start("serve", "--port", "0", "--no-tls", "--no-deflate");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            Matcher m = Pattern.compile(":(\\d+) ").matcher(String.valueOf(out.readLine()));
            assertTrue(m.find());
            for (String t : new String[] {"h1", "h2"}) {
                // RFC 7692 section 5: a server that does not accept the offer simply omits the extension
                Run declined = connect(big + "\n", "ws://127.0.0.1:" + m.group(1) + "/echo", "--transport", t, "--deflate");
                assertEquals(0, declined.exit(), declined.err());
                assertEquals(big + "\n", declined.out());
                assertTrue(declined.err().contains(", compression (none)"), t + ": " + declined.err());
            }
        } finally {
            s.destroyForcibly();
            s.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @DisplayName("connect with AUTO against an HTTP/1.1-only server falls back to HTTP/1.1")
    void connectToHttp11OnlyServer() throws Exception {
        Server server = new Server();
        ServerConnector c = new ServerConnector(server, new HttpConnectionFactory());
        c.setHost("127.0.0.1");
        server.addConnector(c);
        Endpoints endpoints = new Endpoints().add(Endpoint.builder("/echo").listener(EchoListener::new).build());
        server.setHandler(new H1UpgradeHandler(endpoints, new OpenSockets(), null));
        server.start();
        try {
            Run r = connect("fallback\n", "ws://127.0.0.1:" + c.getLocalPort() + "/echo");
            assertEquals(0, r.exit(), r.err());
            assertEquals("fallback\n", r.out());
            assertTrue(r.err().contains("over HTTP/1.1"), r.err());
        } finally {
            server.stop();
        }
    }

    @Test
    @DisplayName("wrong arguments: one line and exit code 2; --help works on every command")
    void usage() throws Exception {
        for (String[] args : new String[][] {{"bogus"}, {"serve", "--port", "x"}, {"compare", "--transports", "h9"}}) {
            Process p = start(args);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), String.join(" ", args) + ": " + err);
            assertEquals(1, err.strip().lines().count(), err);
        }
        for (String cmd : new String[] {"serve", "connect", "compare"}) {
            Process p = start(cmd, "--help");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            assertTrue(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("Usage: h2ws " + cmd));
        }
    }

    @Test
    @DisplayName("serve --help lists the budgets and the idle timeout with their defaults (RFC 9113 section 10.5)")
    void serveHelpListsTheBudgets() throws Exception {
        Process p = start("serve", "--help");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        for (String option : new String[] {"--idle-timeout=SECONDS Close a socket with 1001", "(default: 120)",
                "--max-sockets", "(default: 100000)", "--max-connections", "(default: 20000)", "--connection-memory=MIB",
                "the smaller of 256 MiB and an eighth of the heap", "--server-memory=MIB", "half the heap",
                "--buffer-pool-memory=MIB", "--max-accept-rate"}) {
            assertTrue(help.contains(option), option + " in: " + help);
        }
    }

    @Test
    @DisplayName("compare with a tiny configuration prints the tables and writes an HTML report that parses, with non-zero numbers")
    void compareTiny(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.html");
        Process p = start("compare", "--transports", "h1,h2,h2msg", "--sockets", "2", "--sizes", "16,1024",
                "--seconds", "0.3", "--open", "5", "--idle", "20", "--report", report.toString());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "compare finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(out.contains("Echo throughput"), out);
        Matcher rows = Pattern.compile("(?m)^(h1|h2|h2msg)\\s+(16|1024)\\s+(\\d+)\\s").matcher(out);
        int n = 0;
        while (rows.find()) {
            assertTrue(Long.parseLong(rows.group(3)) > 0, "non-zero msgs/s: " + rows.group());
            n++;
        }
        assertEquals(6, n, out);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
        assertTrue(doc.getElementsByTagName("svg").getLength() >= 3, "charts present");
        assertTrue(doc.getElementsByTagName("script").getLength() == 0, "self-contained, no scripts");
    }

    @Test
    @DisplayName("compare tears its h2msg clients down quietly: no stack trace on stderr (a stopped pool used to reject the sockets' last tasks)")
    void compareTeardownPrintsNoStackTrace(@TempDir Path dir) throws Exception {
        // 200 idle sockets closed at once, then the client: the teardown that printed Jetty's
        // RejectedExecutionException traces in two runs out of three
        Path stderr = dir.resolve("stderr.txt"); // a file: traces could fill a pipe and block compare
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "compare", "--transports", "h2,h2msg",
                "--sockets", "1,100", "--sizes", "16", "--seconds", "0.2", "--open", "50", "--idle", "200",
                "--report", dir.resolve("r.html").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "compare finished");
        String err = Files.readString(stderr);
        assertEquals(0, p.exitValue(), err);
        assertFalse(Pattern.compile("(?m)^\\s+at |Exception|WARN").matcher(err).find(), "stderr: " + err);
    }

    @Test
    @DisplayName("compare --tls: every table over TLS, and the new-client open row with the h1/h2 ratio")
    void compareTlsTiny(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.html");
        Process p = start("compare", "--tls", "--transports", "h1,h2", "--sockets", "2", "--sizes", "16",
                "--seconds", "0.3", "--open", "5", "--tls-open", "10", "--idle", "10", "--report", report.toString());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "compare finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        Matcher rows = Pattern.compile("(?m)^(h1-tls|h2-tls)\\s+16\\s+(\\d+)\\s").matcher(out);
        int n = 0;
        while (rows.find()) {
            assertTrue(Long.parseLong(rows.group(2)) > 0, "non-zero msgs/s: " + rows.group());
            n++;
        }
        assertEquals(2, n, out);
        assertTrue(Pattern.compile("(?m)^h2-tls\\s+2\\s+\\d+").matcher(out).find(), "multiplexing over TLS: " + out);
        assertTrue(out.contains("Opening sockets over TLS from a new client"), out);
        assertTrue(Pattern.compile("(?m)^h1-tls\\s+10\\s+[\\d.]+\\s+[\\d.]+$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^h1-tls / h2-tls: [\\d.]+x the time for 10 sockets$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^h2-tls\\s+\\d+ B$").matcher(out).find(), "heap per idle socket over TLS: " + out);
        assertFalse(Pattern.compile("(?m)^(h1|h2) ").matcher(out).find(), "no cleartext rows with --tls: " + out);
        assertTrue(Files.readString(report).contains("over TLS from a new client"), "report has the TLS open table");
    }

    @Test
    @DisplayName("SIGTERM: serve closes its sockets with 1001 and exits 0")
    void sigterm() throws Exception {
        Process s = start("serve", "--port", "0", "--no-tls");
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        Matcher m = Pattern.compile(":(\\d+) ").matcher(line == null ? "" : line);
        assertTrue(m.find(), line);
        Process client = start("connect", "ws://127.0.0.1:" + m.group(1) + "/echo", "--transport", "h2");
        // keep the client's stdin open so it stays connected, then stop the server
        BufferedReader clientErr = new BufferedReader(new InputStreamReader(client.getErrorStream(), StandardCharsets.UTF_8));
        String connected = clientErr.readLine();
        assertTrue(connected != null && connected.startsWith("connected"), connected);
        s.destroy(); // SIGTERM
        assertTrue(s.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, s.exitValue());
        assertTrue(client.waitFor(30, TimeUnit.SECONDS));
        String rest = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rest.contains("closed: 1001"), rest);
        assertEquals(0, client.exitValue());
    }
}
