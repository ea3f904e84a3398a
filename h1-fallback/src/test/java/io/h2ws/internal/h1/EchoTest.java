package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Our client against our server over HTTP/1.1, TCP and TLS: RFC 6455 sections 5 and 7 end to end. */
class EchoTest {

    private static final int[] SIZES = {16, 125, 126, 65_535, 65_536, 1 << 20};

    private TestServer server;
    private H1Connector connector;

    private H2wsSocket open(boolean tls, String path, Recorder recorder, String... subprotocols) throws Exception {
        server = new TestServer(tls);
        connector = new H1Connector(TestServer.CERT.clientContext());
        connector.start();
        ClientBuilder b = new ClientBuilder(connector).transport(Transport.H1);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return b.buildH2ws(server.uri(path), recorder).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (connector != null) {
            connector.stop();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void textOfEverySizeClassEchoes(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        assertEquals(Transport.H1, ws.transport());
        assertEquals(tls, ws.isSecure());
        assertEquals("rfc6455", ws.wireMapping());
        for (int size : SIZES) {
            String text = "é".repeat(size / 2) + "x".repeat(size % 2);
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertEquals(text, r.next(Rec.Text.class).text(), "size " + size);
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void binaryOfEverySizeClassEchoes(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        Random random = new Random(6455);
        for (int size : SIZES) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            ws.sendBinary(ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(data, r.next(Rec.Binary.class).data(), "size " + size);
        }
    }

    /** RFC 6455 section 5.4: fragments of one message, in order, with a control frame between them. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void fragmentedMessagesEchoWithAPingInBetween(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        ws.sendText("frag", false).get(10, TimeUnit.SECONDS);
        ws.sendPing(ByteBuffer.wrap("mid".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
        ws.sendText("men", false).get(10, TimeUnit.SECONDS);
        ws.sendText("ted", true).get(10, TimeUnit.SECONDS);
        assertArrayEquals("mid".getBytes(StandardCharsets.UTF_8), r.next(Rec.Pong.class).data());
        assertEquals("fragmented", r.next(Rec.Text.class).text());

        byte[] big = new byte[1 << 20];
        new Random(1).nextBytes(big);
        for (int off = 0; off < big.length; off += 100_000) {
            int len = Math.min(100_000, big.length - off);
            ws.sendBinary(ByteBuffer.wrap(big, off, len), off + len == big.length).get(10, TimeUnit.SECONDS);
        }
        assertArrayEquals(big, r.next(Rec.Binary.class).data());
    }

    /** RFC 6455 section 5.5.2/5.5.3: a Ping is answered by a Pong with the same application data. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void pingIsAnsweredWithPong(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        byte[] payload = new byte[125];
        new Random(2).nextBytes(payload);
        ws.sendPing(ByteBuffer.wrap(payload)).get(10, TimeUnit.SECONDS);
        assertArrayEquals(payload, r.next(Rec.Pong.class).data());
    }

    /** RFC 6455 section 7.1.2 / 5.5.1: the client starts the close; the server echoes the code. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientInitiatedCloseCarriesCodeAndReason(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        ws.sendClose(4000, "client says bye").get(10, TimeUnit.SECONDS);
        assertEquals("4000 client says bye", server.serverCloses.poll(10, TimeUnit.SECONDS));
        assertEquals(new Rec.Close(4000, ""), r.awaitTerminal());
        assertEquals(4000, ws.closeCode());
        assertTrue(ws.isOutputClosed());
        assertTrue(ws.isInputClosed());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverInitiatedCloseCarriesCodeAndReason(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/echo", r);
        ws.sendText("close:4001:server says bye", true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Close(4001, "server says bye"), r.awaitTerminal());
        assertEquals("4001 ", server.serverCloses.poll(10, TimeUnit.SECONDS));
        // wait for the socket to drop out of the server's set: the TCP close completed both ways
        for (int i = 0; i < 100 && server.openSockets.size() > 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(0, server.openSockets.size());
        assertTrue(ws.sendText("late", true).isCompletedExceptionally(), "no sending after the close handshake");
    }

    /** The server-side socket knows its transport, TLS, path with query and peer. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverSocketDescribesItself(boolean tls) throws Exception {
        Recorder r = new Recorder();
        open(tls, "/info?x=1", r);
        assertEquals("H1 secure=" + tls + " path=/info?x=1 remote=true", r.next(Rec.Text.class).text());
    }

    /** RFC 6455 section 4.2.2 step 4: the server picks its most preferred subprotocol among those offered. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void subprotocolIsNegotiated(boolean tls) throws Exception {
        Recorder r = new Recorder();
        H2wsSocket ws = open(tls, "/chat", r, "v1", "v2");
        assertEquals("v2", ws.getSubprotocol());
        ws.sendText("hi", true).get(10, TimeUnit.SECONDS);
        assertEquals("hi", r.next(Rec.Text.class).text());
    }
}
