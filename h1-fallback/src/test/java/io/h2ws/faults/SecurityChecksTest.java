package io.h2ws.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.Promise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.H2wsServer;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * Security checks as tests: TLS 1.2 or newer only, an h2 connection's cipher allowed by RFC 9113
 * section 9.2.2, refusals that never echo request data (HTTP/1.1 and HTTP/2), and the origin
 * allow-list refusing a cross-site Origin with 403 on both transports.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SecurityChecksTest {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();
    static final String MARKER = "zq<script>x</script>";
    static final String MARKER_ENC = "zq%3Cscript%3Ex%3C/script%3E";
    static H2wsServer server;

    @BeforeAll
    static void start() throws Exception {
        server = H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new)
                        .originPolicy(o -> o == null || "https://app.example".equals(o)).build())
                .build().start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    // ------------------------------------------------------------------ TLS

    /** A TLS 1.0 / 1.1 ClientHello (no supported_versions extension), by hand: the JDK client no longer offers them. */
    static byte[] legacyClientHello(int minor) {
        ByteBuffer body = ByteBuffer.allocate(512);
        body.put((byte) 3).put((byte) minor);
        for (int i = 0; i < 32; i++) {
            body.put((byte) i);
        }
        body.put((byte) 0); // session id
        int[] suites = {0xc013, 0xc014, 0x002f, 0x0035, 0x000a};
        body.putShort((short) (suites.length * 2));
        for (int s : suites) {
            body.putShort((short) s);
        }
        body.put((byte) 1).put((byte) 0); // null compression
        body.putShort((short) 0); // no extensions
        body.flip();
        ByteBuffer rec = ByteBuffer.allocate(9 + body.remaining());
        rec.put((byte) 0x16).put((byte) 3).put((byte) 1).putShort((short) (4 + body.remaining()));
        rec.put((byte) 1).put((byte) 0).putShort((short) body.remaining()).put(body);
        return rec.array();
    }

    @ParameterizedTest(name = "TLS 1.{0}")
    @ValueSource(ints = {1, 2}) // record minor 1 = TLS 1.0, 2 = TLS 1.1
    @DisplayName("A client that speaks at most TLS 1.0 or 1.1 gets an alert, never a ServerHello")
    void legacyTlsIsRefused(int minor) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.tlsPort()), 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(legacyClientHello(minor));
            InputStream in = s.getInputStream();
            int type = in.read();
            assertNotEquals(0x16, type, "the server must not answer a TLS 1." + (minor - 1) + " hello with a handshake");
            if (type == 0x15) { // alert: fatal protocol_version (70) or handshake_failure (40)
                byte[] rest = in.readNBytes(6);
                assertEquals(2, rest[4], "fatal alert");
                assertTrue(rest[5] == 70 || rest[5] == 40, "alert " + rest[5]);
            } else {
                assertEquals(-1, type, "closed");
            }
        }
    }

    @Test
    @DisplayName("TLS 1.2 with ALPN h2 negotiates a cipher allowed for HTTP/2 even when the client prefers a blacklisted one")
    void tls12H2UsesAnAllowedCipher() throws Exception {
        try (SSLSocket s = (SSLSocket) CERT.clientContext().getSocketFactory().createSocket("127.0.0.1", server.tlsPort())) {
            s.setSoTimeout(5_000);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.2"});
            // blacklisted by RFC 9113 appendix A first (CBC, non-AEAD), then one allowed AEAD suite
            p.setCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
            p.setApplicationProtocols(new String[] {"h2"});
            s.setSSLParameters(p);
            s.startHandshake();
            String suite = s.getSession().getCipherSuite();
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            assertEquals("h2", s.getApplicationProtocol());
            assertFalse(HTTP2Cipher.isBlackListCipher(suite), "RFC 9113 section 9.2.2 blacklists " + suite);
        }
    }

    // ------------------------------------------------------------------ refusals do not echo

    /** A raw HTTP/1.1 request; returns the whole response (head and body). */
    static String h1(int port, String target, String... headers) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            StringBuilder req = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, close\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    all.write(buf, 0, n);
                    String sofar = all.toString(StandardCharsets.ISO_8859_1);
                    if (sofar.startsWith("HTTP/1.1 101") && sofar.contains("\r\n\r\n")) {
                        break; // a WebSocket now: nothing more comes unasked
                    }
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException enough) {
                // what came is what we check
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The refusals, each carrying the marker where the rule reads it. */
    static final Object[][] REFUSALS = {
        {404, "/" + MARKER_ENC, new String[] {"Sec-WebSocket-Version: 13", "X-Marker: " + MARKER}},
        {426, "/echo", new String[] {"Sec-WebSocket-Version: " + MARKER}},
        {403, "/echo", new String[] {"Sec-WebSocket-Version: 13", "Origin: https://" + MARKER}},
        {400, "/echo", new String[] {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Extensions: permessage-deflate; " + MARKER}},
        {400, "/echo", new String[] {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: a, " + MARKER}},
    };

    @Test
    @DisplayName("HTTP/1.1 refusals (404, 426, 403, 400) never echo the path or header values")
    void h1RefusalsDoNotEcho() throws Exception {
        for (Object[] r : REFUSALS) {
            String resp = h1(server.port(), (String) r[1], (String[]) r[2]);
            assertTrue(resp.startsWith("HTTP/1.1 " + r[0]), r[1] + " " + String.join("|", (String[]) r[2]) + " -> " + resp);
            assertFalse(resp.contains("zq") || resp.contains("script"), "echoed request data: " + resp);
        }
    }

    @Test
    @DisplayName("HTTP/2 refusals (404, 426, 403, 400) never echo the path or header values")
    void h2RefusalsDoNotEcho() throws Exception {
        HTTP2Client h2 = new HTTP2Client();
        h2.start();
        try {
            CompletableFuture<Session> sf = new CompletableFuture<>();
            h2.connect(new InetSocketAddress("127.0.0.1", server.port()), new Session.Listener() {}, Promise.from(sf));
            Session session = sf.get(5, TimeUnit.SECONDS);
            for (Object[] r : REFUSALS) {
                HttpFields.Mutable fields = HttpFields.build();
                for (String h : (String[]) r[2]) {
                    int colon = h.indexOf(':');
                    fields.add(h.substring(0, colon).toLowerCase(java.util.Locale.ROOT), h.substring(colon + 1).trim());
                }
                String[] answer = h2Request(session, (String) r[1], fields, "websocket");
                assertEquals(String.valueOf(r[0]), answer[0], String.valueOf(r[1]));
                assertFalse(answer[1].contains("zq") || answer[1].contains("script"), "echoed request data: " + answer[1]);
            }
            // RFC 8441: an unknown :protocol gets 501, which must not quote it either
            String[] answer = h2Request(session, "/echo", HttpFields.build().put("sec-websocket-version", "13"), MARKER);
            assertEquals("501", answer[0]);
            assertFalse(answer[1].contains("zq") || answer[1].contains("script"), "echoed request data: " + answer[1]);
        } finally {
            h2.stop();
        }
    }

    /** An extended CONNECT on {@code session}; returns the status and the body. */
    private String[] h2Request(Session session, String path, HttpFields.Mutable fields, String protocol) throws Exception {
        MetaData.ConnectRequest req = new MetaData.ConnectRequest(HttpScheme.HTTP,
                new HostPortHttpField("127.0.0.1:" + server.port()), path, fields, protocol);
        CompletableFuture<Integer> status = new CompletableFuture<>();
        CompletableFuture<String> body = new CompletableFuture<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        session.newStream(new HeadersFrame(req, null, false), Promise.from(st -> { }, x -> { }), new Stream.Listener() {
            @Override
            public void onHeaders(Stream stream, HeadersFrame frame) {
                status.complete(((MetaData.Response) frame.getMetaData()).getStatus());
                if (frame.isEndStream()) {
                    body.complete("");
                } else {
                    stream.demand();
                }
            }

            @Override
            public void onDataAvailable(Stream stream) {
                Stream.Data d = stream.readData();
                if (d != null) {
                    ByteBuffer b = d.frame().getByteBuffer();
                    byte[] a = new byte[b.remaining()];
                    b.get(a);
                    bytes.writeBytes(a);
                    boolean end = d.frame().isEndStream();
                    d.release();
                    if (end) {
                        body.complete(bytes.toString(StandardCharsets.UTF_8));
                        return;
                    }
                }
                stream.demand();
            }
        });
        return new String[] {String.valueOf(status.get(5, TimeUnit.SECONDS)), body.get(5, TimeUnit.SECONDS)};
    }

    // ------------------------------------------------------------------ origin allow-list

    @Test
    @DisplayName("The origin allow-list: a cross-site Origin gets 403 on HTTP/1.1 and HTTP/2, the allowed one 101/200")
    void crossSiteOriginRefusedOnBothTransports() throws Exception {
        String refused = h1(server.port(), "/echo", "Sec-WebSocket-Version: 13", "Origin: https://evil.example");
        assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
        String allowed = h1(server.port(), "/echo", "Sec-WebSocket-Version: 13", "Origin: https://app.example");
        assertTrue(allowed.startsWith("HTTP/1.1 101"), allowed);
        try (io.h2ws.H2wsClient client = io.h2ws.H2wsClient.create()) {
            java.net.URI uri = java.net.URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> withOrigin(client, "https://evil.example").buildH2ws(uri, new io.h2ws.testing.Recorder()).get(10, TimeUnit.SECONDS));
            assertEquals(403, ((io.h2ws.client.HandshakeFailedException) e.getCause()).status(), String.valueOf(e.getCause()));
            io.h2ws.testing.Recorder rec = new io.h2ws.testing.Recorder();
            io.h2ws.socket.H2wsSocket ok = withOrigin(client, "https://app.example").buildH2ws(uri, rec).get(10, TimeUnit.SECONDS);
            assertEquals(io.h2ws.socket.Transport.H2, ok.transport());
            ok.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            rec.awaitTerminal();
        }
    }

    private static io.h2ws.client.ClientBuilder withOrigin(io.h2ws.H2wsClient client, String origin) {
        io.h2ws.client.ClientBuilder b = client.newWebSocketBuilder().transport(io.h2ws.socket.Transport.H2);
        b.header("Origin", origin);
        return b;
    }
}
