package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * Hostile WebSocket frames on upgraded HTTP/1.1 connections, built byte by byte: what the server
 * answers, what it costs, and that a well-behaved client is served meanwhile.
 */
class FrameAttackTest {

    static HostileServer hs;

    @BeforeAll
    static void start() throws Exception {
        hs = new HostileServer(b -> b);
    }

    @AfterAll
    static void stop() throws Exception {
        hs.close();
    }

    static byte[] pingPayload(long id, int size) {
        byte[] p = new byte[size];
        ByteBuffer.wrap(p).putLong(id);
        return p;
    }

    static long id(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong();
    }

    @Test
    void pipelinedRequestAfterTheUpgradeIsReadAsFramesAndFailsTheSocketWith1002() throws Exception {
        // A second HTTP request pipelined behind the upgrade: after the 101 those bytes are
        // WebSocket bytes, read as a frame header ('G' = 0x47, 'E' = 0x45: no mask bit, so
        // "unmasked frame from a client"), and 0xFF garbage (a 64-bit length with the top bit set).
        // An incomplete header is not garbage yet: the server waits for the rest, so each case
        // here is a complete (if absurd) header.
        byte[] ff = new byte[16];
        Arrays.fill(ff, (byte) 0xFF);
        byte[][] garbage = {RawWs.ascii("GET /second HTTP/1.1\r\nHost: x\r\n\r\n"), ff};
        for (byte[] g : garbage) {
            try (RawWs ws = RawWs.upgraded(hs.port(), "/rec", g)) {
                RawWs.Frame close = ws.readFrame();
                assertEquals(0x8, close.opcode());
                assertEquals(1002, close.closeCode(), close.text());
                assertTrue(ws.endsWithin(5000));
            }
            Rec end = hs.nextRecorder().awaitTerminal();
            ProtocolViolation v = assertInstanceOf(ProtocolViolation.class, assertInstanceOf(Rec.Error.class, end).error());
            assertEquals(1002, v.closeCode());
        }
        hs.sentinels();
    }

    @Test
    void frameLengthWithTheTopBitSetIs1002AndAHugeOneIs1009() throws Exception {
        long[] lengths = {Long.MIN_VALUE /* 2^63 */, 1L << 62};
        int[] codes = {1002, 1009};
        for (int i = 0; i < lengths.length; i++) {
            ByteBuffer h = ByteBuffer.allocate(14);
            h.put((byte) 0x82).put((byte) (0x80 | 127)).putLong(lengths[i]).putInt(RawWs.MASK);
            try (RawWs ws = RawWs.upgraded(hs.port(), "/rec", h.array())) {
                RawWs.Frame close = ws.readFrame();
                assertEquals(0x8, close.opcode());
                assertEquals(codes[i], close.closeCode(), "length " + Long.toUnsignedString(lengths[i]) + ": " + close.text());
                assertTrue(ws.endsWithin(5000));
            }
            Rec end = hs.nextRecorder().awaitTerminal();
            assertEquals(codes[i], ((ProtocolViolation) ((Rec.Error) end).error()).closeCode());
        }
        hs.sentinels();
    }

    @Test
    void dataAfterTheCloseFrameIsIgnored() throws Exception {
        byte[] afterClose = RawWs.frame(true, 0x1, RawWs.ascii("sent after the close"));
        try (RawWs ws = RawWs.upgraded(hs.port(), "/rec",
                concat(RawWs.frame(true, 0x8, RawWs.closePayload(1000, "bye")), afterClose, new byte[] {(byte) 0xFF, 0, 0}))) {
            RawWs.Frame close = ws.readFrame();
            assertEquals(1000, close.closeCode());
            assertTrue(ws.endsWithin(5000));
        }
        Recorder server = hs.nextRecorder();
        assertEquals(new Rec.Close(1000, "bye"), server.awaitTerminal());
        Thread.sleep(100);
        assertEquals(1, server.events.size(), "the server listener saw more than the Close: " + server.events);
        hs.sentinels();
    }

    @Test
    void oneHundredThousandOneByteFragmentsAssembleInLinearTimeOr1009AboveTheLimit() throws Exception {
        int n = 100_000;
        ByteArrayOutputStream frames = new ByteArrayOutputStream(n * 7);
        byte[] one = {'a'};
        for (int i = 0; i < n; i++) {
            frames.writeBytes(RawWs.frame(i == n - 1, i == 0 ? 0x1 : 0x0, one));
        }
        byte[] all = frames.toByteArray();
        // within the limit (16 MiB): the echo is the whole message
        long t0 = System.nanoTime();
        try (RawWs ws = RawWs.upgraded(hs.port(), "/echo", new byte[0])) {
            CompletableFuture<Void> w = CompletableFuture.runAsync(() -> write(ws, all));
            RawWs.Frame echo = ws.readFrame();
            w.get(10, TimeUnit.SECONDS);
            assertEquals(0x1, echo.opcode());
            assertEquals(n, echo.payload().length);
            assertTrue(echo.text().chars().allMatch(c -> c == 'a'));
        }
        long okMs = (System.nanoTime() - t0) / 1_000_000;
        // above /small's 50,000-byte limit: 1009 once the 50,001st byte's frame header arrives
        t0 = System.nanoTime();
        try (RawWs ws = RawWs.upgraded(hs.port(), "/small", new byte[0])) {
            CompletableFuture.runAsync(() -> write(ws, all));
            RawWs.Frame close = ws.readUntilClose();
            assertEquals(1009, close.closeCode(), close.text());
        }
        long tooBigMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(okMs < 5000, "100,000 fragments took " + okMs + " ms");
        Rec end = hs.nextRecorder().awaitTerminal();
        assertEquals(1009, ((ProtocolViolation) ((Rec.Error) end).error()).closeCode());
        System.out.printf("[hostile] 100,000 one-byte fragments (%d bytes on the wire): echoed whole in %d ms; 1009 above 50,000 in %d ms%n",
                all.length, okMs, tooBigMs);
        hs.sentinels();
    }

