package io.h2ws.core.internal.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;
import io.h2ws.core.internal.Role;

/** The socket layer end to end over in-memory carriers: demand, sends, close handshake, failures. */
class RealWebSocketTest {

    /** Echoes every message back whole. */
    static final class Echo extends Recorder {
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String t = text.toString();
                text.setLength(0);
                return ws.sendText(t, true).thenRun(() -> ws.request(1));
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.writeBytes(b);
            if (last) {
                byte[] all = bin.toByteArray();
                bin.reset();
                return ws.sendBinary(ByteBuffer.wrap(all), true).thenRun(() -> ws.request(1));
            }
            ws.request(1);
            return null;
        }
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("Text, binary, fragmented and empty messages echo through the whole layer")
    void echo() throws Exception {
        Recorder client = new Recorder();
        InMemorySockets.Pair p = InMemorySockets.open(client, new Echo(), WebSocketOptions.DEFAULTS);
        get(p.client().sendText("hello", true));
        assertEquals("hello", client.next(Rec.Text.class).text());
        get(p.client().sendText("frag", false));
        get(p.client().sendText("mented ünïcødé 😀", true));
        assertEquals("fragmented ünïcødé 😀", client.next(Rec.Text.class).text());
        byte[] big = new byte[300_000];
        new java.util.Random(1).nextBytes(big);
        get(p.client().sendBinary(ByteBuffer.wrap(big), true));
        assertArrayEquals(big, client.next(Rec.Binary.class).data());
        get(p.client().sendText("", true));
        assertEquals("", client.next(Rec.Text.class).text());
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.2: a ping reaches the listener and the pong comes back automatically")
    void pingPong() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS);
        get(p.client().sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertArrayEquals(new byte[] {1, 2, 3}, server.next(Rec.Ping.class).data());
        assertArrayEquals(new byte[] {1, 2, 3}, client.next(Rec.Pong.class).data());
    }

