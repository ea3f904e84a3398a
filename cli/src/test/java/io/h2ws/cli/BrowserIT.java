package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo page in a real browser: Debian's headless Chromium against {@code serve}. Skipped,
 * with how to install it, where Chromium is absent; CI installs it.
 */
class BrowserIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static Process serve;
    static int port;
    static int tlsPort;
    static final BlockingQueue<String> serveErr = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startServe() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "Chromium not installed: apt-get install chromium (CI installs it)");
        serve = new ProcessBuilder(CliIT.javaBin(), "-jar", CliIT.JAR.toString(), "serve", "--port", "0", "--tls-port", "0").start();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    serveErr.add(line);
                }
            } catch (Exception ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        Pattern p = Pattern.compile("listening (https?)://127\\.0\\.0\\.1:(\\d+)");
        for (int i = 0; i < 3 && (port == 0 || tlsPort == 0); i++) {
            String line = out.readLine();
            Matcher m = p.matcher(line == null ? "" : line);
            if (m.find()) {
                if (m.group(1).equals("http")) {
                    port = Integer.parseInt(m.group(2));
                } else {
                    tlsPort = Integer.parseInt(m.group(2));
                }
            }
        }
        assertTrue(port > 0 && tlsPort > 0);
    }

    @AfterAll
    static void stopServe() throws Exception {
        if (serve != null) {
            serve.destroyForcibly();
            serve.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String chromium(Path profile, String url, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--ignore-certificate-errors", "--virtual-time-budget=15000"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium finished");
        return dom;
    }

    /**
     * The page's DOM once its WebSocket has echoed. Headless Chromium's virtual-time budget does
     * not wait for the network, so on a loaded machine the DOM can be dumped before the echo: a
     * fresh browser is tried up to three times before the test fails.
     */
    static String echoedDom(Path profile, String url) throws Exception {
        String dom = "";
        for (int attempt = 0; attempt < 3 && !dom.contains("echo: autosend"); attempt++) {
            dom = chromium(profile.resolve("attempt" + attempt), url, "--dump-dom");
        }
        return dom;
    }

    @Test
    @DisplayName("Chromium over TLS: the page comes over h2, its WebSocket uses RFC 8441 on the same connection with permessage-deflate, and echoes")
    void overTls(@TempDir Path profile) throws Exception {
        serveErr.clear();
        String dom = echoedDom(profile, "https://127.0.0.1:" + tlsPort + "/?autosend");
        assertTrue(dom.contains("echo: autosend"), "the page's WebSocket echoed: " + dom);
        assertTrue(dom.contains("\"transport\":\"h2\""), "the server told the page it used HTTP/2: " + dom);
        // RFC 7692 over RFC 8441: Chromium offers permessage-deflate in the extended CONNECT too
        assertTrue(dom.contains("\"compressed\":true"), "the server negotiated permessage-deflate over h2: " + dom);
        assertTrue(serveErr.stream().anyMatch(l -> l.contains("accepted h2 socket")), "server log: " + serveErr);
        // a screenshot for the README
        Path shot = Path.of("target/demo-page.png");
        chromium(profile.resolve("shot"), "https://127.0.0.1:" + tlsPort + "/?autosend",
                "--screenshot=" + shot.toAbsolutePath(), "--window-size=900,520", "--hide-scrollbars");
        assertTrue(Files.size(shot) > 1000, "screenshot written");
    }

    @Test
    @DisplayName("Chromium over cleartext HTTP/1.1: the page's WebSocket uses the Upgrade handshake with permessage-deflate, and echoes")
    void overCleartext(@TempDir Path profile) throws Exception {
        String dom = echoedDom(profile, "http://127.0.0.1:" + port + "/?autosend");
        assertTrue(dom.contains("echo: autosend"), dom);
        assertTrue(dom.contains("\"transport\":\"h1\""), dom);
        // RFC 7692 section 5 over RFC 6455: Chromium offers permessage-deflate; client_max_window_bits
        assertTrue(dom.contains("\"compressed\":true"), "the server negotiated permessage-deflate over h1: " + dom);
    }
}
