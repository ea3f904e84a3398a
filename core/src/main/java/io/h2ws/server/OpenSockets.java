package io.h2ws.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.h2ws.core.socket.RealWebSocket;

/**
 * The sockets a server has accepted, on every transport, so that stopping the server can close
 * each with 1001 (RFC 6455 section 7.4.1: "going away") and wait a bounded time for them.
 */
public final class OpenSockets {

    private final Set<RealWebSocket> sockets = ConcurrentHashMap.newKeySet();

    /** Tracks a socket until its carrier is released. */
    public void add(RealWebSocket socket) {
        sockets.add(socket);
        socket.whenCarrierDone().whenComplete((v, e) -> sockets.remove(socket));
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
