package io.h2ws.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.handshake.Http1ResponseHead;

/**
 * Fuzz target for the HTTP/1.1 client's response-head parser ({@link Http1ResponseHead#parse}):
 * whatever a server (or a man in the middle of a cleartext connection) answers, the parser
 * returns a head, null (needs more bytes) or a {@link HandshakeFailedException}, and never
 * moves the buffer position backwards or past the limit. See {@code spec-notes/fuzzing.md}.
 */
class ResponseHeadFuzzTest {

    private static final URI URI_ = URI.create("ws://127.0.0.1:1/fuzz");
    /** Small, so that the size bound is reached too. */
    private static final int MAX_HEAD = 1024;

    @FuzzTest(maxDuration = "2m")
    void parse(byte[] input) {
        // an offset into a larger buffer, as the connector reads into a buffer it reuses
        ByteBuffer buffer = ByteBuffer.allocate(input.length + 3);
        buffer.position(3);
        buffer.put(input);
        buffer.flip().position(3);
        Http1ResponseHead head;
        try {
            head = Http1ResponseHead.parse(buffer, URI_, MAX_HEAD);
        } catch (HandshakeFailedException expected) {
            return;
        }
        if (head == null) {
            assertTrue(buffer.position() == 3, "position moved without a head");
            assertTrue(buffer.remaining() < MAX_HEAD, "null for a full buffer");
        } else {
            assertTrue(buffer.position() > 3 && buffer.position() <= buffer.limit(), "position " + buffer.position());
        }
    }
}
