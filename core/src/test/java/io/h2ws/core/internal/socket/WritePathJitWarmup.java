package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.Role;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.socket.Carrier;
import io.h2ws.core.internal.socket.DirectBufferPool;
import io.h2ws.core.internal.socket.SerialExecutor;

/**
 * Run in a JVM of its own by {@link WritePathJitRegressionTest}: warms a socket's real write path
 * (send, write queue, gather, direct copy) with small messages only, as a busy connection does,
 * then sends one message of 4,245 bytes and checks that every byte reached the carrier. Exit code
 * 0 when all bytes are accounted for, 3 when any is lost. Argument 1: warm-up sends; argument 2:
 * "pool" to lend the write queue a direct pool (as both network transports do) or "heap".
 */
public final class WritePathJitWarmup {

    private WritePathJitWarmup() {
    }

    /** Counts what it is asked to write and completes at once, as a fast socket would. */
    static final class CountingCarrier implements Carrier {
        final boolean pooled;
        long written;

        CountingCarrier(boolean pooled) {
            this.pooled = pooled;
        }

        @Override public void start(Receiver receiver, SerialExecutor serial) { }
        @Override public void demand() { }
        @Override public void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
            for (ByteBuffer b : buffers) {
                written += b.limit() - b.position();
                b.position(b.limit());
            }
            callback.completed(null);
        }
        @Override public DirectBufferPool directPool() {
            return pooled ? size -> {
                ByteBuffer b = ByteBuffer.allocateDirect(Math.max(size, 64 * 1024));
                return new DirectBufferPool.Lease() {
                    @Override public ByteBuffer buffer() { return b; }
                    @Override public void release() { }
                };
            } : null;
        }
        @Override public void abort(Throwable cause) { }
        @Override public void close() { }
        @Override public Transport transport() { return Transport.H2; }
        @Override public boolean isSecure() { return false; }
        @Override public java.net.SocketAddress remoteAddress() { return null; }
        @Override public java.net.SocketAddress localAddress() { return null; }
    }

    public static void main(String[] args) throws Exception {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        boolean pooled = args.length < 2 || args[1].equals("pool");
        CountingCarrier carrier = new CountingCarrier(pooled);
        RealWebSocket socket = RealWebSocket.open(carrier,
                new SocketSetup(Role.SERVER, false, "", "/warm", null, null, WebSocketOptions.DEFAULTS), new WebSocket.Listener() { })
                .start();
        long expected = 0;
        ByteBuffer empty = ByteBuffer.allocate(0);
        long sink = 0;
        for (int i = 0; i < warm; i++) {
            // both outcomes of Buffer.remaining()'s ternary in the profile, as a busy JVM has them
            sink += empty.remaining() + ByteBuffer.allocate(5).remaining();
            int n = 20 + (i & 63);
            socket.sendBinary(ByteBuffer.allocate(n), true).get(10, TimeUnit.SECONDS);
            expected += 2 + n; // a server frame of up to 125 bytes has a 2-byte header
        }
        Thread.sleep(500); // let the C2 compile finish
        socket.sendBinary(ByteBuffer.allocate(4245), true).get(10, TimeUnit.SECONDS);
        expected += 4 + 4245;
        System.out.println("carrier got " + carrier.written + " of " + expected + " bytes (sink " + sink + ")");
        System.exit(carrier.written == expected ? 0 : 3);
    }
}
