package io.h2ws.server;

import java.time.Duration;
import java.util.Objects;

import io.h2ws.socket.WebSocketOptions;

/**
 * What one server lets its peers commit (RFC 9113 section 10.5): how long a silent socket lives,
 * how many sockets and connections it holds, and how much memory a connection and the whole
 * server may buffer for sockets. {@link #defaults()} are meant for a server on the open network.
 *
 * <p>Memory is what sockets hold in the heap: bytes waiting in send queues and bytes received but
 * not yet handed to a listener. Half of {@code connectionMemory} is counted this way; the other
 * half is left to what the transport holds per connection outside the count (on HTTP/2 the
 * session receive window, at most a quarter, and each stream's read-ahead). A connection that
 * reaches its share stops being read; once its send queues alone fill the share, new sends are
 * refused (received bytes never refuse a send: an echo would drop the message it could not
 * send). The same holds for every connection once {@code serverMemory} is reached. See {@code spec-notes/threat-model.md}.
 *
 * @param idleTimeout      a socket with no frame either way for this long is closed with 1001
 *                         (an endpoint's own non-zero {@code idleTimeout} wins); zero: never
 * @param maxSockets       open sockets on all transports; beyond it a handshake gets 503
 * @param maxConnections   TCP connections the server holds; beyond it new ones wait in the
 *                         kernel's accept queue
 * @param connectionMemory bytes one connection may make the server buffer (see above)
 * @param serverMemory     bytes all sockets together may hold in send queues and received data
 */
public record ServerLimits(Duration idleTimeout, int maxSockets, int maxConnections, long connectionMemory,
                           long serverMemory) {

    /** Default idle timeout: two minutes, long enough for an application ping every minute. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Default socket limit. */
    public static final int DEFAULT_MAX_SOCKETS = 100_000;
    /** Default connection limit. */
    public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
    /** Upper bound of the default per-connection memory. */
    public static final long DEFAULT_CONNECTION_MEMORY_CAP = 256L << 20;

    /** No limits: for embedded fixtures and tests that measure the unbounded behaviour. */
    public static final ServerLimits UNLIMITED = new ServerLimits(Duration.ZERO, Integer.MAX_VALUE, Integer.MAX_VALUE,
            Long.MAX_VALUE, Long.MAX_VALUE);

    /** Checks the values. */
    public ServerLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
        }
        if (maxSockets < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("maxSockets and maxConnections must be positive");
        }
        if (connectionMemory < 2 || serverMemory < 1) {
            throw new IllegalArgumentException("memory limits must be positive");
        }
    }

    /**
     * The defaults: 120 s idle, 100,000 sockets, 20,000 connections, per connection the smaller
     * of 256 MiB and an eighth of the heap, for the server half the heap.
     */
    public static ServerLimits defaults() {
        long heap = Runtime.getRuntime().maxMemory();
        return new ServerLimits(DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SOCKETS, DEFAULT_MAX_CONNECTIONS,
                Math.min(DEFAULT_CONNECTION_MEMORY_CAP, heap / 8), heap / 2);
    }

    /** The part of {@code connectionMemory} counted against sockets' buffers. */
    public long connectionBudget() {
        return connectionMemory == Long.MAX_VALUE ? Long.MAX_VALUE : connectionMemory / 2;
    }

    /** True when nothing is limited (no budget is kept). */
    public boolean unlimitedMemory() {
        return connectionMemory == Long.MAX_VALUE && serverMemory == Long.MAX_VALUE;
    }

    /** An endpoint's options with the server's idle timeout where the endpoint set none. */
    public WebSocketOptions apply(WebSocketOptions options) {
        if (idleTimeout.isZero() || !options.idleTimeout().isZero()) {
            return options;
        }
        Applied last = lastApplied; // an endpoint's options, socket after socket: one copy, not one per socket
        if (last != null && last.from == options && last.idle.equals(idleTimeout)) {
            return last.to;
        }
        WebSocketOptions to = options.toBuilder().idleTimeout(idleTimeout).build();
        lastApplied = new Applied(options, idleTimeout, to);
        return to;
    }

    private record Applied(WebSocketOptions from, Duration idle, WebSocketOptions to) {}

    private static volatile Applied lastApplied;

    /** A copy with another idle timeout. */
    public ServerLimits withIdleTimeout(Duration d) {
        return new ServerLimits(d, maxSockets, maxConnections, connectionMemory, serverMemory);
    }
}
