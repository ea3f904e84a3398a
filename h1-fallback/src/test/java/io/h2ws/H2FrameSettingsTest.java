package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.trace.TraceEvent.H2Frame;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/**
 * Issue 19: SETTINGS_MAX_FRAME_SIZE and the initial windows on both builders. Each side
 * advertises what it was given, and each side's DATA frames are cut to the size the OTHER side
 * advertised. The sizes are odd on purpose (not 16 KiB, not 64 KiB) so that neither Jetty's
 * default nor h2ws's 64 KiB write could pass for them.
 */
class H2FrameSettingsTest {

    static final int SERVER_FRAME = 20_000;
    static final int SERVER_STREAM_WINDOW = 100_000;
    static final int SERVER_SESSION_WINDOW = 3_000_000;
    static final int CLIENT_FRAME = 24_576;
    static final int CLIENT_STREAM_WINDOW = 300_000;
    static final int CLIENT_SESSION_WINDOW = 5_000_000;
    static final int MESSAGE = 1 << 20;

    static final TraceTest.Collect CLIENT = new TraceTest.Collect();
    static final TraceTest.Collect SERVER = new TraceTest.Collect();
    static H2wsServer server;
    static H2wsClient client;
    static int stream;

    @BeforeAll
    static void exchange() throws Exception {
        server = H2wsServer.builder().trace(SERVER)
                .h2MaxFrameSize(SERVER_FRAME).h2InitialStreamWindow(SERVER_STREAM_WINDOW)
                .h2InitialSessionWindow(SERVER_SESSION_WINDOW)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .build().start();
        client = H2wsClient.builder().trace(CLIENT)
                .h2MaxFrameSize(CLIENT_FRAME).h2InitialStreamWindow(CLIENT_STREAM_WINDOW)
                .h2InitialSessionWindow(CLIENT_SESSION_WINDOW).build();
        Recorder r = new Recorder();
        H2wsSocket s = client.newWebSocketBuilder().transport(Transport.H2)
                .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), r).get(10, TimeUnit.SECONDS);
        byte[] payload = new byte[MESSAGE];
        new Random(19).nextBytes(payload);
        s.sendBinary(ByteBuffer.wrap(payload), true).get(10, TimeUnit.SECONDS);
        assertArrayEquals(payload, r.next(Rec.Binary.class).data(), "the 1 MiB echo");
        stream = CLIENT.of(io.h2ws.trace.TraceEvent.Socket.class, e -> e.what().equals("open")).get(0).stream();
        s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        r.awaitTerminal();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    /** The first non-ACK SETTINGS {@code c} saw in the given direction. */
    static Map<String, Integer> settings(TraceTest.Collect c, boolean outbound) {
        List<H2Frame> s = c.of(H2Frame.class, f -> f.type().equals("SETTINGS") && f.outbound() == outbound && f.flags() == 0);
        assertFalse(s.isEmpty(), "no SETTINGS " + (outbound ? "sent" : "received"));
        return s.get(0).settings();
    }

    /** The WINDOW_UPDATE increments on stream 0 {@code c} saw in the given direction. */
    static List<Integer> sessionIncrements(TraceTest.Collect c, boolean outbound) {
        return c.of(H2Frame.class, f -> f.type().equals("WINDOW_UPDATE") && f.stream() == 0 && f.outbound() == outbound)
                .stream().map(H2Frame::increment).toList();
    }

    static List<H2Frame> data(TraceTest.Collect c, boolean outbound) {
        return c.of(H2Frame.class, f -> f.type().equals("DATA") && f.stream() == stream && f.outbound() == outbound);
    }

    @Test
    @DisplayName("the server's SETTINGS, as the client received them, carry its frame size and stream window; its session window follows in a WINDOW_UPDATE")
    void serverAdvertises() {
        Map<String, Integer> s = settings(CLIENT, false);
        assertEquals(SERVER_FRAME, s.get("MAX_FRAME_SIZE"), s.toString());
        assertEquals(SERVER_STREAM_WINDOW, s.get("INITIAL_WINDOW_SIZE"), s.toString());
        assertEquals(1, s.get("ENABLE_CONNECT_PROTOCOL"), s.toString());
        // the explicit session window, not the derived one: 65,535 to start with plus the increment
        assertEquals(SERVER_SESSION_WINDOW - 65_535, sessionIncrements(CLIENT, false).get(0));
    }

    @Test
    @DisplayName("the client's SETTINGS, as the server received them, carry its frame size and stream window; its session window follows in a WINDOW_UPDATE")
    void clientAdvertises() {
        Map<String, Integer> s = settings(SERVER, false);
        assertEquals(CLIENT_FRAME, s.get("MAX_FRAME_SIZE"), s.toString());
        assertEquals(CLIENT_STREAM_WINDOW, s.get("INITIAL_WINDOW_SIZE"), s.toString());
        assertEquals(CLIENT_SESSION_WINDOW - 65_535, sessionIncrements(SERVER, false).get(0));
    }

    @Test
    @DisplayName("a 1 MiB message goes to the server in DATA frames of at most the server's size, and comes back in frames of at most the client's")
    void framesFollowThePeersSetting() {
        assertFrames(data(CLIENT, true), SERVER_FRAME, "client to server, as sent");
        assertFrames(data(SERVER, true), CLIENT_FRAME, "server to client, as sent");
        // what arrived: Jetty may hand a frame over in pieces as it reads, never more than one frame
        assertAtMost(data(SERVER, false), SERVER_FRAME, "client to server, as received");
        assertAtMost(data(CLIENT, false), CLIENT_FRAME, "server to client, as received");
    }

    /** Frames of at most {@code max} bytes, the largest exactly {@code max}, carrying the whole message. */
    static void assertFrames(List<H2Frame> frames, int max, String what) {
        assertAtMost(frames, max, what);
        int largest = frames.stream().mapToInt(H2Frame::length).max().orElse(0);
        assertEquals(max, largest, what + ": the largest DATA frame");
    }

    static void assertAtMost(List<H2Frame> frames, int max, String what) {
        long total = frames.stream().mapToLong(H2Frame::length).sum();
        assertTrue(total >= MESSAGE, what + ": " + total + " bytes of DATA for a " + MESSAGE + "-byte message");
        for (H2Frame f : frames) {
            assertTrue(f.length() <= max, what + ": a DATA frame of " + f.length() + " bytes, above " + max);
        }
    }

    @Test
    @DisplayName("with 1 MiB frames advertised both ways, a 1 MiB message still crosses in frames of at most 64 KiB: h2ws's write size")
    void framesStopAtTheWriteSize() throws Exception {
        TraceTest.Collect clientTrace = new TraceTest.Collect();
        TraceTest.Collect serverTrace = new TraceTest.Collect();
        try (H2wsServer big = H2wsServer.builder().trace(serverTrace).h2MaxFrameSize(1 << 20).h2InitialStreamWindow(4 << 20)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build()).build().start();
             H2wsClient c = H2wsClient.builder().trace(clientTrace).h2MaxFrameSize(1 << 20).h2InitialStreamWindow(4 << 20).build()) {
            Recorder r = new Recorder();
            H2wsSocket s = c.newWebSocketBuilder().transport(Transport.H2)
                    .buildH2ws(URI.create("ws://127.0.0.1:" + big.port() + "/echo"), r).get(10, TimeUnit.SECONDS);
            s.sendBinary(ByteBuffer.wrap(new byte[MESSAGE]), true).get(10, TimeUnit.SECONDS);
            assertEquals(MESSAGE, r.next(Rec.Binary.class).data().length);
            s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            r.awaitTerminal();
        }
        // OutputGather.MAX_WRITE: the documented bound (api.md, benchmarks.md) on what "1 MiB frames" means
        for (TraceTest.Collect t : List.of(clientTrace, serverTrace)) {
            List<H2Frame> sent = t.of(H2Frame.class, f -> f.type().equals("DATA") && f.outbound());
            int largest = sent.stream().mapToInt(H2Frame::length).max().orElse(0);
            assertTrue(largest > 16_384 && largest <= 64 * 1024, "largest DATA frame sent: " + largest);
        }
    }

    @Test
    @DisplayName("RFC 9113 section 6.5.2: both builders reject a frame size outside 16,384..16,777,215 and a window outside its range")
    void invalidValuesRejected() {
        H2wsServer.Builder s = H2wsServer.builder();
        H2wsClient.Builder c = H2wsClient.builder();
        for (int bad : new int[] {0, 16_383, 16_777_216, -1}) {
            assertThrows(IllegalArgumentException.class, () -> s.h2MaxFrameSize(bad), "server frame " + bad);
            assertThrows(IllegalArgumentException.class, () -> c.h2MaxFrameSize(bad), "client frame " + bad);
        }
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> s.h2InitialStreamWindow(bad), "server stream window " + bad);
            assertThrows(IllegalArgumentException.class, () -> c.h2InitialStreamWindow(bad), "client stream window " + bad);
        }
        // a connection window starts at 65,535 and can only grow (RFC 9113 section 6.9.2)
        for (int bad : new int[] {0, -1, 65_534}) {
            assertThrows(IllegalArgumentException.class, () -> s.h2InitialSessionWindow(bad), "server session window " + bad);
            assertThrows(IllegalArgumentException.class, () -> c.h2InitialSessionWindow(bad), "client session window " + bad);
        }
        // the bounds themselves are fine
        s.h2MaxFrameSize(16_384).h2MaxFrameSize(16_777_215).h2InitialStreamWindow(1).h2InitialStreamWindow(Integer.MAX_VALUE)
                .h2InitialSessionWindow(65_535).h2InitialSessionWindow(Integer.MAX_VALUE);
        c.h2MaxFrameSize(16_384).h2MaxFrameSize(16_777_215).h2InitialStreamWindow(1).h2InitialStreamWindow(Integer.MAX_VALUE)
                .h2InitialSessionWindow(65_535).h2InitialSessionWindow(Integer.MAX_VALUE);
    }
}
