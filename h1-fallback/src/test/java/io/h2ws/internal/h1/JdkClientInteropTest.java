package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** The JDK's own WebSocket client (java.net.http, HTTP/1.1 Upgrade) against our server, over TCP and TLS. */
class JdkClientInteropTest {

    private TestServer server;
    private HttpClient http;

    private WebSocket open(boolean tls, String path, Recorder r) throws Exception {
        server = new TestServer(tls);
        http = HttpClient.newBuilder().sslContext(TestServer.CERT.clientContext()).build();
        return http.newWebSocketBuilder().buildAsync(server.uri(path), r).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void textAndBinaryEcho(boolean tls) throws Exception {
        Recorder r = new Recorder();
        WebSocket ws = open(tls, "/echo", r);
        Random random = new Random(8);
        for (int size : new int[] {16, 126, 65_536, 1 << 20}) {
            String text = "ü".repeat(size / 2);
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertEquals(text, r.next(Rec.Text.class).text());
            byte[] data = new byte[size];
            random.nextBytes(data);
            ws.sendBinary(ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(data, r.next(Rec.Binary.class).data());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void fragmentedMessageAndPingPong(boolean tls) throws Exception {
        Recorder r = new Recorder();
        WebSocket ws = open(tls, "/echo", r);
        ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2}), false).get(10, TimeUnit.SECONDS);
        ws.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
        ws.sendBinary(ByteBuffer.wrap(new byte[] {3}), true).get(10, TimeUnit.SECONDS);
        ws.sendText("a", false).get(10, TimeUnit.SECONDS);
        ws.sendText("b", true).get(10, TimeUnit.SECONDS);
        // the Pong may overtake the echo of the first fragment: collect and compare as a set
        java.util.List<Rec> got = java.util.List.of(r.next(), r.next(), r.next());
        assertEquals(1, got.stream().filter(x -> x instanceof Rec.Pong p && new String(p.data(), StandardCharsets.UTF_8).equals("p")).count(), got.toString());
        assertEquals(1, got.stream().filter(x -> x instanceof Rec.Binary b && java.util.Arrays.equals(b.data(), new byte[] {1, 2, 3})).count(), got.toString());
        assertEquals(1, got.stream().filter(x -> x instanceof Rec.Text t && t.text().equals("ab")).count(), got.toString());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void jdkClosesWithCodeAndReason(boolean tls) throws Exception {
        Recorder r = new Recorder();
        WebSocket ws = open(tls, "/echo", r);
        ws.sendClose(4000, "jdk says bye").get(10, TimeUnit.SECONDS);
        assertEquals("4000 jdk says bye", server.serverCloses.poll(10, TimeUnit.SECONDS));
        assertEquals(new Rec.Close(4000, ""), r.awaitTerminal());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverClosesWithCodeAndReason(boolean tls) throws Exception {
        Recorder r = new Recorder();
        WebSocket ws = open(tls, "/echo", r);
        ws.sendText("close:4003:server says bye", true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(4003, "server says bye"), r.awaitTerminal());
        // the JDK answers once onClose's stage completes (null: at once), echoing the code
        String seen = server.serverCloses.poll(10, TimeUnit.SECONDS);
        assertEquals("4003", seen.split(" ")[0], seen);
        for (int i = 0; i < 100 && server.openSockets.size() > 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(0, server.openSockets.size(), "TCP closed both ways");
    }
}
