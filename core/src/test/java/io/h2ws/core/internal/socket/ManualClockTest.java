package io.h2ws.core.internal.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.Role;

/**
 * The socket's timeouts run on the clock it is given ({@link SocketClock}), so they are tested
 * here in virtual time, without waiting: RFC 6455 leaves idle handling to the application; ours
 * closes with 1001 (section 7.4.1, "going away"), and a close handshake the peer never finishes
 * ends in 1006 after the close timeout (section 7.1.1 lets an endpoint give up waiting).
 */
class ManualClockTest {

    /** Virtual time: tasks run when {@link #advance} passes their deadline. */
    static final class ManualClock implements SocketClock {
        private record Task(long at, Runnable r, boolean[] cancelled) {}

        long now = 1_000_000_000L;
        final List<Task> tasks = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public synchronized Timer schedule(Runnable task, long delayNanos) {
            boolean[] cancelled = {false};
            tasks.add(new Task(now + delayNanos, task, cancelled));
            return () -> cancelled[0] = true;
        }

        void advance(Duration d) {
            long end = now + d.toNanos();
            for (;;) {
                Task next = null;
                synchronized (this) {
                    for (Task t : tasks) {
                        if (t.at() <= end && (next == null || t.at() < next.at())) {
                            next = t;
                        }
                    }
                    if (next == null) {
                        break;
                    }
                    tasks.remove(next);
                }
                now = Math.max(now, next.at());
                if (!next.cancelled()[0]) {
                    next.r().run();
                }
            }
            now = end;
        }
    }

    /** Records what the socket writes; never answers. */
    static final class SilentCarrier implements Carrier {
        final List<byte[]> writes = new ArrayList<>();
        final AtomicInteger aborts = new AtomicInteger();

        @Override public void start(Receiver receiver, SerialExecutor serial) { }
        @Override public void demand() { }
        @Override public synchronized void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers,
                                                 WriteCallback callback) {
            for (ByteBuffer b : buffers) {
                byte[] a = new byte[b.remaining()];
                b.get(a);
                writes.add(a);
            }
            callback.completed(null);
        }
        @Override public void abort(Throwable cause) { aborts.incrementAndGet(); }
        @Override public void close() { }
        @Override public Transport transport() { return Transport.H1; }
        @Override public boolean isSecure() { return false; }
        @Override public java.net.SocketAddress remoteAddress() { return null; }
        @Override public java.net.SocketAddress localAddress() { return null; }

        synchronized int lastOpcode() {
            return writes.get(writes.size() - 1)[0] & 0x0F;
        }
    }

    static final class Closes implements WebSocket.Listener {
        final List<Integer> codes = new ArrayList<>();

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            codes.add(statusCode);
            return null;
        }
    }

    @Test
    @DisplayName("idle timeout: nothing happens before it, then our Close 1001 (section 7.4.1); the close timeout then aborts with 1006")
    void idleThenCloseTimeout() {
        ManualClock clock = new ManualClock();
        SilentCarrier carrier = new SilentCarrier();
        Closes listener = new Closes();
        WebSocketOptions options = WebSocketOptions.builder().idleTimeout(Duration.ofSeconds(30))
                .closeTimeout(Duration.ofSeconds(5)).build();
        RealWebSocket socket = new RealWebSocket(carrier, new SocketSetup(Role.SERVER, false, "", "/idle", null, null, options),
                listener, clock).start();

        clock.advance(Duration.ofSeconds(29));
        assertEquals(0, carrier.writes.size(), "not idle yet");
        assertEquals(SocketState.OPEN, socket.state());

        clock.advance(Duration.ofSeconds(2));
        assertEquals(0x8, carrier.lastOpcode(), "a Close went out");
        byte[] close = carrier.writes.get(carrier.writes.size() - 1);
        assertEquals(1001, (close[2] & 0xFF) << 8 | (close[3] & 0xFF), "with 1001 (going away)");
        assertEquals(SocketState.OUTPUT_ENDED, socket.state(), "our half ended; waiting for the peer's");

        clock.advance(Duration.ofSeconds(6));
        assertEquals(SocketState.RELEASED, socket.state());
        assertEquals(1, carrier.aborts.get(), "the carrier was aborted once");
        assertEquals(List.of(1006), listener.codes, "the listener heard 1006");
    }

    @Test
    @DisplayName("keepalive: a Ping every interval, and an application send postpones the idle timeout")
    void keepaliveAndActivity() {
        ManualClock clock = new ManualClock();
        SilentCarrier carrier = new SilentCarrier();
        WebSocketOptions options = WebSocketOptions.builder().idleTimeout(Duration.ofSeconds(30))
                .pingInterval(Duration.ofSeconds(10)).pongTimeout(Duration.ofSeconds(100)).build();
        RealWebSocket socket = new RealWebSocket(carrier, new SocketSetup(Role.SERVER, false, "", "/ka", null, null, options),
                new Closes(), clock).start();
        clock.advance(Duration.ofSeconds(11));
        assertEquals(0x9, carrier.lastOpcode(), "a keepalive Ping");
        clock.advance(Duration.ofSeconds(15));
        socket.sendText("still here", true);
        clock.advance(Duration.ofSeconds(20));
        assertEquals(SocketState.OPEN, socket.state(), "the send at 26 s moved the idle deadline to 56 s");
        clock.advance(Duration.ofSeconds(11));
        assertTrue(carrier.writes.stream().anyMatch(w -> (w[0] & 0x0F) == 0x8), "idle after 56 s: Close");
    }
}
