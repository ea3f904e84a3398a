package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FuturePromise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** The experimental message mapping over real HTTP/2 (h2c and TLS): spec-notes/message-mapping.md. */
class MessageMappingWireTest {

    static H2Fixture fixture;
    static H2Connector connector;

    @BeforeAll
    static void start() throws Exception {
        fixture = new H2Fixture();
        connector = H2Fixture.connector().build();
    }

    @AfterAll
    static void stop() throws Exception {
        connector.close();
        fixture.close();
    }

    static H2wsSocket open(boolean secure, Recorder r) throws Exception {
        return new ClientBuilder(connector).messageMapping(true).buildH2ws(fixture.uri(secure, "/echo"), r).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("message mapping section 2-4: our client and server echo over h2c and TLS, close code and reason in trailers")
    void echoAndClose(boolean secure) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(secure, r);
        assertEquals("h2-message", ws.wireMapping());
        assertEquals(Transport.H2, ws.transport());
        ws.sendText("hello mapping", true);
        assertEquals("hello mapping", r.next(Rec.Text.class).text());
        for (int size : new int[] {0, 16, 1024, 65_536, 1 << 20}) {
            byte[] b = new byte[size];
            new java.util.Random(size).nextBytes(b);
            ws.sendBinary(ByteBuffer.wrap(b), true);
            assertArrayEquals(b, r.next(Rec.Binary.class).data(), "size " + size);
        }
        ws.sendText("frag", false);
        ws.sendPing(ByteBuffer.wrap(new byte[] {7}));
        ws.sendText("mented", true);
        assertArrayEquals(new byte[] {7}, r.next(Rec.Pong.class).data());
        assertEquals("fragmented", r.next(Rec.Text.class).text());
        ws.sendClose(4123, "bye ✓").get(5, TimeUnit.SECONDS);
        Rec.Close c = assertInstanceOf(Rec.Close.class, r.awaitTerminal());
        assertEquals(4123, c.code());
    }

    /** A raw HTTP/2 stream opened with :protocol h2ws-message, for sending hand-made bytes. */
    static final class RawMapped implements AutoCloseable {
        final HTTP2Client client = new HTTP2Client();
        final Session session;
        final Stream stream;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<HttpFields> trailers = new CompletableFuture<>();
        final CompletableFuture<Integer> status = new CompletableFuture<>();
        final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();

        RawMapped(int port, String protocol) throws Exception {
            client.start();
            CompletableFuture<Void> settings = new CompletableFuture<>();
            session = client.connect(new InetSocketAddress("127.0.0.1", port), new Session.Listener() {
                @Override
                public void onSettings(Session s, org.eclipse.jetty.http2.frames.SettingsFrame frame) {
                    settings.complete(null);
                }

                @Override
                public void onGoAway(Session s, GoAwayFrame frame) {
                    goAway.complete(frame);
                }
            }).get(10, TimeUnit.SECONDS);
            settings.get(10, TimeUnit.SECONDS);
            HttpFields.Mutable f = HttpFields.build().put("sec-websocket-version", "13");
            MetaData.ConnectRequest req = new MetaData.ConnectRequest("http", new HostPortHttpField("127.0.0.1:" + port),
                    "/echo", f, protocol);
            FuturePromise<Stream> promise = new FuturePromise<>();
            session.newStream(new HeadersFrame(req, null, false), promise, new Stream.Listener() {
                @Override
                public void onHeaders(Stream s, HeadersFrame frame) {
                    if (frame.getMetaData() instanceof MetaData.Response resp) {
                        status.complete(resp.getStatus());
                    } else {
                        trailers.complete(frame.getMetaData().getHttpFields());
                    }
                    s.demand();
                }

                @Override
                public void onDataAvailable(Stream s) {
                    Stream.Data d;
                    while ((d = s.readData()) != null) {
                        ByteBuffer b = d.frame().getByteBuffer();
                        byte[] a = new byte[b.remaining()];
                        b.get(a);
                        synchronized (received) {
                            received.writeBytes(a);
                        }
                        d.release();
                        if (d.frame().isEndStream()) {
                            return;
                        }
                    }
                    s.demand();
                }
            });
            stream = promise.get(10, TimeUnit.SECONDS);
        }