    @Test
    @DisplayName("RFC 6455 section 7: a client-initiated close completes on both sides with the code and reason")
    void closeHandshakeFromClient() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS);
        get(p.client().sendClose(4000, "done here"));
        assertTrue(p.client().isOutputClosed());
        Rec.Close atServer = assertInstanceOf(Rec.Close.class, server.awaitTerminal());
        assertEquals(4000, atServer.code());
        assertEquals("done here", atServer.reason());
        Rec.Close atClient = assertInstanceOf(Rec.Close.class, client.awaitTerminal());
        assertEquals(4000, atClient.code(), "the server echoes the code");
        assertTrue(p.client().isInputClosed());
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(p.client().sendText("late", true)));
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1: a listener may reply to a Close with its own code once its stage completes")
    void closeReplyAfterStage() throws Exception {
        Recorder client = new Recorder();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Recorder server = new Recorder() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                super.onClose(ws, statusCode, reason);
                return gate;
            }
        };
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS);
        get(p.client().sendClose(1000, ""));
        server.awaitTerminal();
        Thread.sleep(100);
        assertFalse(client.terminal.isDone(), "no reply before the stage completes");
        get(p.server().sendClose(1001, "my own reply"));
        gate.complete(null);
        Rec.Close c = assertInstanceOf(Rec.Close.class, client.awaitTerminal());
        assertEquals(1001, c.code());
        assertEquals("my own reply", c.reason());
    }

    @Test
    @DisplayName("request(n) is real demand: without it nothing is delivered, and the sender's writes stall at its queue limit")
    void demandIsBackpressure() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder(false); // never asks on its own
        WebSocketOptions opts = WebSocketOptions.builder().maxQueuedBytes(64 * 1024).build();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, opts);
        get(server.opened);
        List<CompletableFuture<WebSocket>> sends = new ArrayList<>();
        ByteBuffer chunk = ByteBuffer.allocate(8 * 1024);
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            CompletableFuture<WebSocket> f = p.client().sendBinary(chunk.duplicate(), true);
            if (f.isCompletedExceptionally()) {
                refused++;
            } else {
                sends.add(f);
            }
        }
        Thread.sleep(200);
        assertNull(server.events.poll(), "nothing delivered without demand");
        assertTrue(refused > 0, "sends beyond maxQueuedBytes fail at once instead of growing the heap");
        long done = sends.stream().filter(CompletableFuture::isDone).count();
        assertTrue(done < sends.size(), "the writer stalls while the reader does not demand");
        p.server().request(3);
        for (int i = 0; i < 3; i++) {
            assertEquals(8 * 1024, server.next(Rec.Binary.class).data().length);
        }
        assertNull(server.events.poll(200, TimeUnit.MILLISECONDS), "exactly three deliveries for request(3)");
        p.server().request(Long.MAX_VALUE);
        for (CompletableFuture<WebSocket> f : sends) {
            get(f);
        }
        assertEquals(sends.size() - 3, drainCount(server, sends.size() - 3));
    }

    private static int drainCount(Recorder r, int expected) throws InterruptedException {
        int n = 0;
        while (n < expected && r.events.poll(5, TimeUnit.SECONDS) != null) {
            n++;
        }
        return n;
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.5: aborting one side reports 1006 to the other and fails its pending sends")
    void abortGives1006() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS);
        get(client.opened);
        p.client().abort();
        Rec.Close c = assertInstanceOf(Rec.Close.class, server.awaitTerminal());
        assertEquals(1006, c.code());
        assertEquals(1006, p.server().closeCode());
        assertTrue(p.client().isOutputClosed());
        assertThrows(ExecutionException.class, () -> get(p.client().sendText("x", true)));
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.7: a listener that throws closes the socket with 1011")
    void listenerThrows() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                throw new IllegalStateException("application bug");
            }
        };
        InMemorySockets.Pair p = InMemorySockets.open(client, server, WebSocketOptions.DEFAULTS);
        get(p.client().sendText("boom", true));
        assertInstanceOf(Rec.Error.class, server.awaitTerminal());
        Rec.Close c = assertInstanceOf(Rec.Close.class, client.awaitTerminal());
        assertEquals(1011, c.code());
    }

    @Test
    @DisplayName("RFC 6455 section 7.1.7: a peer that never answers our Close is cut off after the close timeout")
    void closeTimeout() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder(false) {
            @Override
            public void onOpen(WebSocket ws) {
                opened.complete(ws); // and never demands: our Close is never read, never answered
            }
        };
        WebSocketOptions opts = WebSocketOptions.builder().closeTimeout(Duration.ofMillis(300)).build();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, opts);
        get(server.opened);
        long t0 = System.nanoTime();
        get(p.client().sendClose(1000, ""));
        Rec term = client.awaitTerminal();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1006, assertInstanceOf(Rec.Close.class, term).code());
        assertTrue(ms < 5000, "bounded by the close timeout, took " + ms + " ms");
    }

    @Test
    @DisplayName("RFC 6455 section 7.4.1: a message over the receiver's limit closes with 1009 on both sides")
    void tooBig() throws Exception {
        Recorder client = new Recorder();
        Recorder server = new Recorder();
        WebSocketOptions opts = WebSocketOptions.builder().maxMessageSize(1000).build();
        InMemorySockets.Pair p = InMemorySockets.open(client, server, opts);
        get(p.client().sendBinary(ByteBuffer.allocate(1001), true));
        Rec.Error e = assertInstanceOf(Rec.Error.class, server.awaitTerminal());
        assertEquals(1009, ((io.h2ws.socket.ProtocolViolation) e.error()).closeCode());
        assertEquals(1009, assertInstanceOf(Rec.Close.class, client.awaitTerminal()).code());
    }

    @Test
    @DisplayName("Sends from many threads arrive whole and in per-thread order")
    void concurrentSends() throws Exception {
        Recorder client = new Recorder();
        InMemorySockets.Pair p = InMemorySockets.open(client, new Echo(), WebSocketOptions.DEFAULTS);
        int threads = 4;
        int each = 250;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    p.client().sendText(id + ":" + i, true);
                }
            }));
        }
        ts.forEach(Thread::start);
        for (Thread t : ts) {
            t.join(10_000);
        }
        int[] nextPerThread = new int[threads];
        for (int n = 0; n < threads * each; n++) {
            String[] parts = client.next(Rec.Text.class).text().split(":");
            int id = Integer.parseInt(parts[0]);
            assertEquals(nextPerThread[id]++, Integer.parseInt(parts[1]));
        }
    }

    @Test
    @DisplayName("Chunks a carrier hands over unasked before its failure are joined in order: a Close split across them arrives whole")
    void unaskedChunksBeforeAFailureAreJoined() throws Exception {
        io.h2ws.core.internal.socket.Carrier.Receiver[] rx = new io.h2ws.core.internal.socket.Carrier.Receiver[1];
        io.h2ws.core.internal.socket.SerialExecutor[] serial = new io.h2ws.core.internal.socket.SerialExecutor[1];
        io.h2ws.core.internal.socket.Carrier carrier = new io.h2ws.core.internal.socket.Carrier() {
            @Override public void start(Receiver receiver, io.h2ws.core.internal.socket.SerialExecutor s) { rx[0] = receiver; serial[0] = s; }
            @Override public void demand() { }
            @Override public void write(ByteBuffer[] buffers, boolean last, java.util.Map<String, String> trailers,
                                        WriteCallback callback) { callback.completed(null); }
            @Override public void abort(Throwable cause) { }
            @Override public void close() { }
            @Override public io.h2ws.socket.Transport transport() { return io.h2ws.socket.Transport.H2; }
            @Override public boolean isSecure() { return false; }
            @Override public java.net.SocketAddress remoteAddress() { return null; }
            @Override public java.net.SocketAddress localAddress() { return null; }
        };
        Recorder r = new Recorder(false);
        RealWebSocket.open(carrier, new SocketSetup(Role.CLIENT, false, "", "/joined", null, null, WebSocketOptions.DEFAULTS), r)
                .start();
        WebSocket ws = r.opened.get(10, TimeUnit.SECONDS);
        ws.request(1);
        ByteBuffer twoTexts = ByteBuffer.allocate(6);
        twoTexts.put(io.h2ws.core.internal.frame.FrameEncoder.encodeFrame(true, 0, 1, false, 0, ByteBuffer.wrap(new byte[] {'a'})));
        twoTexts.put(io.h2ws.core.internal.frame.FrameEncoder.encodeFrame(true, 0, 1, false, 0, ByteBuffer.wrap(new byte[] {'b'})));
        serial[0].execute(() -> rx[0].onData(twoTexts.flip(), () -> { }));
        assertEquals(new Rec.Text("a"), r.next()); // "b" waits for demand, so the next chunk is not decoded yet
        ByteBuffer close = io.h2ws.core.internal.frame.FrameEncoder.encodeFrame(true, 0, 8, false, 0,
                ByteBuffer.allocate(5).putShort((short) 4001).put(new byte[] {'b', 'y', 'e'}).flip());
        ByteBuffer firstHalf = close.duplicate().limit(3);
        ByteBuffer secondHalf = close.duplicate().position(3);
        serial[0].execute(() -> rx[0].onData(firstHalf, () -> { }));
        serial[0].execute(() -> rx[0].onData(secondHalf, () -> { })); // unasked: joined to the first half
        serial[0].execute(() -> rx[0].onFailure(new IOException("stream reset by peer")));
        ws.request(1);
        assertEquals(new Rec.Close(4001, "bye"), r.next(), "the Close, not the 1006 of the reset nor a protocol error");
    }
}
