package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Messages, control frames and close codes end to end over RFC 8441 streams, cleartext and TLS. */
class H2EchoTest {

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

    private static H2wsSocket open(boolean secure, String path, Recorder r) throws Exception {
        return new ClientBuilder(connector).transport(Transport.H2).buildH2ws(fixture.uri(secure, path), r).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void echoesTextAndBinaryFrom16BytesTo1MiB(boolean secure) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(secure, "/echo", r);
        assertEquals(Transport.H2, ws.transport());
        assertEquals(secure, ws.isSecure());
        Random random = new Random(42);
        for (int size = 16; size <= 1 << 20; size *= 4) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(bytes, r.next(Rec.Binary.class).data(), "binary of " + size);
            String text = "é".repeat(size / 2); // two UTF-8 bytes each
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertEquals(text, r.next(Rec.Text.class).text(), "text of " + size);
        }
        ws.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(1000, ""), r.awaitTerminal());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void echoesFragmentedMessages(boolean secure) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(secure, "/echo", r);
        ws.sendText("frag", false);
        ws.sendText("men", false);
        ws.sendText("ted", true).get(10, TimeUnit.SECONDS);
        assertEquals("fragmented", r.next(Rec.Text.class).text());
        byte[] big = new byte[300_000];
        new Random(1).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big, 0, 100_000), false);
        ws.sendBinary(ByteBuffer.wrap(big, 100_000, 100_000), false);
        ws.sendBinary(ByteBuffer.wrap(big, 200_000, 100_000), true).get(10, TimeUnit.SECONDS);
        assertArrayEquals(big, r.next(Rec.Binary.class).data());
        // messages are handed out whole up to 256 KiB: the text in one part, the 300 KB message in at least two
        assertTrue(r.parts >= 3, "a message above the part size arrives in parts: " + r.parts);
        ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        r.awaitTerminal();
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void pingIsAnsweredWithPong(boolean secure) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(secure, "/echo", r);
        ws.sendPing(ByteBuffer.wrap("hello?".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
        assertArrayEquals("hello?".getBytes(StandardCharsets.UTF_8), r.next(Rec.Pong.class).data());
        ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        r.awaitTerminal();
    }

    /** RFC 6455 section 5.5.1 close handshake carried by RFC 8441 section 5.1 END_STREAM on both halves. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientInitiatedCloseCarriesCodeAndReason(boolean secure) throws Exception {
        Recorder server = null;
        Recorder r = new Recorder();
        int before = fixture.recorders.size();
        H2wsSocket ws = open(secure, "/record", r);
        server = awaitRecorder(before);
        server.opened.get(10, TimeUnit.SECONDS);
        ws.sendClose(4001, "client says bye").get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(4001, "client says bye"), server.awaitTerminal());
        assertEquals(new Rec.Close(4001, ""), r.awaitTerminal(), "the server echoes the code");
        assertEquals(4001, ws.closeCode());
        ((io.h2ws.core.internal.socket.RealWebSocket) ws).whenCarrierDone().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverInitiatedCloseCarriesCodeAndReason(boolean secure) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(secure, "/echo", r);
        ws.sendText("close 4002 server says bye", true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(4002, "server says bye"), r.awaitTerminal());
        ((io.h2ws.core.internal.socket.RealWebSocket) ws).whenCarrierDone().get(10, TimeUnit.SECONDS);
        assertTrue(ws.isOutputClosed());
    }

    static Recorder awaitRecorder(int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fixture.recorders.size() <= before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no server socket");
            }
            Thread.sleep(5);
        }
        return fixture.recorders.get(before);
    }
}