    @Test
    void tenThousandPingsAreAnsweredAndTheLastOneIsAnswered() throws Exception {
        int n = 10_000;
        ByteArrayOutputStream pings = new ByteArrayOutputStream();
        for (int i = 1; i <= n; i++) {
            pings.writeBytes(RawWs.frame(true, 0x9, pingPayload(i, 8)));
        }
        long t0 = System.nanoTime();
        int pongs = 0;
        long lastId = 0;
        try (RawWs ws = RawWs.upgraded(hs.port(), "/echo", new byte[0])) {
            CompletableFuture<Void> w = CompletableFuture.runAsync(() -> write(ws, pings.toByteArray()));
            while (lastId != n) {
                RawWs.Frame f = ws.readFrame();
                assertEquals(0xA, f.opcode());
                long id = id(f.payload());
                assertTrue(id > lastId, "pongs out of order: " + id + " after " + lastId);
                lastId = id;
                pongs++;
            }
            w.get(10, TimeUnit.SECONDS);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(pongs >= 1 && pongs <= n);
        System.out.printf("[hostile] ping flood of %d (reading): %d pongs, the last ping answered, %d ms%n", n, pongs, ms);
        hs.sentinels();
    }

    @Test
    void aPingFloodFromAPeerThatDoesNotReadLeavesAtMostOnePongQueued() throws Exception {
        // 100,000 pings of 125 bytes (13 MB) from a client that reads nothing (4 KiB receive
        // buffer): the pongs (12.7 MB) cannot all be written. RFC 6455 section 5.5.3 lets the
        // server answer only the most recent ping; it must not queue one pong per ping.
        int n = 100_000;
        ByteArrayOutputStream pings = new ByteArrayOutputStream(n * 131);
        for (int i = 1; i <= n; i++) {
            pings.writeBytes(RawWs.frame(true, 0x9, pingPayload(i, 125)));
        }
        byte[] all = pings.toByteArray();
        try (RawWs ws = new RawWs(hs.port(), 4096)) {
            ws.write(RawWs.ascii(RawWs.upgradeRequest("/rec", hs.port())));
            assertEquals(101, ws.readStatus());
            Recorder server = hs.nextRecorder();
            RealWebSocket serverSocket = (RealWebSocket) server.opened.get(5, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            CompletableFuture<Void> w = CompletableFuture.runAsync(() -> write(ws, all));
            long maxQueued = 0;
            while (!w.isDone()) {
                maxQueued = Math.max(maxQueued, serverSocket.queuedBytes());
                Thread.sleep(1);
            }
            w.get();
            long floodMs = (System.nanoTime() - t0) / 1_000_000;
            // the server read every ping although its pongs were stuck
            while (server.events.stream().filter(e -> e instanceof Rec.Ping).count() < n && (System.nanoTime() - t0) < 10_000_000_000L) {
                maxQueued = Math.max(maxQueued, serverSocket.queuedBytes());
                Thread.sleep(5);
            }
            maxQueued = Math.max(maxQueued, serverSocket.queuedBytes());
            long seen = server.events.stream().filter(e -> e instanceof Rec.Ping).count();
            assertEquals(n, seen);
            assertTrue(maxQueued <= 128 * 1024, "the server queued " + maxQueued + " bytes of pongs");
            // now read: the pongs come in order and the last ping is answered
            int pongs = 0;
            long lastId = 0;
            while (lastId != n) {
                RawWs.Frame f = ws.readFrame();
                assertEquals(0xA, f.opcode());
                assertTrue(id(f.payload()) > lastId);
                lastId = id(f.payload());
                pongs++;
            }
            System.out.printf("[hostile] ping flood of %d x 125 B, not reading: written in %d ms, server queue peak %d bytes, "
                    + "%d pongs sent (the rest coalesced), the last ping answered%n", n, floodMs, maxQueued, pongs);
        }
        hs.sentinels();
    }

    private static void write(RawWs ws, byte[] bytes) {
        try {
            ws.out.write(bytes);
            ws.out.flush();
        } catch (IOException e) {
            // the server closed (the 1009 case)
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Arrays.stream(parts).forEach(b::writeBytes);
        return b.toByteArray();
    }
}
