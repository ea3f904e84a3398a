package io.h2ws.conformance;

import java.io.IOException;
import java.io.InputStream;

/**
 * One WebSocket's byte stream as a raw client sees it, the same for both transports: an upgraded
 * HTTP/1.1 connection (RFC 6455) or one HTTP/2 stream opened by an extended CONNECT (RFC 8441),
 * whose DATA frames carry the very same RFC 6455 frames. Nothing of the library under test is used.
 */
interface Wire extends AutoCloseable {

    /** How the server ended its side. */
    enum End {
        /** h1: TCP FIN (read returned -1); h2: END_STREAM. */
        CLEAN,
        /** h1: TCP reset; h2: RST_STREAM (or the connection went away under the stream). */
        RESET
    }

    /** Thrown by {@link #in()} reads when the server reset the stream or connection. */
    final class ResetException extends IOException {
        private static final long serialVersionUID = 1L;

        ResetException(String message) {
            super(message);
        }
    }

    /** "h1" or "h2". */
    String name();

    /** The server's bytes; -1 at a clean end, {@link ResetException} at a reset. */
    InputStream in();

    /** Writes the bytes in one TCP write (h1) or as consecutive DATA frames in one flush (h2). */
    void write(byte[] bytes) throws IOException;

    /** The Sec-WebSocket-Extensions the server answered with, or null. */
    String extensions();

    /** Ends our half after a completed close handshake: nothing on h1 (the socket is closed), END_STREAM on h2. */
    void endOutput() throws IOException;

    /** Ends our half now, whatever the WebSocket state: TCP shutdownOutput (FIN) on h1, END_STREAM on h2. */
    void halfClose() throws IOException;

    /** Drops the WebSocket abruptly: a TCP reset (SO_LINGER 0) on h1, RST_STREAM(CANCEL) on h2. */
    void reset() throws IOException;

    /**
     * After a case, checks that the transport is still good for more: on h2 a new stream on the
     * same connection echoes a message and closes cleanly and no GOAWAY came; nothing on h1 (the
     * TCP connection belongs to the socket). Returns a problem, or null.
     */
    String checkReusable();

    @Override
    void close();

    /** Opens a WebSocket to {@code path} on 127.0.0.1:{@code port}. */
    interface Opener {
        Wire open(int port, String path, String extensionOffer) throws IOException;
    }
}
