package io.h2ws.h1;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.h2ws.client.HandshakeFailedException;

/**
 * Fuzz target for the HTTP/1.1 client's response-head parser ({@code H1Connector.ResponseHead.parse}):
 * whatever a server (or a man in the middle of a cleartext connection) answers, the parser
 * returns a head, null (needs more bytes) or a {@link HandshakeFailedException}, and never
 * moves the buffer position backwards or past the limit. See {@code spec-notes/fuzzing.md}.
 */
class ResponseHeadFuzzTest {

    private static final URI URI_ = URI.create("ws://127.0.0.1:1/fuzz");
    private static final MethodHandle PARSE;

    static {
        try {
            Class<?> head = Class.forName("io.h2ws.h1.H1Connector$ResponseHead");
            java.lang.reflect.Method m = head.getDeclaredMethod("parse", ByteBuffer.class, URI.class);
            m.setAccessible(true);
            PARSE = MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(Object.class, ByteBuffer.class, URI.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void parse(byte[] input) throws Throwable {
        // an offset into a larger buffer, as the connector reads into a buffer it reuses
        ByteBuffer buffer = ByteBuffer.allocate(input.length + 3);
        buffer.position(3);
        buffer.put(input);
        buffer.flip().position(3);
        Object head;
        try {
            head = (Object) PARSE.invokeExact(buffer, URI_);
        } catch (HandshakeFailedException expected) {
            return;
        }
        if (head == null) {
            assertTrue(buffer.position() == 3, "position moved without a head");
        } else {
            assertTrue(buffer.position() > 3 && buffer.position() <= buffer.limit(), "position " + buffer.position());
        }
    }
}
