package io.h2ws.core.internal.socket;

import java.nio.ByteBuffer;
import java.util.Map;

import io.h2ws.socket.Transport;

/**
 * What a transport offers a WebSocket socket: one duplex byte channel with demand-driven reads
 * and completion callbacks on writes. An HTTP/2 stream (RFC 8441) and an upgraded HTTP/1.1
 * connection both look like this; nothing above it knows which one it has.
 *
 * <p>Contract, the same on both transports:
 * <ul>
 *   <li>Every {@link Receiver} call runs through the socket's {@link SerialExecutor}, given at
 *       {@link #start}: never two at once, in the order the carrier queued them. A carrier keeps
 *       no call queue of its own.</li>
 *   <li>Nothing is delivered before {@link #start} and then only one chunk per {@link #demand()}
 *       call, so a reader that stops demanding stops the peer (HTTP/2 flow-control credit is
 *       bounded by the read-ahead; TCP read interest is not renewed). One exception: right before
 *       {@code onFailure} a carrier may hand over, unasked, chunks it had already read (a Close
 *       the peer sent just before resetting the stream).</li>
 *   <li>At most one {@link #write} is outstanding; the caller waits for its callback. A carrier
 *       writes what it is handed, in order, and gathers nothing: the socket's write queue has
 *       gathered and copied already. A write with {@code last = true} ends our half (END_STREAM,
 *       with trailers when given, or TCP output shutdown).</li>
 *   <li>Exactly one terminal call reaches the receiver: {@code onEnd} after which no data
 *       follows, or {@code onFailure}. {@code onEnd} may be followed by {@code onFailure} only if
 *       the transport fails afterwards while we are still writing.</li>
 * </ul>
 */
public interface Carrier {

    /** Receives what the peer sends, through the socket's serial executor. */
    interface Receiver {
        /**
         * One chunk of bytes. The receiver owns {@code data} (it may modify it in place, e.g. to
         * unmask) until it calls {@code release}, which returns the buffer (and on HTTP/2 lets the
         * carrier read on). Before {@code onFailure} this may come without a {@code demand()},
         * possibly more than once.
         */
        void onData(ByteBuffer data, Runnable release);

        /**
         * The peer ended its half cleanly (END_STREAM or TCP FIN); {@code trailers} are the header
         * fields that ended it (HTTP/2 trailers), or null when there were none.
         */
        void onEnd(Map<String, String> trailers);

        /** The carrier failed: reset by the peer, connection lost, or timed out. */
        void onFailure(Throwable cause);
    }

    /** Completion of a write. */
    interface WriteCallback {
        /** @param failure null on success */
        void completed(Throwable failure);
    }

    /** Installs the receiver and the serial executor its calls run through; no data before {@link #demand()}. */
    void start(Receiver receiver, SerialExecutor serial);

    /** Asks for one more chunk (or the terminal event). */
    void demand();

    /**
     * Writes the buffers in order, as they are. {@code last} ends our half after them, with
     * {@code trailers} (non-null only with {@code last}) as the header fields that end it; a
     * carrier that has no trailers (HTTP/1.1) fails such a write.
     */
    void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback);

    /**
     * Where the write queue copies heap bytes for this carrier, or null when heap buffers are
     * written as they are (TLS, whose engine reads heap buffers itself, or memory).
     */
    default DirectBufferPool directPool() {
        return null;
    }

    /**
     * Runs {@code task}, which may call the application's listener, on a thread that may run
     * application code: never the caller's when the caller parses a shared connection or is the
     * application's own thread inside a {@code send*}. The default runs it here, for carriers
     * whose callers are all free to run listener code.
     */
    default void dispatch(Runnable task) {
        task.run();
    }

    /** Ends the channel abruptly: RST_STREAM(CANCEL) on HTTP/2, a closed socket on HTTP/1.1. */
    void abort(Throwable cause);

    /** Releases the channel after a clean close; idempotent. */
    void close();

    /** Which transport this is. */
    Transport transport();

    /** True when the bytes travel over TLS. */
    boolean isSecure();

    /** The peer's address, or null when unknown. */
    java.net.SocketAddress remoteAddress();

    /** Our address, or null when unknown. */
    java.net.SocketAddress localAddress();
}
