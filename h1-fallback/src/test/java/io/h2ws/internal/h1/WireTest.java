package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.internal.h1.RawConnection.Frame;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Byte-level behaviour of both ends around the handshake and the close: RFC 6455 sections 4.1 and 7.1.1. */
class WireTest {

    private static final String UPGRADE = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private static TestServer server;
    private static H1Connector connector;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(false);
        connector = new H1Connector();
        connector.start();
    }

    @AfterAll
    static void stop() throws Exception {
        connector.stop();
        server.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Section 4.1: frames may follow the handshake in the same packet; the server must not lose them. */
    @Test
    void serverKeepsFramesSentWithTheUpgradeRequest() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write(utf8(UPGRADE), RawConnection.clientFrame(true, 0x1, utf8("early")),
                    RawConnection.clientFrame(true, 0x2, new byte[] {1, 2, 3}));
            assertEquals(101, c.readHead(false).status());
            Frame text = c.readFrame();
            assertEquals(0x1, text.opcode());
            assertFalse(text.masked(), "section 5.1: a server never masks");
            assertEquals("early", text.text());
            assertArrayEquals(new byte[] {1, 2, 3}, c.readFrame().payload());
        }
    }

    /** Section 4.1: the server's first frames may share a packet with its 101; the client must not lose them. */
    @Test
    void clientKeepsFramesSentWithThe101() throws Exception {
        try (FakeServer fake = new FakeServer((c, req) -> {
            c.write(utf8(FakeServer.goodHead(req)), RawConnection.serverFrame(true, 0x1, utf8("early")),
                    RawConnection.serverFrame(true, 0x9, utf8("ping")));
            Frame pong = c.readFrame();
            assertEquals(0xA, pong.opcode());
            assertTrue(pong.masked(), "section 5.1: a client always masks");
            assertEquals("ping", pong.text());
        })) {
            Recorder r = new Recorder();
            new ClientBuilder(connector).transport(Transport.H1).buildH2ws(fake.uri("/"), r).get(10, TimeUnit.SECONDS);
            assertEquals("early", r.next(Rec.Text.class).text());
            assertArrayEquals(utf8("ping"), r.next(Rec.Ping.class).data());
            fake.awaitScript();
        }
    }

    /**
     * Section 7.1.1: after the close handshake the server closes TCP first. A raw client sends
     * Close and keeps its socket open; the server answers Close, then its FIN arrives.
     */
    @Test
    void serverClosesTcpFirstAfterTheClientsClose() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write(UPGRADE);
            assertEquals(101, c.readHead(false).status());
            c.write(RawConnection.clientFrame(true, 0x8, RawConnection.closePayload(1000, "done")));
            Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            assertEquals(1000, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
            assertEquals(-1, c.read(), "the server's FIN follows its Close");
        }
    }

    /** Section 7.1.1 when the server starts the close: its FIN still comes first, right after its Close. */
    @Test
    void serverHalfClosesAfterItsOwnClose() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write(UPGRADE);
            assertEquals(101, c.readHead(false).status());
            c.write(RawConnection.clientFrame(true, 0x1, utf8("close:4002:bye")));
            Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            assertEquals("bye", new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8));
            assertEquals(-1, c.read(), "FIN right after the server's Close");
            // our half is still open: the server reads our Close and completes its handshake
            c.write(RawConnection.clientFrame(true, 0x8, RawConnection.closePayload(4002, "")));
            // other tests share the server's record: skip their entries
            String seen;
            do {
                seen = server.serverCloses.poll(10, TimeUnit.SECONDS);
            } while (seen != null && !seen.startsWith("4002"));
            assertEquals("4002 ", seen);
        }
    }

    /**
     * Section 7.1.1 on the client: after its Close it waits for the server to close TCP rather
     * than sending FIN itself, then closes once the server's FIN arrives.
     */
    @Test
    void clientWaitsForTheServersFin() throws Exception {
        try (FakeServer fake = new FakeServer((c, req) -> {
            c.write(FakeServer.goodHead(req));
            Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            c.socket.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, c::read, "the client must not FIN before the server");
            c.socket.setSoTimeout(10_000);
            c.write(RawConnection.serverFrame(true, 0x8, RawConnection.closePayload(1000, "")));
            c.socket.shutdownOutput();
            assertEquals(-1, c.read(), "the client closes once it has the server's FIN");
        })) {
            Recorder r = new Recorder();
            H2wsSocket ws = new ClientBuilder(connector).transport(Transport.H1).buildH2ws(fake.uri("/"), r).get(10, TimeUnit.SECONDS);
            ws.sendClose(1000, "bye").get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Close(1000, ""), r.awaitTerminal());
            fake.awaitScript();
            ((io.h2ws.core.internal.socket.RealWebSocket) ws).whenCarrierDone().get(10, TimeUnit.SECONDS);
        }
    }

    /** Section 5.1: an unmasked frame from a client fails the connection with 1002. */
    @Test
    void unmaskedClientFrameGets1002() throws Exception {
        try (RawConnection c = RawConnection.connect(server.port())) {
            c.write(UPGRADE);
            assertEquals(101, c.readHead(false).status());
            c.write(RawConnection.serverFrame(true, 0x1, utf8("no mask")));
            Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            assertEquals(1002, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
        }
    }
}
