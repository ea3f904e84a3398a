package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;

/**
 * HTTP/2 attacks on the one-port server from a raw frame writer that ignores every limit:
 * rapid reset (CVE-2023-44487) of extended CONNECT streams, and streams beyond
 * SETTINGS_MAX_CONCURRENT_STREAMS. Other connections must be served meanwhile.
 */
class H2AttackTest {

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void awaitOpenSockets(HostileServer hs, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hs.server.openSockets() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, hs.server.openSockets(), "server sockets left behind by the resets");
    }

    /** Opens and resets {@code n} WebSocket streams in batches of 100 per write; returns the connection. */
    static RawH2Conn rapidReset(HostileServer hs, int n) throws Exception {
        RawH2Conn c = new RawH2Conn(hs.port());
        c.settings.get(5, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            c.reset(c.connect("/echo"));
            if (i % 100 == 99) {
                try {
                    c.flush();
                } catch (java.io.IOException closedByServer) {
                    break;
                }
            }
        }
        try {
            c.flush();
        } catch (java.io.IOException closedByServer) {
            // GOAWAY and close
        }
        return c;
    }

    @Test
    @org.junit.jupiter.api.DisplayName("Rapid reset (CVE-2023-44487) of 1,000 extended CONNECT streams is stopped (ENHANCE_YOUR_CALM) "
            + "within 500 streams built; no socket is left and other clients are served")
    void rapidResetIsStoppedWithinFiveHundredStreams() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b)) {
            hs.sentinels(); // warm up
            long built0 = hs.server.acceptedSockets();
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            int n = 1000;
            try (RawH2Conn c = rapidReset(hs, n)) {
                GoAwayFrame goAway = c.awaitGoAwayOrClose();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (goAway != null) {
                    assertEquals(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code, goAway.getError(), goAway.toString());
                }
                c.closed.get(10, TimeUnit.SECONDS);
                long built = hs.server.acceptedSockets() - built0;
                awaitOpenSockets(hs, 0);
                long sentinelMs = hs.sentinels();
                long cpuMs = (cpuNanos() - cpu0) / 1_000_000;
                System.out.printf("[hostile] rapid reset of %d WebSocket streams: stopped after %d ms with %s; %d sockets built "
                        + "(Jetty's own server: 64, none built); process CPU %d ms; sentinel %d ms%n", n, ms,
                        goAway == null ? "(reset before read)" : ErrorCode.toString(goAway.getError(), "?"), built, cpuMs, sentinelMs);
                assertTrue(built <= 500, built + " sockets built for a rapid-reset connection");
            }
        }
    }

    @Test
    @org.junit.jupiter.api.DisplayName("A legitimate burst: 1,000 extended CONNECTs in one write all get 200 and no GOAWAY; "
            + "resetting them all once they have lived a second is no attack either")
    void burstOfThousandOpensIsNotStopped() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b); RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            int n = 1000;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = c.connect("/echo");
            }
            c.flush();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (c.statuses.size() < n && !c.goAway.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(n, c.statuses.size(), "answered: " + c.resets.size() + " reset, GOAWAY " + c.goAway.getNow(null));
            assertTrue(c.statuses.values().stream().allMatch(s -> s == 200), "all 200");
            Thread.sleep(1_200); // older than an early reset
            for (int id : ids) {
                c.reset(id);
            }
            c.flush();
            awaitOpenSockets(hs, 0);
            int probe = c.connect("/echo");
            c.flush();
            deadline = System.nanoTime() + 10_000_000_000L;
            while (!c.statuses.containsKey(probe) && !c.goAway.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(!c.goAway.isDone(), "GOAWAY: " + c.goAway.getNow(null));
            assertEquals(200, c.statuses.get(probe));
            hs.sentinels();
        }
    }

    @Test
    void rapidResetFloodGetsGoAwayOnThatConnectionOnly() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b)) {
            hs.sentinels();
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            int n = 20_000;
            CompletableFuture<RawH2Conn> flood = CompletableFuture.supplyAsync(() -> {
                try {
                    return rapidReset(hs, n);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // another connection is served while the flood runs
            long sentinelDuring = hs.sentinel(Transport.H2);
            try (RawH2Conn c = flood.get(20, TimeUnit.SECONDS)) {
                GoAwayFrame goAway = c.awaitGoAwayOrClose();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (goAway != null) {
                    assertEquals(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code, goAway.getError(), goAway.toString());
                }
                c.closed.get(10, TimeUnit.SECONDS);
                long sentinelAfter = hs.sentinels();
                awaitOpenSockets(hs, 0);
                long cpuMs = (cpuNanos() - cpu0) / 1_000_000;
                System.out.printf("[hostile] rapid reset flood (up to %d streams): GOAWAY %s after %d ms, %d streams answered; "
                        + "process CPU %d ms; sentinel %d ms during, %d ms after%n", n, goAway == null ? "(reset before read)" : ErrorCode.toString(goAway.getError(), "?"),
                        ms, c.statuses.size(), cpuMs, sentinelDuring, sentinelAfter);
                // (goAway may be null: the server's close reset the socket before the reader got to it)
            }
        }
    }

    @Test
    void streamsBeyondMaxConcurrentStreamsAreRefusedAndTheConnectionGoesOn() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b.maxConcurrentStreams(10));
             RawH2Conn c = new RawH2Conn(hs.port())) {
            SettingsFrame s = c.settings.get(5, TimeUnit.SECONDS);
            assertEquals(10, s.getSettings().get(SettingsFrame.MAX_CONCURRENT_STREAMS));
            int[] ids = new int[12];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.connect("/echo"); // ignoring the limit of 10
            }
            c.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (c.statuses.size() + c.resets.size() < ids.length && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(200, c.statuses.get(ids[i]), "stream " + ids[i]);
            }
            for (int i = 10; i < 12; i++) {
                assertEquals(ErrorCode.REFUSED_STREAM_ERROR.code, c.resets.get(ids[i]), "stream " + ids[i] + ": " + c.resets);
            }
            assertTrue(!c.goAway.isDone(), "GOAWAY: " + c.goAway.getNow(null));
            // freeing a slot lets a new stream in on the same connection
            c.reset(ids[0]);
            c.flush();
            Thread.sleep(100);
            int again = c.connect("/echo");
            c.flush();
            deadline = System.nanoTime() + 10_000_000_000L;
            while (!c.statuses.containsKey(again) && !c.resets.containsKey(again) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(200, c.statuses.get(again), "after a slot was freed: " + c.resets.get(again));
            hs.sentinels();
        }
    }
}
