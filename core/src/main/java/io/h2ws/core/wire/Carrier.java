package io.h2ws.core.wire;

import java.nio.ByteBuffer;

import io.h2ws.Transport;

/**
 * What a transport offers a WebSocket session: one duplex byte channel with demand-driven reads
 * and completion callbacks on writes. An HTTP/2 stream (RFC 8441) and an upgraded HTTP/1.1
 * connection both look like this; nothing above it knows which one it has.
 *
 * <p>Contract, the same on both transports:
 * <ul>
 *   <li>Nothing is delivered before {@link #start} and then only one chunk per {@link #demand()}
 *       call, so a reader that stops demanding stops the peer (HTTP/2 flow-control credit is
 *       returned only through the {@code release} callback; TCP read interest is not renewed).
 *       One exception: right before {@code onFailure} a carrier may hand over, unasked, chunks
 *       it had already read (a Close the peer sent just before resetting the stream).</li>
 *   <li>At most one {@link #write} is outstanding; the caller waits for its callback. A write
 *       with {@code last = true} ends our half (END_STREAM, or TCP output shutdown).</li>
 *   <li>Exactly one terminal callback reaches the receiver: {@code onEnd} after which no data
 *       follows, or {@code onFailure}. {@code onEnd} may be followed by {@code onFailure} only if
 *       the transport fails afterwards while we are still writing.</li>
 * </ul>
 */
public interface Carrier {

    /** Receives what the peer sends; calls are never concurrent with each other. */
    interface Receiver {
        /**
         * One chunk of bytes. The receiver owns {@code data} (it may modify it in place, e.g. to
         * unmask) until it calls {@code release}, which returns flow-control credit. Before
         * {@code onFailure} this may come without a {@code demand()}, possibly more than once.
         */
        void onData(ByteBuffer data, Runnable release);

        /** The peer ended its half cleanly (END_STREAM or TCP FIN). */
        void onEnd();

        /** The carrier failed: reset by the peer, connection lost, or timed out. */
        void onFailure(Throwable cause);

        /**
         * Trailing header fields ended the peer's half (HTTP/2 trailers with END_STREAM); only
         * carriers that support trailers call it, and no {@code onEnd} follows.
         */
        default void onTrailers(java.util.Map<String, String> trailers) {
            onEnd();
        }
    }

    /** Completion of a write. */
    interface WriteCallback {
        /** @param failure null on success */
        void completed(Throwable failure);
    }

    /** Installs the receiver; no data is delivered until {@link #demand()}. */
    void start(Receiver receiver);

    /** Asks for one more chunk (or the terminal event). */
    void demand();

    /** Writes the buffers in order; {@code last} ends our half of the channel after them. */
    void write(ByteBuffer[] buffers, boolean last, WriteCallback callback);

    /** True when {@link #writeTrailers} works (HTTP/2 streams). */
    default boolean supportsTrailers() {
        return false;
    }

    /**
     * Writes {@code buffers}, then trailer fields with END_STREAM, ending our half. Only for
     * carriers where {@link #supportsTrailers()} is true.
     */
    default void writeTrailers(ByteBuffer[] buffers, java.util.Map<String, String> trailers, WriteCallback callback) {
        throw new UnsupportedOperationException(transport() + " carries no trailers");
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
