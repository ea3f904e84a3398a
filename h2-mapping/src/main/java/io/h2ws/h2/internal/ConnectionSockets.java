package io.h2ws.h2.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;

import io.h2ws.core.internal.socket.RealWebSocket;

/**
 * What the client and the server both keep per HTTP/2 connection: the carriers of its open
 * sockets, which Jetty does not fail by itself when the connection ends, and its keepalive.
 */
final class ConnectionSockets {

    private final Set<StreamCarrier> carriers = ConcurrentHashMap.newKeySet();
    private volatile ConnectionKeepalive keepalive;

    /** Tracks {@code socket}'s carrier until the socket is done with it. */
    void track(StreamCarrier carrier, RealWebSocket socket) {
        carriers.add(carrier);
        socket.whenCarrierDone().whenComplete((v, e) -> carriers.remove(carrier));
    }

    boolean isEmpty() {
        return carriers.isEmpty();
    }

    /** Fails every tracked carrier: their sockets end with 1006. */
    void failAll(Throwable cause) {
        for (StreamCarrier c : List.copyOf(carriers)) {
            c.fail(cause);
        }
    }

    /**
     * Starts PING keepalive on {@code session} unless it is off (null interval or timeout) or
     * already started; the arguments are {@link ConnectionKeepalive}'s.
     */
    void startKeepalive(Session session, Duration interval, Duration timeout, Executor executor,
                        BooleanSupplier hasStreams, Consumer<IOException> onDead, String name) {
        if (interval == null || timeout == null || keepalive != null) {
            return;
        }
        ConnectionKeepalive k = new ConnectionKeepalive(session, interval, timeout, executor, hasStreams, onDead, name);
        keepalive = k;
        k.start();
    }

    /** @return true when {@code frame} was the ACK of the keepalive's PING */
    boolean onPing(PingFrame frame) {
        ConnectionKeepalive k = keepalive;
        return k != null && k.onPing(frame);
    }

    /** A PING of the keepalive went unanswered: the connection is being aborted. */
    boolean isDead() {
        ConnectionKeepalive k = keepalive;
        return k != null && k.isDead();
    }

    void stopKeepalive() {
        ConnectionKeepalive k = keepalive;
        if (k != null) {
            k.stop();
        }
    }

    /** The cause a socket ends with when the peer closed the connection ({@code connection} names it). */
    static IOException closed(String connection, GoAwayFrame frame) {
        return new IOException(connection + " closed: " + frame);
    }

    /** The cause a socket ends with when the connection failed: an {@link IOException} as it is. */
    static Throwable failed(String connection, Throwable failure) {
        return failure instanceof IOException ? failure : new IOException(connection + " failed: " + failure, failure);
    }
}
