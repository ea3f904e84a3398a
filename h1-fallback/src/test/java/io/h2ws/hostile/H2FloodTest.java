package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 floods and a flow-control liar against the one-port server: each must be bounded and
 * end on that connection only, while another client is served.
 */
class H2FloodTest {

    /** Writes {@code count} frames made by {@code add}, flushing in batches; stops when the server hangs up. */
    private static int flood(RawH2Conn c, int count, Runnable add) {
        int sent = 0;
        try {
            for (int i = 0; i < count && !c.closed.isDone(); i++) {
                add.run();
                sent++;
                if (i % 500 == 499) {
                    c.flush();
                }
            }
            c.flush();
        } catch (IOException hungUp) {
            // the server closed the connection: the flood is over
        }
        return sent;
    }

    @Test
    @DisplayName("PING flood (RFC 9113 section 6.7; CVE-2019-9512): bounded by rate control, the connection alone pays")
    void pingFlood() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b); RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            int sent = flood(c, 200_000, () -> c.add(new PingFrame(new byte[8], false)));
            GoAwayFrame g = c.awaitGoAwayOrClose();
            if (g != null) {
                assertEquals(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code, g.getError(), g.toString());
            }
            long sentinel = hs.sentinels();
            System.out.printf("[hostile] PING flood: GOAWAY %s after %d pings, %d ms; sentinel %d ms%n",
                    g == null ? "(reset before read)" : ErrorCode.toString(g.getError(), "?"), sent, (System.nanoTime() - t0) / 1_000_000, sentinel);
        }
    }

    @Test
    @DisplayName("SETTINGS flood (RFC 9113 section 6.5; CVE-2019-9515): bounded by rate control, the connection alone pays")
    void settingsFlood() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b); RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            int sent = flood(c, 200_000, () -> c.add(new SettingsFrame(Map.of(SettingsFrame.INITIAL_WINDOW_SIZE, 65_535), false)));
            GoAwayFrame g = c.awaitGoAwayOrClose();
            if (g != null) {
                assertEquals(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code, g.getError(), g.toString());
            }
            long sentinel = hs.sentinels();
            System.out.printf("[hostile] SETTINGS flood: GOAWAY after %d frames, %d ms; sentinel %d ms%n",
                    sent, (System.nanoTime() - t0) / 1_000_000, sentinel);
        }
    }

    @Test
    @DisplayName("CONTINUATION flood (CVE-2024-27316): an endless header block is cut off, memory bounded, others served")
    void continuationFlood() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b); RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            // HEADERS without END_HEADERS (flag 0x4) on stream 1, then CONTINUATION frames without end
            c.addRaw(0x1, 0, 1, new byte[] {(byte) 0x82}); // :method GET (static table index 2)
            byte[] junk = new byte[16_384];
            java.util.Arrays.fill(junk, (byte) 0x40); // literal header field with incremental indexing, again and again
            long t0 = System.nanoTime();
            int sent = flood(c, 2_000, () -> c.addRaw(0x9, 0, 1, junk)); // up to 32 MiB
            c.closed.get(10, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(sent < 2_000, "the server hung up before 32 MiB of header block: sent " + sent + " frames");
            long sentinel = hs.sentinels();
            System.out.printf("[hostile] CONTINUATION flood: connection closed after %d x 16 KiB frames (%s), %d ms; sentinel %d ms%n",
                    sent, c.goAway.isDone() ? "GOAWAY " + ErrorCode.toString(c.goAway.get().getError(), "?") : "no GOAWAY",
                    ms, sentinel);
        }
    }

    @Test
    @DisplayName("A peer that lies about flow control (RFC 9113 section 6.9.1): DATA beyond the window is a FLOW_CONTROL_ERROR")
    void flowControlLiar() throws Exception {
        try (HostileServer hs = new HostileServer(b -> b); RawH2Conn c = new RawH2Conn(hs.port())) {
            c.settings.get(5, TimeUnit.SECONDS);
            int id = c.connect("/stall");
            c.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!c.statuses.containsKey(id) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(200, c.statuses.get(id));
            // the stream window is 256 KiB and /stall never reads: send 1 MiB without waiting for credit
            byte[] chunk = new byte[16_384];
            flood(c, 64, () -> c.addRaw(0x0, 0, id, chunk));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!c.resets.containsKey(id) && !c.goAway.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // RFC 9113 section 6.9.1 allows a stream or a connection error; Jetty chooses the connection
            // (GOAWAY FLOW_CONTROL_ERROR, the stream then cancelled), so the liar loses its whole connection
            int error = c.goAway.isDone() ? c.goAway.get().getError() : c.resets.getOrDefault(id, -1);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code, error,
                    "reset " + c.resets.get(id) + ", goAway " + c.goAway.getNow(null));
            long sentinel = hs.sentinels();
            System.out.printf("[hostile] flow-control liar: %s FLOW_CONTROL_ERROR; sentinel %d ms%n",
                    c.goAway.isDone() ? "GOAWAY" : "RST_STREAM", sentinel);
        }
    }
}
