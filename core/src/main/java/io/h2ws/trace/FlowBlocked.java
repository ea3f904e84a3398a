package io.h2ws.trace;

/**
 * Time a socket's carrier held sends back for lack of flow-control credit (HTTP/2 send windows),
 * as the transport measures it; see {@link SocketStats}. Implementations are thread-safe.
 */
public interface FlowBlocked {
    /** Nanoseconds the socket's stream send window was at 0 (including a blocked spell still running). */
    long streamBlockedNanos();

    /** Nanoseconds the connection's send window was at 0 (including a blocked spell still running). */
    long connectionBlockedNanos();
}
