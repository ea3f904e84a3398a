package io.h2ws.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * An HTTP/2 client on a plain socket (prior knowledge h2c) that writes whatever frames a test
 * wants, with none of a real client's manners: it ignores SETTINGS_MAX_CONCURRENT_STREAMS and
 * resets streams as fast as it can. Jetty's generator and parser do the framing and HPACK.
 */
final class RawH2Conn implements AutoCloseable {

    final Socket socket;
    private final OutputStream out;
    private final Generator generator = new Generator(ByteBufferPool.NON_POOLING);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final int port;
    private int nextStreamId = 1;

    /** Response status by stream id. */
    final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    /** RST_STREAM error code by stream id. */
    final Map<Integer, Integer> resets = new ConcurrentHashMap<>();
    final CompletableFuture<SettingsFrame> settings = new CompletableFuture<>();
    final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();
    /** Completes when the server closes the TCP connection. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    RawH2Conn(int port) throws IOException {
        this.port = port;
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "raw-h2-reader");
        reader.setDaemon(true);
        reader.start();
        add(new PrefaceFrame());
        add(new SettingsFrame(Map.of(), false));
        flush();
    }

    /** Queues an extended CONNECT (RFC 8441) for {@code path}; returns its stream id. */
    synchronized int connect(String path) {
        int id = nextStreamId;
        nextStreamId += 2;
        HttpFields.Mutable fields = HttpFields.build().put("sec-websocket-version", "13");
        MetaData.ConnectRequest request = new MetaData.ConnectRequest(HttpScheme.HTTP,
                new HostPortHttpField("127.0.0.1:" + port), path, fields, "websocket");
        add(new HeadersFrame(id, request, null, false));
        return id;
    }

    /** Queues RST_STREAM(CANCEL) for {@code streamId}. */
    synchronized void reset(int streamId) {
        add(new ResetFrame(streamId, 8));
    }

    synchronized void add(Frame frame) {
        RetainableByteBuffer.Mutable acc = new RetainableByteBuffer.DynamicCapacity();
        try {
            generator.control(acc, frame);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer b = acc.getByteBuffer();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        pending.writeBytes(bytes);
        acc.release();
    }

    /** Queues a hand-made frame: 9-byte header (RFC 9113 section 4.1) and payload. */
    synchronized void addRaw(int type, int flags, int streamId, byte[] payload) {
        int n = payload.length;
        pending.write(n >>> 16);
        pending.write(n >>> 8);
        pending.write(n);
        pending.write(type);
        pending.write(flags);
        pending.write(streamId >>> 24 & 0x7F);
        pending.write(streamId >>> 16);
        pending.write(streamId >>> 8);
        pending.write(streamId);
        pending.writeBytes(payload);
    }

    /**
     * The GOAWAY that ended a flood, or null when the server's close reset the socket before our
     * reader got to the GOAWAY (a TCP reset discards unread bytes, which a flood leaves plenty of);
     * fails the test if the connection neither got a GOAWAY nor was closed within 30 s.
     */
    GoAwayFrame awaitGoAwayOrClose() throws Exception {
        CompletableFuture.anyOf(goAway, closed).get(30, java.util.concurrent.TimeUnit.SECONDS);
        if (!goAway.isDone()) {
            try {
                return goAway.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException resetFirst) {
                return null;
            }
        }
        return goAway.get();
    }

    /** Writes the queued frames in one write. */
    synchronized void flush() throws IOException {
        out.write(pending.toByteArray());
        out.flush();
        pending.reset();
    }

    private void read() {
        Parser parser = new Parser(ByteBufferPool.NON_POOLING, 64 * 1024);
        parser.init(new Parser.Listener() {
            @Override
            public void onHeaders(HeadersFrame frame) {
                if (frame.getMetaData() instanceof MetaData.Response r) {
                    statuses.put(frame.getStreamId(), r.getStatus());
                }
            }

            @Override
            public void onReset(ResetFrame frame) {
                resets.put(frame.getStreamId(), frame.getError());
            }

            @Override
            public void onSettings(SettingsFrame frame) {
                if (!frame.isReply()) {
                    add(new SettingsFrame(Map.of(), true));
                    try {
                        flush();
                    } catch (IOException ignored) {
                        // closed
                    }
                    settings.complete(frame);
                }
            }

            @Override
            public void onPing(PingFrame frame) {
                if (!frame.isReply()) {
                    add(new PingFrame(frame.getPayload(), true));
                }
            }

            @Override
            public void onGoAway(GoAwayFrame frame) {
                goAway.complete(frame);
            }
        });
        try (InputStream in = socket.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                parser.parse(ByteBuffer.wrap(buf, 0, n));
            }
        } catch (IOException e) {
            // closed
        } finally {
            closed.complete(null);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
