package io.h2ws.h2.internal;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;

/** A bare Jetty HTTP/2 client for looking at what our server puts on the wire. */
final class RawH2 implements AutoCloseable {

    /** A complete answer: status, fields, the body, and whether END_STREAM closed it (or the reset code). */
    record Answer(int status, HttpFields fields, boolean headersEndStream, String body, boolean ended, int resetError) {}

    final HTTP2Client client = new HTTP2Client();
    final CompletableFuture<SettingsFrame> settings = new CompletableFuture<>();
    final Session session;

    RawH2(int port) throws Exception {
        this(port, null);
    }

    /** With {@code clientSettings} (when not null) as the client's first SETTINGS. */
    RawH2(int port, java.util.Map<Integer, Integer> clientSettings) throws Exception {
        client.start();
        session = client.connect(new InetSocketAddress("127.0.0.1", port), new Session.Listener() {
            @Override
            public java.util.Map<Integer, Integer> onPreface(Session s) {
                return clientSettings == null ? Session.Listener.super.onPreface(s) : clientSettings;
            }

            @Override
            public void onSettings(Session s, SettingsFrame frame) {
                if (!frame.isReply()) {
                    settings.complete(frame);
                }
            }
        }).get(10, TimeUnit.SECONDS);
        settings.get(10, TimeUnit.SECONDS);
    }

    /** Sends a request (HEADERS without END_STREAM when {@code open}) and waits for the full answer. */
    Answer exchange(MetaData.Request request, boolean open) throws Exception {
        return exchange(request, open, 10_000);
    }

    /** As {@link #exchange(MetaData.Request, boolean)}, waiting at most {@code millis} for the answer. */
    Answer exchange(MetaData.Request request, boolean open, long millis) throws Exception {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        MetaData.Response[] response = new MetaData.Response[1];
        boolean[] headersEnd = new boolean[1];
        session.newStream(new HeadersFrame(request, null, !open), new Stream.Listener() {
            @Override
            public void onHeaders(Stream stream, HeadersFrame frame) {
                if (frame.getMetaData() instanceof MetaData.Response r) {
                    response[0] = r;
                    headersEnd[0] = frame.isEndStream();
                    if (frame.isEndStream()) {
                        done(answer, response[0], headersEnd[0], body, true, -1);
                        return;
                    }
                    if (r.getStatus() == 200 && "CONNECT".equals(request.getMethod())) {
                        // a WebSocket tunnel: report the open response at once
                        done(answer, response[0], false, body, false, -1);
                        return;
                    }
                }
                stream.demand();
            }

            @Override
            public void onDataAvailable(Stream stream) {
                for (;;) {
                    Stream.Data data = stream.readData();
                    if (data == null) {
                        stream.demand();
                        return;
                    }
                    ByteBuffer b = data.frame().getByteBuffer();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    body.writeBytes(bytes);
                    data.release();
                    if (data.frame().isEndStream()) {
                        done(answer, response[0], headersEnd[0], body, true, -1);
                        return;
                    }
                }
            }

            @Override
            public void onReset(Stream stream, ResetFrame frame, Callback callback) {
                done(answer, response[0], headersEnd[0], body, false, frame.getError());
                callback.succeeded();
            }
        }).get(10, TimeUnit.SECONDS);
        return answer.get(millis, TimeUnit.MILLISECONDS);
    }

    private static void done(CompletableFuture<Answer> answer, MetaData.Response r, boolean headersEnd,
                             ByteArrayOutputStream body, boolean ended, int reset) {
        answer.complete(new Answer(r == null ? -1 : r.getStatus(), r == null ? HttpFields.EMPTY : r.getHttpFields(),
                headersEnd, body.toString(java.nio.charset.StandardCharsets.UTF_8), ended, reset));
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
