package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.ServerLimits;

/**
 * RFC 9113 section 10.5 ("limit what one peer can commit"): peers that make the server buffer
 * and never take the bytes away. A client that stops reading while the echo answers its large
 * messages pins the echoes in the server's send queues; a client whose messages the server's
 * listener never asks for pins them on the receive side. Without a budget both grow with the
 * socket count (64 sockets x 16 MiB messages pinned 1 GiB); with one, the server's counted bytes
 * stay within the connection's share (HTTP/2: many sockets on one connection) or the server's
 * budget (HTTP/1.1: many connections), and another client is served meanwhile.
 */
class BudgetAttackTest {

    static final int SOCKETS = 48;
    static final int MESSAGE = 2 << 20; // 2 MiB: 96 MiB in all, against a 16 MiB budget
    static final long BUDGET = 16L << 20;
    /**
     * Beyond the limit: a socket checks for room before it adds (one message per socket adding at
     * that moment), and received bytes held for a listener (at most one part, 256 KiB, per socket)
     * pause the reading but do not refuse sends, so they may come on top of full send queues.
     */
    static final long SLACK = 4L * MESSAGE + SOCKETS * 256L * 1024;

    /**
     * Where the peer makes the server hold bytes. Only the send side is attacked here: on the
     * receive side a socket holds at most one message part ({@code MessageAssembler.PART_SIZE})
     * and reads only with demand, and what waits unread is bounded by flow control (the HTTP/2
     * session window is capped at a quarter of the connection's memory), so the budget's pause is
     * a backstop there ({@code ByteBudgetTest}).
     */
    enum Side { SEND_QUEUES, RECEIVED }

    /** A client listener that never asks for anything: the server's echoes stay with the server. */
    static final class Deaf implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket ws) {
            // no request(n): nothing is read, the stream window (or TCP window) fills and stays full
        }
    }

    static ServerLimits limits(Transport t) {
        // HTTP/2: every socket on one connection, bounded by the connection's share;
        // HTTP/1.1: a connection per socket, bounded by the server's budget
        return t == Transport.H2
                ? new ServerLimits(Duration.ofSeconds(120), 1000, 1000, 2 * BUDGET, Long.MAX_VALUE / 2)
                : new ServerLimits(Duration.ofSeconds(120), 1000, 1000, 256L << 20, BUDGET);
    }

    @ParameterizedTest(name = "{0} {1}")
    @EnumSource(value = Transport.class, names = {"H1", "H2"})
    @DisplayName("A deaf client whose large messages the echo answers stays within the memory budget; another client is served")
    void bufferingPeerStaysWithinTheBudget(Transport t) throws Exception {
        run(t, Side.SEND_QUEUES);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("Raw HTTP/2: a client that sets its initial window to 0 and sends messages the echo must answer "
            + "pins no more than the connection's budget; another client is served")
    void windowZeroClientStaysWithinTheBudget() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b.limits(limits(Transport.H2)));
             RawH2Conn c = new RawH2Conn(hs.port(), java.util.Map.of(org.eclipse.jetty.http2.frames.SettingsFrame.INITIAL_WINDOW_SIZE, 0))) {
            c.settings.get(5, TimeUnit.SECONDS);
            int[] ids = new int[SOCKETS];
            for (int i = 0; i < SOCKETS; i++) {
                ids[i] = c.connect("/echo");
            }
            c.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (c.statuses.size() < SOCKETS && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(SOCKETS, c.statuses.size(), "every extended CONNECT answered");
            byte[] frame = maskedBinaryFrame(MESSAGE);
            long t0 = System.nanoTime();
            long sent = 0;
            for (int id : ids) {
                sent += c.sendData(id, frame, 1_000); // the server stops reading once its budget is full
            }
            long peak = hs.server.peakBufferedBytes();
            long sentinel = hs.sentinels();
            System.out.printf("[hostile] window-0 raw client: %d streams x %d MiB echoes, budget %d MiB: sent %d MiB, server "
                            + "buffered %d MiB at peak; heap after GC %d MiB; sentinel %d ms; %d ms%n", SOCKETS, MESSAGE >> 20,
                    BUDGET >> 20, sent >> 20, peak >> 20, usedHeapAfterGc() >> 20, sentinel, (System.nanoTime() - t0) / 1_000_000);
            assertTrue(peak > BUDGET / 2, "the attack did not make the server buffer: " + peak);
            assertTrue(peak <= BUDGET + SLACK, "server buffered " + peak + " bytes, budget " + BUDGET);
            c.close();
            long end = System.nanoTime() + 10_000_000_000L;
            while ((hs.server.bufferedBytes() != 0 || hs.server.openSockets() != 0) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(0, hs.server.bufferedBytes(), "every byte counted is given back when the connection ends");
        }
    }

    /** A final binary frame of {@code n} zero bytes, masked with a zero key (RFC 6455 section 5.2, 5.3). */
    static byte[] maskedBinaryFrame(int n) {
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + n);
        b.put((byte) 0x82).put((byte) (0x80 | 127)).putLong(n).putInt(0);
        return b.array();
    }

    private static void run(Transport t, Side side) throws Exception {
        try (HostileServer hs = new HostileServer(b -> b.limits(limits(t)));
             H2wsClient client = H2wsClient.create()) {
            String path = side == Side.SEND_QUEUES ? "/echo" : "/stall";
            URI uri = URI.create("ws://127.0.0.1:" + hs.port() + path);
            List<H2wsSocket> sockets = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                sockets.add(client.newWebSocketBuilder().transport(t).buildH2ws(uri, new Deaf()).get(10, TimeUnit.SECONDS));
            }
            if (t == Transport.H2) {
                assertEquals(1, client.h2().connectionCount(uri), "one HTTP/2 connection");
            }
            long t0 = System.nanoTime();
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (H2wsSocket s : sockets) {
                sends.add(s.sendBinary(ByteBuffer.allocate(MESSAGE), true));
            }
            // the server takes what it can; wait until its count stops growing
            long last = -1;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(300);
                long now = hs.server.bufferedBytes();
                if (now == last && now > 0) {
                    break;
                }
                last = now;
            }
            long peak = hs.server.peakBufferedBytes();
            long sentinel = hs.sentinels();
            long heap = usedHeapAfterGc();
            System.out.printf("[hostile] %s %s: %d sockets x %d MiB, budget %d MiB: server buffered %d MiB at peak, %d MiB "
                            + "now; heap after GC %d MiB; sentinel %d ms; %d ms%n", t, side, SOCKETS, MESSAGE >> 20, BUDGET >> 20,
                    peak >> 20, hs.server.bufferedBytes() >> 20, heap >> 20, sentinel, (System.nanoTime() - t0) / 1_000_000);
            assertTrue(peak > BUDGET / 2, "the attack did not make the server buffer: " + peak);
            assertTrue(peak <= BUDGET + SLACK, "server buffered " + peak + " bytes, budget " + BUDGET);
            for (H2wsSocket s : sockets) {
                s.abort();
            }
            long end = System.nanoTime() + 10_000_000_000L;
            while (hs.server.bufferedBytes() != 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(0, hs.server.bufferedBytes(), "every byte counted is given back when the sockets end");
        }
    }

    static long usedHeapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
