package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;

/**
 * Attacks on the HTTP/1.1 opening handshake of the one-port server (handshake timeout 1 s,
 * request heads up to 8 KiB). Each test checks the server's answer and that a well-behaved
 * client is served while the attack runs.
 */
class H1HandshakeAttackTest {

    static HostileServer hs;

    @BeforeAll
    static void start() throws Exception {
        hs = new HostileServer(b -> b.handshakeTimeout(Duration.ofSeconds(1)).requestHeaderSize(8192));
    }

    @AfterAll
    static void stop() throws Exception {
        hs.close();
    }

    @Test
    void slowlorisDrippingTheHandshakeIsCutOffWithinTheHandshakeTimeout() throws Exception {
        byte[] request = RawWs.ascii(RawWs.upgradeRequest("/echo", hs.port(), "X-Padding: " + "p".repeat(200)));
        try (RawWs drip = new RawWs(hs.port())) {
            AtomicLong sent = new AtomicLong();
            long t0 = System.nanoTime();
            CompletableFuture<Void> dripping = CompletableFuture.runAsync(() -> {
                try {
                    for (byte b : request) { // one byte per 100 ms: the head would take 40 s
                        drip.out.write(b);
                        drip.out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException cut) {
                    // the server closed the connection
                }
            });
            // a well-behaved client is served on both transports while the drip goes on
            long sentinelMs = hs.sentinels();
            assertTrue(drip.endsWithin(5000), "the dripping connection is still open after 5 s");
            long cutMs = (System.nanoTime() - t0) / 1_000_000;
            dripping.cancel(true);
            // Jetty's idle timeout (30 s by default) would never fire: a byte arrives every 100 ms
            assertTrue(cutMs >= 900 && cutMs < 2500, "cut after " + cutMs + " ms (handshake timeout 1 s)");
            assertTrue(sent.get() < request.length, "the drip finished");
            System.out.printf("[hostile] slowloris: cut after %d ms having sent %d of %d bytes; sentinel served in %d ms%n",
                    cutMs, sent.get(), request.length, sentinelMs);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawWs quiet = new RawWs(hs.port())) {
            long t0 = System.nanoTime();
            hs.sentinel(Transport.H1);
            assertTrue(quiet.endsWithin(5000));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 2500, ms + " ms");
        }
    }

    @Test
    void oversizedHeaderBlockGets431() throws Exception {
        try (RawWs big = new RawWs(hs.port())) {
            big.write(RawWs.ascii(RawWs.upgradeRequest("/echo", hs.port(), "X-Big: " + "b".repeat(16 * 1024))));
            assertEquals(431, big.readStatus(), big.lastHead);
            assertTrue(big.endsWithin(5000), "the connection stays open after 431");
        }
        hs.sentinels();
    }

    @Test
    void endlessHeaderBlockGets431AndTheServerStopsReading() throws Exception {
        try (RawWs endless = new RawWs(hs.port())) {
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    endless.out.write(RawWs.ascii("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"));
                    byte[] line = RawWs.ascii("X-Endless: " + "e".repeat(100) + "\r\n");
                    for (int i = 0; i < 1_000_000; i++) { // 113 MB if nothing stopped it
                        endless.out.write(line);
                        written.addAndGet(line.length);
                    }
                } catch (IOException cut) {
                    // closed by the server
                }
            });
            assertEquals(431, endless.readStatus(), endless.lastHead);
            assertTrue(endless.endsWithin(5000));
            writer.get(10, TimeUnit.SECONDS);
            // what got out of our socket before the close: the 8 KiB limit plus kernel buffers
            assertTrue(written.get() < 64L << 20, written + " bytes were accepted");
            System.out.printf("[hostile] endless header block: 431, %d bytes written before the connection was cut%n", written.get());
        }
        hs.sentinels();
    }

    @Test
    void upgradeRequestWithABodyGets400() throws Exception {
        for (String[] body : new String[][] {{"Content-Length: 5", "hello"}, {"Transfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n"}}) {
            try (RawWs ws = new RawWs(hs.port())) {
                ws.write(RawWs.ascii(RawWs.upgradeRequest("/echo", hs.port(), body[0]) + body[1]));
                assertEquals(400, ws.readStatus(), body[0] + ": " + ws.lastHead);
            }
        }
        hs.sentinels();
    }
}
