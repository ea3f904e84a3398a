package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * A peer that sends a message and a Close and then resets the stream without END_STREAM, as
 * nghttpx does in front of an HTTP/1.1 backend that closed its connection: the client's listener,
 * still busy with the message, must get the Close (4001), not 1006. Jetty discards DATA it still
 * holds when the RST_STREAM is parsed, so {@code StreamCarrier} reads DATA as soon as it arrives,
 * not only when the listener asks again (which, since deliveries left the parsing thread, may be
 * after the reset). Without that this test got {@code Close[1006, "stream reset by peer: no_error"]}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class H2CloseThenResetTest {

    @Test
    void aCloseRightBeforeAResetReachesABusyListener() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1,
                new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), new ServerSessionListener() {
                    @Override
                    public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
                        answerThenCloseAndReset(stream);
                        return null;
                    }
                }));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.start();
        try (H2Connector client = H2Connector.builder().build()) {
            Recorder r = new Recorder() {
                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    try {
                        Thread.sleep(300); // busy: the Close and the reset arrive meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.onText(ws, data, last);
                }
            };
            URI uri = URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/reset");
            new ClientBuilder(client).transport(Transport.H2).buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Text("first"), r.next());
            assertEquals(new Rec.Close(4001, "bye"), r.next());
            Thread.sleep(100);
            assertEquals(null, r.events.poll(), "one terminal event");
        } finally {
            server.stop();
        }
    }

    /** 200, a text message, a Close (no END_STREAM), then RST_STREAM(NO_ERROR), each after the previous was written. */
    private static void answerThenCloseAndReset(Stream stream) {
        ByteBuffer text = FrameEncoder.encodeFrame(true, 0, 1, false, 0, ByteBuffer.wrap("first".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer closePayload = ByteBuffer.allocate(5).putShort((short) 4001).put("bye".getBytes(StandardCharsets.UTF_8)).flip();
        ByteBuffer close = FrameEncoder.encodeFrame(true, 0, 8, false, 0, closePayload);
        MetaData.Response ok = new MetaData.Response(200, null, HttpVersion.HTTP_2, HttpFields.EMPTY);
        stream.headers(new HeadersFrame(stream.getId(), ok, null, false), Callback.from(() ->
                stream.data(new DataFrame(stream.getId(), text, false), Callback.from(() ->
                        stream.data(new DataFrame(stream.getId(), close, false), Callback.from(() ->
                                stream.reset(new ResetFrame(stream.getId(), ErrorCode.NO_ERROR.code), Callback.NOOP)))))));
    }
}
