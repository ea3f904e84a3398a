package io.h2ws.core.internal.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.Role;

/**
 * A socket with a memory budget (RFC 9113 section 10.5), over in-memory carriers: a used-up
 * budget stops its reading until room is given back, and refuses its sends at once.
 */
class BudgetedSocketTest {

    final ExecutorService wakeups = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        wakeups.shutdownNow();
    }

    static final class Received implements WebSocket.Listener {
        final BlockingQueue<Integer> sizes = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            sizes.add(data.remaining());
            ws.request(1);
            return null;
        }
    }

    @Test
    @DisplayName("A used-up connection budget stops reading (nothing delivered) until room is given back; then the message arrives")
    void aFullBudgetPausesReadingUntilRoomComes() throws Exception {
        ByteBudget server = ByteBudget.root("server", 1 << 20, wakeups);
        ByteBudget connection = server.child("connection", 64 * 1024);
        InMemoryCarriers.Pair carriers = InMemoryCarriers.pair(Transport.H2);
        Received received = new Received();
        RealWebSocket s = RealWebSocket.open(carriers.server(), new SocketSetup(Role.SERVER, false, "", "/b", null, null,
                WebSocketOptions.DEFAULTS, connection), received);
        RealWebSocket c = RealWebSocket.open(carriers.client(), new SocketSetup(Role.CLIENT, false, "", "/b", null, null,
                WebSocketOptions.DEFAULTS), new WebSocket.Listener() {});
        s.start();
        c.start();
        c.sendBinary(ByteBuffer.allocate(1000), true).get(5, TimeUnit.SECONDS);
        assertEquals(1000, received.sizes.poll(5, TimeUnit.SECONDS), "room: read at once");

        connection.addSend(64 * 1024); // other sockets' send queues hold all of it
        CompletableFuture<WebSocket> second = c.sendBinary(ByteBuffer.allocate(2000), true);
        CompletableFuture<WebSocket> third = c.sendBinary(ByteBuffer.allocate(3000), true); // held back by the pause
        // a read the pump asked for before the budget filled up may still complete (the documented
        // overshoot: one read per socket); after it the socket asks for no more
        java.util.List<Integer> during = new java.util.ArrayList<>();
        Integer got;
        while ((got = received.sizes.poll(500, TimeUnit.MILLISECONDS)) != null) {
            during.add(got);
        }
        assertTrue(during.isEmpty() || during.equals(java.util.List.of(2000)), "a full budget stops reading: " + during);
        CompletableFuture<WebSocket> refused = s.sendBinary(ByteBuffer.allocate(100), true);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> refused.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("budget"), e.getCause().getMessage());

        connection.addSend(-64 * 1024); // they let go
        if (during.isEmpty()) {
            assertEquals(2000, received.sizes.poll(5, TimeUnit.SECONDS), "reading resumes when room comes back");
        }
        assertEquals(3000, received.sizes.poll(5, TimeUnit.SECONDS), "reading resumes when room comes back");
        second.get(5, TimeUnit.SECONDS);
        third.get(5, TimeUnit.SECONDS);
        s.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (connection.used() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, connection.used(), "the socket gives back what it counted");
    }

    @Test
    @DisplayName("An echo the budget keeps refusing ends its socket with 1013 (Try Again Later) after the retry window: never dropped in silence")
    void aRefusedEchoClosesWithTryAgainLater() throws Exception {
        refusedEcho(false);
    }

    @Test
    @DisplayName("An echo the budget refuses for a while is retried and arrives once queued bytes are written: no close, no loss")
    void aRefusedEchoIsRetriedWhenRoomComes() throws Exception {
        refusedEcho(true);
    }

    private void refusedEcho(boolean roomComes) throws Exception {
        ByteBudget server = ByteBudget.root("server", 1 << 20, wakeups);
        ByteBudget connection = server.child("connection", 64 * 1024);
        connection.addSend(64 * 1024 - 500); // other sockets' send queues: room to read, none to echo 1000 bytes
        InMemoryCarriers.Pair carriers = InMemoryCarriers.pair(Transport.H2);
        RealWebSocket s = RealWebSocket.open(carriers.server(), new SocketSetup(Role.SERVER, false, "", "/b", null, null,
                WebSocketOptions.DEFAULTS, connection), new io.h2ws.server.EchoListener());
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        BlockingQueue<Integer> echoes = new LinkedBlockingQueue<>();
        RealWebSocket c = RealWebSocket.open(carriers.client(), new SocketSetup(Role.CLIENT, false, "", "/b", null, null,
                WebSocketOptions.DEFAULTS), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                        echoes.add(data.remaining());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                });
        s.start();
        c.start();
        long t0 = System.nanoTime();
        c.sendBinary(ByteBuffer.allocate(1000), true).get(5, TimeUnit.SECONDS);
        if (roomComes) {
            Thread.sleep(300); // the other sockets' queued bytes are written a little later
            connection.addSend(-(64 * 1024 - 500));
            assertEquals(1000, echoes.poll(5, TimeUnit.SECONDS), "the echo arrives once there is room");
            assertNull(closed.getNow(null), "the socket stays open");
            return;
        }
        assertEquals(1013, closed.get(io.h2ws.server.EchoListener.RETRY_MILLIS + 5_000, TimeUnit.MILLISECONDS),
                "the refused echo is reported to the peer");
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(io.h2ws.server.EchoListener.RETRY_MILLIS),
                "retried for the whole window first");
        assertNull(echoes.poll(), "nothing was echoed");
        connection.addSend(-(64 * 1024 - 500));
    }
}
