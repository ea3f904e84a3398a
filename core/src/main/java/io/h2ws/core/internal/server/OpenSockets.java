package io.h2ws.core.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.h2ws.core.internal.socket.ByteBudget;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.server.ServerLimits;

/**
 * The sockets a server has accepted, on every transport, so that stopping the server can close
 * each with 1001 (RFC 6455 section 7.4.1: "going away") and wait a bounded time for them; and
 * what they may commit ({@link ServerLimits}): the socket limit, the idle timeout and the
 * server's memory budget, of which each connection gets a share.
 */
public final class OpenSockets {

    private final Set<RealWebSocket> sockets = ConcurrentHashMap.newKeySet();
    private final ServerLimits limits;
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    private final ByteBudget budget; // null without memory limits

    /** Without limits: for fixtures that embed a transport on its own. */
    public OpenSockets() {
        this(ServerLimits.UNLIMITED, Runnable::run);
    }

    /**
     * @param limits  what the server lets its peers commit
     * @param wakeups where sockets that stopped reading for want of memory are woken (the server's pool)
     */
    public OpenSockets(ServerLimits limits, java.util.concurrent.Executor wakeups) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        this.budget = limits.unlimitedMemory() ? null : ByteBudget.root("server", limits.serverMemory(), wakeups);
    }

    /** The server's limits. */
    public ServerLimits limits() {
        return limits;
    }

    /** The server's memory budget, or null without memory limits. */
    public ByteBudget budget() {
        return budget;
    }

    /** A new connection's share of the server's budget, or null without memory limits. */
    public ByteBudget newConnectionBudget(String name) {
        return budget == null ? null : budget.child(name, limits.connectionBudget());
    }

    /** True when the socket limit is reached: a new handshake gets 503. */
    public boolean full() {
        return sockets.size() >= limits.maxSockets();
    }

    /** Tracks a socket until its carrier is released. */
    public void add(RealWebSocket socket) {
        accepted.incrementAndGet();
        sockets.add(socket);
        socket.whenCarrierDone().whenComplete((v, e) -> sockets.remove(socket));
    }

    /** Sockets accepted since the start, open or not. */
    public long accepted() {
        return accepted.get();
    }

    public int size() {
        return sockets.size();
    }

    /**
     * Sends Close(1001) on every open socket and waits up to {@code timeout} for the close
     * handshakes; sockets still open then are aborted.
     */
    public void closeAll(String reason, Duration timeout) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (RealWebSocket s : List.copyOf(sockets)) {
            if (!s.isOutputClosed()) {
                s.sendClose(1001, reason);
            }
            waits.add(s.whenCarrierDone());
        }
        try {
            CompletableFuture.allOf(waits.toArray(new CompletableFuture<?>[0]))
                    .get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (Exception timedOut) {
            for (RealWebSocket s : List.copyOf(sockets)) {
                s.abort();
            }
        }
    }
}
