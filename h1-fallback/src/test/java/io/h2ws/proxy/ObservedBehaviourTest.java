package io.h2ws.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.MetaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frame-level evidence of what each proxy does with an RFC 8441 tunnel, from a bare HTTP/2
 * client: the front end's SETTINGS (stream window, ENABLE_CONNECT_PROTOCOL), the 200's fields,
 * how the tunnel's stream ends after a clean close started by either side, and how many backend
 * connections a few WebSockets take. Each row is printed and appended to
 * {@code target/proxies-observed.txt}; spec-notes/proxies.md records the results.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ObservedBehaviourTest {

    /** How a tunnel may end cleanly: END_STREAM (Jetty), RST_STREAM(NO_ERROR) (nghttpx), RST_STREAM(CANCEL) (HAProxy). */
    static final Set<String> CLEAN_ENDS = Set.of("empty DATA END_STREAM", "DATA END_STREAM", "RST_STREAM(no_error)",
            "RST_STREAM(cancel_stream_error)");

    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void directToOurServer() throws Exception {
        observe("direct (Jetty, no proxy) h2c", fx.server.port(), false, -1);
        observe("direct (Jetty, no proxy) TLS", fx.server.tlsPort(), true, -1);
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void throughProxy(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        assumeTrue(kind.installed(), kind.missing());
        // a proxy of its own so that its backend connections can be counted
        Proxy p = fx.freshProxy(kind, backend);
        observe(Proxy.label(kind, tls, backend), tls ? p.tlsPort : p.plainPort, tls, fx.server.port());
        p.close();
    }

    /** The frames after the 200, e.g. [DATA 4, DATA 0 END_STREAM]. */
    static String after200(WireProbe.Tunnel t) {
        List<String> f = new ArrayList<>(t.frames);
        return f.subList(Math.min(1, f.size()), f.size()).toString();
    }

    private void observe(String label, int port, boolean tls, int backendPort) throws Exception {
        List<String> row = new ArrayList<>();
        try (WireProbe probe = new WireProbe(port, tls, ProxyFixture.CERT)) {
            assertTrue(probe.enablesConnectProtocol(), label + ": SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 " + probe.settings.get());
            row.add("stream window " + probe.initialWindow());
            row.add("settings " + probe.settings.get());

            // client-initiated clean close: Close frame with END_STREAM
            WireProbe.Tunnel a = probe.open("/ctl", "websocket");
            MetaData.Response ok = a.response.get(10, TimeUnit.SECONDS);
            assertEquals(200, ok.getStatus(), label + " " + a.frames);
            row.add("200 fields " + WireProbe.names(ok.getHttpFields()));
            probe.send(a, WireProbe.text("hi"), false);
            probe.send(a, WireProbe.close(1000, ""), true);
            String endA = a.end.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(1, 8), WireProbe.opcodes(a.received()), label + ": echo then Close " + a.frames);
            assertTrue(CLEAN_ENDS.contains(endA), label + ": " + endA);
            Thread.sleep(300); // anything after the end (e.g. a RST_STREAM after END_STREAM)?
            row.add("client-initiated close ends with " + endA + " " + after200(a));

            // server-initiated clean close: the server's Close, then ours with END_STREAM
            WireProbe.Tunnel b = probe.open("/ctl", "websocket");
            assertEquals(200, b.response.get(10, TimeUnit.SECONDS).getStatus());
            probe.send(b, WireProbe.text("close 4002 bye"), false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!WireProbe.opcodes(b.received()).contains(8) && System.nanoTime() < deadline && !b.end.isDone()) {
                Thread.sleep(10);
            }
            assertEquals(List.of(8), WireProbe.opcodes(b.received()), label + " " + b.frames);
            Thread.sleep(100);
            String early = b.end.isDone() ? b.end.getNow(null) : null;
            if (!b.frames.stream().anyMatch(f -> f.startsWith("RST_STREAM"))) {
                probe.send(b, WireProbe.close(4002, ""), true); // our Close reply, ending our half
            }
            String endB = b.end.get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
            assertTrue(CLEAN_ENDS.contains(endB), label + ": " + endB);
            row.add("server-initiated close ends with " + endB + (early != null ? " (before our Close reply)" : "") + " " + after200(b));

            // the backend drops the WebSocket without a Close (TCP close on HTTP/1.1, RST_STREAM(CANCEL) on HTTP/2)
            WireProbe.Tunnel c = probe.open("/ctl", "websocket");
            assertEquals(200, c.response.get(10, TimeUnit.SECONDS).getStatus());
            probe.send(c, WireProbe.text("abort"), false);
            String endC = c.end.get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
            row.add("backend abort ends with " + endC + " " + after200(c));

            // who answers :protocol h2ws-message (the message mapping), and how
            WireProbe.Tunnel m = probe.open("/ctl", "h2ws-message");
            String mEnd = m.end.isDone() ? m.end.getNow(null) : null;
            if (m.response.isDone() && !m.response.isCompletedExceptionally()) {
                MetaData.Response mr = m.response.get();
                if (mr.getStatus() != 200) {
                    m.end.get(10, TimeUnit.SECONDS);
                }
                String body = new String(m.received(), java.nio.charset.StandardCharsets.UTF_8).trim();
                row.add("h2ws-message -> " + mr.getStatus() + " " + mr.getHttpFields().stream()
                        .filter(f -> !f.getLowerCaseName().equals("date")).map(f -> f.getLowerCaseName() + ": " + f.getValue()).toList()
                        + (mr.getStatus() == 200 ? "" : " body '" + body.substring(0, Math.min(80, body.length())) + "'"));
                if (mr.getStatus() == 200) {
                    probe.send(m, new byte[0], true);
                }
            } else {
                row.add("h2ws-message -> " + m.frames + " " + mEnd);
            }

            // backend connections for 5 open WebSockets
            if (backendPort > 0) {
                int before = WireProbe.establishedTo(backendPort);
                List<WireProbe.Tunnel> open = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    WireProbe.Tunnel t = probe.open("/echo", "websocket");
                    assertEquals(200, t.response.get(10, TimeUnit.SECONDS).getStatus());
                    probe.send(t, WireProbe.text("n" + i), false);
                    open.add(t);
                }
                Thread.sleep(200);
                int after = WireProbe.establishedTo(backendPort);
                row.add("backend connections: " + before + " before, " + after + " with 5 WebSockets open");
                for (WireProbe.Tunnel t : open) {
                    probe.send(t, WireProbe.close(1000, ""), true);
                }
                // and 5 WebSockets each on a client connection of its own
                Thread.sleep(300);
                int before2 = WireProbe.establishedTo(backendPort);
                List<WireProbe> probes = new ArrayList<>();
                try {
                    for (int i = 0; i < 5; i++) {
                        WireProbe own = new WireProbe(port, tls, ProxyFixture.CERT);
                        probes.add(own);
                        WireProbe.Tunnel t = own.open("/echo", "websocket");
                        assertEquals(200, t.response.get(10, TimeUnit.SECONDS).getStatus());
                        own.send(t, WireProbe.text("c" + i), false);
                    }
                    Thread.sleep(200);
                    row.add("5 client connections: " + before2 + " -> " + WireProbe.establishedTo(backendPort));
                } finally {
                    for (WireProbe own : probes) {
                        own.close();
                    }
                }
            }
        }
        String line = label + " | " + String.join(" | ", row);
        System.out.println("OBSERVED " + line);
        Path out = Path.of("target", "proxies-observed.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
