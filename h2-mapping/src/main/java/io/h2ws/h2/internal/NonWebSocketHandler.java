package io.h2ws.h2.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the HTTP/2 requests of a connection that are not an extended CONNECT (an ordinary
 * GET for a page, say), so WebSockets and ordinary requests share one connection and one port.
 * The default answers 404.
 */
@FunctionalInterface
public interface NonWebSocketHandler {

    /**
     * Handles one request. Runs on a Jetty thread: do not block.
     *
     * @param stream    the request's stream; the handler must answer on it (ending it with END_STREAM)
     * @param request   the request's method, URI and fields
     * @param endStream true when the request has no body
     * @return the listener for the request body (Jetty's contract of {@code onNewStream}); the
     *         handler calls {@code stream.demand()} when it wants the body
     */
    Stream.Listener handle(Stream stream, MetaData.Request request, boolean endStream);

    /** Answers every request with 404 and drops any request body. */
    NonWebSocketHandler NOT_FOUND = (stream, request, endStream) -> {
        respond(stream, 404, Map.of(), "not found\n", endStream);
        return Stream.Listener.AUTO_DISCARD;
    };

    /**
     * Sends a complete response: HEADERS, then a text body in one DATA frame with END_STREAM
     * (or END_STREAM on the HEADERS when the body is empty); afterwards reads and drops whatever
     * request body is left so the client's END_STREAM can close the stream.
     *
     * @param requestEnded true when the request already ended (no body to drop)
     */
    static void respond(Stream stream, int status, Map<String, String> headers, String body, boolean requestEnded) {
        HttpFields.Mutable fields = HttpFields.build();
        headers.forEach(fields::put);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            fields.put("content-type", "text/plain; charset=utf-8");
        }
        fields.put("content-length", String.valueOf(bytes.length));
        MetaData.Response response = new MetaData.Response(status, null, HttpVersion.HTTP_2, fields);
        Callback afterResponse = Callback.from(() -> {
            if (!requestEnded) {
                stream.demand();
            }
        });
        if (bytes.length == 0) {
            stream.headers(new HeadersFrame(stream.getId(), response, null, true), afterResponse);
        } else {
            stream.headers(new HeadersFrame(stream.getId(), response, null, false), Callback.from(
                    () -> stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(bytes), true), afterResponse),
                    afterResponse::failed));
        }
    }
}
