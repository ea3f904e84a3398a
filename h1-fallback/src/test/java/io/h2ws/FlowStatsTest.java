package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.trace.ConnectionStats;
import io.h2ws.trace.SocketStats;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/** Issue 11: flow-control blocked time, PING round trips and per-connection counts, without a trace. */
class FlowStatsTest {

    @Test
    @DisplayName("over h2 a stalled reader's stream shows blocked time in the sender's stats, its sibling none; PING RTTs are positive and bounded")
    void stalledStreamBlockedSiblingNot() throws Exception {
        try (H2wsServer server = H2wsServer.builder()
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/stall").listener(() -> new Recorder(false)).build()) // never reads
                .build().start();
             H2wsClient client = H2wsClient.create(null, null, true)) {
            URI base = URI.create("ws://127.0.0.1:" + server.port());
            Recorder echo = new Recorder();
            H2wsSocket sibling = client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(base.resolve("/echo"), echo)
                    .get(10, TimeUnit.SECONDS);
            H2wsSocket stalled = client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(base.resolve("/stall"), new Recorder())
                    .get(10, TimeUnit.SECONDS);
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 40; i++) { // 640 KiB against a 256 KiB stream window
                stalled.sendBinary(ByteBuffer.wrap(chunk), true);
            }
            long start = System.nanoTime();
            // the sibling keeps echoing meanwhile, and its pings come back
            for (int round = 0; round < 20; round++) {
                sibling.sendText("round " + round, true);
                assertEquals("round " + round, echo.next(Rec.Text.class).text());
                Thread.sleep(10);
            }
            sibling.sendPing(ByteBuffer.wrap(new byte[] {7}));
            echo.next(Rec.Pong.class);
            long elapsed = System.nanoTime() - start;

            SocketStats st = stalled.stats();
            SocketStats sib = sibling.stats();
            assertTrue(st.streamBlockedNanos() > 100_000_000L && st.streamBlockedNanos() <= elapsed + 1_000_000_000L,
                    "stalled stream blocked: " + st.describe());
            assertTrue(sib.streamBlockedNanos() < 1_000_000L, "sibling not blocked: " + sib.describe());
            assertEquals(0, st.connectionBlockedNanos(), "connection window never ran out: " + st.describe());
            assertEquals(1, sib.pingRoundTrips(), sib.describe());
            assertTrue(sib.pingRttLastNanos() > 0 && sib.pingRttLastNanos() < 5_000_000_000L, sib.describe());
            assertTrue(sib.describe().contains("ping rtt 1"), sib.describe());

            Duration rtt = client.h2().ping(base).get(5, TimeUnit.SECONDS);
            assertTrue(!rtt.isNegative() && !rtt.isZero() && rtt.compareTo(Duration.ofSeconds(5)) < 0, rtt.toString());
            List<ConnectionStats> conns = client.h2().connectionStats();
            assertEquals(1, conns.size(), conns.toString());
            ConnectionStats c = conns.get(0);
            assertEquals(1, c.pings(), c.describe());
            assertEquals(rtt.toNanos(), c.pingRttLastNanos(), c.describe());
            assertTrue(c.framesOut() > 40 && c.framesIn() > 20, c.describe());
            assertTrue(c.bytesOut() > 256 * 1024 && c.bytesIn() > 0, c.describe());
            assertEquals(0, c.blockedNanos(), c.describe());
            stalled.abort();
            sibling.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @DisplayName("without statistics requested nothing is installed: no frame counts, no blocked time, bytes still known")
    void offByDefault() throws Exception {
        try (H2wsServer server = H2wsServer.builder().endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start();
             H2wsClient client = H2wsClient.create(null)) {
            Recorder echo = new Recorder();
            H2wsSocket s = client.newWebSocketBuilder().transport(Transport.H2)
                    .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), echo).get(10, TimeUnit.SECONDS);
            s.sendText("x", true);
            echo.next(Rec.Text.class);
            ConnectionStats c = client.h2().connectionStats().get(0);
            assertEquals(-1, c.framesOut(), c.describe());
            assertTrue(c.bytesOut() > 0, c.describe());
            assertEquals(0, s.stats().streamBlockedNanos());
            s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        }
    }
}