        void send(String hex, boolean end) throws Exception {
            FuturePromise<Void> done = new FuturePromise<>();
            stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(HexFormat.of().parseHex(hex)), end),
                    Callback.from(() -> done.succeeded(null), done::failed));
            done.get(10, TimeUnit.SECONDS);
        }

        void sendTrailers(Map<String, String> fields) throws Exception {
            HttpFields.Mutable f = HttpFields.build();
            fields.forEach(f::put);
            FuturePromise<Void> done = new FuturePromise<>();
            stream.headers(new HeadersFrame(stream.getId(), new MetaData(HttpVersion.HTTP_2, f), null, true),
                    Callback.from(() -> done.succeeded(null), done::failed));
            done.get(10, TimeUnit.SECONDS);
        }

        String receivedHex() {
            synchronized (received) {
                return HexFormat.of().formatHex(received.toByteArray());
            }
        }

        @Override
        public void close() throws Exception {
            client.stop();
        }
    }

    @Test
    @DisplayName("message mapping section 5: the server's echo is byte-exact (no mask, 2-byte header), and Close trailers answer Close trailers")
    void vectorsOnTheWire() throws Exception {
        try (RawMapped raw = new RawMapped(fixture.clear.getLocalPort(), MessageMapping.PROTOCOL)) {
            assertEquals(200, raw.status.get(10, TimeUnit.SECONDS));
            raw.send("810548656c6c6f", false); // text "Hello"
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!raw.receivedHex().equals("810548656c6c6f") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("810548656c6c6f", raw.receivedHex());
            raw.sendTrailers(Map.of("h2ws-close-code", "1000", "h2ws-close-reason", "done"));
            HttpFields t = raw.trailers.get(10, TimeUnit.SECONDS);
            assertEquals("1000", t.get("h2ws-close-code"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "non-minimal length, 824005, 1002",
        "Close opcode inside DATA, 880203e8, 1002",
        "reserved opcode, 8300, 1002",
        "invalid UTF-8, 8102c080, 1007",
        "continuation without a message, 8000, 1002",
    })
    @DisplayName("message mapping section 3: bad parts over the wire end in Close trailers with the right code; the connection lives on")
    void badPartsOverTheWire(String what, String hex, int code) throws Exception {
        try (RawMapped raw = new RawMapped(fixture.clear.getLocalPort(), MessageMapping.PROTOCOL)) {
            assertEquals(200, raw.status.get(10, TimeUnit.SECONDS));
            raw.send(hex, false);
            HttpFields t = raw.trailers.get(10, TimeUnit.SECONDS);
            assertEquals(String.valueOf(code), t.get("h2ws-close-code"), what);
            // a sibling socket on the same connection is unaffected
            Recorder r = new Recorder();
            H2wsSocket sibling = open(false, r);
            sibling.sendText("still fine", true);
            assertEquals("still fine", r.next(Rec.Text.class).text());
        }
    }

    @Test
    @DisplayName("message mapping section 2: our server answers an unknown :protocol with 501 (see H2InteropTest for Jetty's answer to ours)")
    void unknownProtocolRefused() throws Exception {
        try (RawMapped raw = new RawMapped(fixture.clear.getLocalPort(), "some-other-protocol")) {
            assertEquals(501, raw.status.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    @DisplayName("Research finding (RFC 9113 section 8.1): a second HEADERS frame in the middle of a stream makes Jetty end the whole connection")
    void midStreamHeadersKillTheConnection() throws Exception {
        try (RawMapped raw = new RawMapped(fixture.clear.getLocalPort(), MessageMapping.PROTOCOL)) {
            assertEquals(200, raw.status.get(10, TimeUnit.SECONDS));
            // the draft's "HEADERS per message": HEADERS without END_STREAM after the request's HEADERS
            for (int i = 0; i < 2; i++) {
                HttpFields.Mutable f = HttpFields.build().put("opcode", "1");
                try {
                    raw.stream.headers(new HeadersFrame(raw.stream.getId(), new MetaData(HttpVersion.HTTP_2, f), null, false),
                            Callback.NOOP);
                } catch (RuntimeException ignored) {
                    // Jetty may refuse to send the second one locally once the stream is half-closed
                }
                Thread.sleep(100);
            }
            GoAwayFrame g = raw.goAway.get(10, TimeUnit.SECONDS);
            assertTrue(g.getError() != 0, "GOAWAY with an error: " + g);
        }
    }
}
