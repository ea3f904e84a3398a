package io.h2ws.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * A minimal HTTP/2 client (h2c with prior knowledge) for RFC 8441 WebSockets: it opens extended
 * CONNECT streams and moves raw bytes in DATA frames, honouring flow control both ways (the
 * server's windows when sending, WINDOW_UPDATE when receiving) and SETTINGS_MAX_FRAME_SIZE, but
 * knows nothing of WebSocket frames. Jetty's generator and parser do only HPACK and the HTTP/2
 * frame layout; DATA and WINDOW_UPDATE frames are written by hand.
 */
final class H2Client implements AutoCloseable {

    private static final int TYPE_DATA = 0x0;
    private static final int TYPE_WINDOW_UPDATE = 0x8;
    private static final int FLAG_END_STREAM = 0x1;
    /** Our receive windows: large, so the server is never held up by us. */
    private static final int OUR_STREAM_WINDOW = 16 << 20;
    private static final int OUR_CONNECTION_BOOST = 1 << 30;

    private final int port;
    private final Socket socket;
    private final OutputStream out;
    private final Object outLock = new Object();
    private final Generator generator = new Generator(ByteBufferPool.NON_POOLING);
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<SettingsFrame> settings = new CompletableFuture<>();
    final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile String connectionFailure;

    // flow control, guarded by flow
    private final Object flow = new Object();
    private long connectionSendWindow = 65_535;
    private long initialStreamSendWindow = 65_535;
    private int maxFrameSize = 16_384;
    private long connectionUnacked;
    private int nextStreamId = 1;

    H2Client(int port) throws IOException {
        this.port = port;
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        Thread reader = new Thread(this::readLoop, "conformance-h2-reader");
        reader.setDaemon(true);
        reader.start();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        first.writeBytes(control(new PrefaceFrame()));
        first.writeBytes(control(new SettingsFrame(Map.of(SettingsFrame.INITIAL_WINDOW_SIZE, OUR_STREAM_WINDOW,
                SettingsFrame.ENABLE_PUSH, 0), false)));
        first.writeBytes(raw(TYPE_WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(OUR_CONNECTION_BOOST).array()));
        send(first.toByteArray());
        try {
            SettingsFrame s = settings.get(5, TimeUnit.SECONDS);
            Integer connect = s.getSettings().get(SettingsFrame.ENABLE_CONNECT_PROTOCOL);
            if (connect == null || connect != 1) {
                throw new IOException("the server did not enable extended CONNECT (RFC 8441 section 3): " + s);
            }
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("no SETTINGS from the server: " + e, e);
        }
    }

    /** Opens an extended CONNECT stream to {@code path} and waits for its 200. */
    Stream open(String path, String extensionOffer) throws IOException {
        Stream stream;
        byte[] headers;
        // HPACK state and stream ids must go out in order: encode and write under the output lock
        synchronized (outLock) {
            int id;
            synchronized (flow) {
                id = nextStreamId;
                nextStreamId += 2;
                stream = new Stream(id, initialStreamSendWindow);
                streams.put(id, stream);
            }
            HttpFields.Mutable fields = HttpFields.build().put("sec-websocket-version", "13");
            if (extensionOffer != null) {
                fields.put("sec-websocket-extensions", extensionOffer);
            }
            MetaData.ConnectRequest request = new MetaData.ConnectRequest(HttpScheme.HTTP,
                    new HostPortHttpField("127.0.0.1:" + port), path, fields, "websocket");
            headers = controlShared(new HeadersFrame(id, request, null, false));
            writeLocked(headers);
        }
        MetaData.Response response;
        try {
            response = stream.response.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("no response to the extended CONNECT on stream " + stream.id + ": " + e
                    + (connectionFailure != null ? " (" + connectionFailure + ")" : ""), e);
        }
        if (response.getStatus() != 200) {
            throw new IOException("extended CONNECT answered " + response.getStatus());
        }
        for (HttpField f : response.getHttpFields()) {
            if (f.getLowerCaseName().equals("sec-websocket-extensions")) {
                stream.extensions = stream.extensions == null ? f.getValue() : stream.extensions + ", " + f.getValue();
            }
        }
        return stream;
    }

    String connectionProblem() {
        if (goAway.isDone()) {
            return "GOAWAY " + goAway.getNow(null);
        }
        if (closed.isDone()) {
            return "the server closed the connection" + (connectionFailure != null ? ": " + connectionFailure : "");
        }
        return connectionFailure;
    }

    // ------------------------------------------------------------------ writing

    private static byte[] control(Frame frame) {
        Generator g = new Generator(ByteBufferPool.NON_POOLING);
        return control(g, frame);
    }

    private byte[] controlShared(Frame frame) {
        return control(generator, frame);
    }

    private static byte[] control(Generator g, Frame frame) {
        RetainableByteBuffer.Mutable acc = new RetainableByteBuffer.DynamicCapacity();
        try {
            g.control(acc, frame);
            ByteBuffer b = acc.getByteBuffer();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            acc.release();
        }
    }

    /** A frame built by hand: the 9-byte header of RFC 9113 section 4.1, then the payload. */
    private static byte[] raw(int type, int flags, int streamId, byte[] payload) {
        return raw(type, flags, streamId, payload, 0, payload.length);
    }

    private static byte[] raw(int type, int flags, int streamId, byte[] payload, int off, int n) {
        byte[] f = new byte[9 + n];
        f[0] = (byte) (n >>> 16);
        f[1] = (byte) (n >>> 8);
        f[2] = (byte) n;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (streamId >>> 24 & 0x7F);
        f[6] = (byte) (streamId >>> 16);
        f[7] = (byte) (streamId >>> 8);
        f[8] = (byte) streamId;
        System.arraycopy(payload, off, f, 9, n);
        return f;
    }

    private void send(byte[] bytes) throws IOException {
        synchronized (outLock) {
            writeLocked(bytes);
        }
    }

    private void writeLocked(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * DATA frames for {@code bytes} within the windows and the frame size; waits for credit if
     * needed. The socket is written outside the flow-control lock, so the reader thread can always
     * take in WINDOW_UPDATEs (and our own DATA) while a write blocks.
     */
    private void data(Stream s, byte[] bytes, boolean endStream) throws IOException {
        int off = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            synchronized (flow) {
                while (off < bytes.length && Math.min(connectionSendWindow, s.sendWindow) <= 0) {
                    checkWritable(s);
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("no HTTP/2 flow-control credit for 10 s (connection " + connectionSendWindow
                                + ", stream " + s.sendWindow + ")");
                    }
                    try {
                        flow.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException();
                    }
                }
                checkWritable(s);
                while (off < bytes.length && Math.min(connectionSendWindow, s.sendWindow) > 0 && batch.size() < 256 * 1024) {
                    int n = (int) Math.min(bytes.length - off, Math.min(maxFrameSize, Math.min(connectionSendWindow, s.sendWindow)));
                    boolean last = off + n == bytes.length;
                    batch.writeBytes(raw(TYPE_DATA, last && endStream ? FLAG_END_STREAM : 0, s.id, bytes, off, n));
                    connectionSendWindow -= n;
                    s.sendWindow -= n;
                    off += n;
                }
                if (bytes.length == 0 && endStream) {
                    batch.writeBytes(raw(TYPE_DATA, FLAG_END_STREAM, s.id, new byte[0]));
                }
            }
            if (batch.size() > 0) {
                send(batch.toByteArray());
            }
        } while (off < bytes.length);
    }

    private void checkWritable(Stream s) throws IOException {
        if (s.resetCode != null) {
            throw new Wire.ResetException("stream " + s.id + " was reset (" + s.resetCode + ")");
        }
        if (closed.isDone()) {
            throw new IOException("connection closed");
        }
    }

    // ------------------------------------------------------------------ reading

    private void readLoop() {
        Parser parser = new Parser(ByteBufferPool.NON_POOLING, 64 * 1024);
        parser.init(new Parser.Listener() {
            @Override
            public void onHeaders(HeadersFrame frame) {
                Stream s = streams.get(frame.getStreamId());
                if (s == null) {
                    return;
                }
                if (frame.getMetaData() instanceof MetaData.Response r && !s.response.isDone()) {
                    s.response.complete(r);
                }
                if (frame.isEndStream()) {
                    s.in.end(); // a rejected CONNECT, or trailers ending the stream
                }
            }

            @Override
            public void onData(DataFrame frame) {
                Stream s = streams.get(frame.getStreamId());
                ByteBuffer b = frame.getByteBuffer();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                int credit = frame.flowControlLength();
                int streamUpdate = 0;
                int connectionUpdate = 0;
                synchronized (flow) {
                    connectionUnacked += credit;
                    if (connectionUnacked >= OUR_CONNECTION_BOOST / 2) {
                        connectionUpdate = (int) connectionUnacked;
                        connectionUnacked = 0;
                    }
                    if (s != null) {
                        s.unacked += credit;
                        if (s.unacked >= OUR_STREAM_WINDOW / 2 && !frame.isEndStream()) {
                            streamUpdate = (int) s.unacked;
                            s.unacked = 0;
                        }
                    }
                }
                try {
                    if (streamUpdate > 0) {
                        send(raw(TYPE_WINDOW_UPDATE, 0, s.id, ByteBuffer.allocate(4).putInt(streamUpdate).array()));
                    }
                    if (connectionUpdate > 0) {
                        send(raw(TYPE_WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(connectionUpdate).array()));
                    }
                } catch (IOException ignored) {
                    // closed
                }
                if (s != null) {
                    s.in.add(bytes);
                    if (frame.isEndStream()) {
                        s.in.end();
                    }
                }
            }

            @Override
            public void onReset(ResetFrame frame) {
                Stream s = streams.get(frame.getStreamId());
                if (s != null) {
                    s.resetCode = frame.getError();
                    s.in.fail(new Wire.ResetException("RST_STREAM " + frame.getError()));
                    if (!s.response.isDone()) {
                        s.response.completeExceptionally(new IOException("RST_STREAM " + frame.getError()));
                    }
                    synchronized (flow) {
                        flow.notifyAll();
                    }
                }
            }

            @Override
            public void onSettings(SettingsFrame frame) {
                if (frame.isReply()) {
                    return;
                }
                synchronized (flow) {
                    Integer window = frame.getSettings().get(SettingsFrame.INITIAL_WINDOW_SIZE);
                    if (window != null) {
                        long delta = window - initialStreamSendWindow;
                        initialStreamSendWindow = window;
                        for (Stream s : streams.values()) {
                            s.sendWindow += delta; // RFC 9113 section 6.9.2
                        }
                    }
                    Integer frameSize = frame.getSettings().get(SettingsFrame.MAX_FRAME_SIZE);
                    if (frameSize != null) {
                        maxFrameSize = frameSize;
                    }
                    flow.notifyAll();
                }
                try {
                    send(control(new SettingsFrame(Map.of(), true)));
                } catch (IOException ignored) {
                    // closed
                }
                settings.complete(frame);
            }

            @Override
            public void onWindowUpdate(WindowUpdateFrame frame) {
                synchronized (flow) {
                    if (frame.getStreamId() == 0) {
                        connectionSendWindow += frame.getWindowDelta();
                    } else {
                        Stream s = streams.get(frame.getStreamId());
                        if (s != null) {
                            s.sendWindow += frame.getWindowDelta();
                        }
                    }
                    flow.notifyAll();
                }
            }

            @Override
            public void onPing(PingFrame frame) {
                if (!frame.isReply()) {
                    try {
                        send(control(new PingFrame(frame.getPayload(), true)));
                    } catch (IOException ignored) {
                        // closed
                    }
                }
            }

            @Override
            public void onGoAway(GoAwayFrame frame) {
                goAway.complete(frame);
            }

            @Override
            public void onStreamFailure(int streamId, int error, String reason) {
                connectionFailure = "stream " + streamId + " failure " + error + ": " + reason;
            }

            @Override
            public void onConnectionFailure(int error, String reason) {
                connectionFailure = "connection failure " + error + ": " + reason;
            }
        });
        try (InputStream in = socket.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                parser.parse(ByteBuffer.wrap(buf, 0, n));
            }
        } catch (IOException e) {
            // closed or reset
        } finally {
            closed.complete(null);
            for (Stream s : streams.values()) {
                s.in.fail(new Wire.ResetException("HTTP/2 connection closed"));
                s.response.completeExceptionally(new IOException("HTTP/2 connection closed"));
            }
            synchronized (flow) {
                flow.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** One extended CONNECT stream: a {@link Wire} whose bytes travel in DATA frames. */
    final class Stream implements Wire {
        final int id;
        final ChunkInput in = new ChunkInput();
        final CompletableFuture<MetaData.Response> response = new CompletableFuture<>();
        volatile Integer resetCode;
        volatile String extensions;
        long sendWindow; // guarded by flow
        long unacked;    // guarded by flow
        private boolean ownsConnection;

        Stream(int id, long sendWindow) {
            this.id = id;
            this.sendWindow = sendWindow;
        }

        H2Client connection() {
            return H2Client.this;
        }

        @Override
        public String name() {
            return "h2";
        }

        @Override
        public InputStream in() {
            return in;
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            data(this, bytes, false);
        }

        @Override
        public String extensions() {
            return extensions;
        }

        @Override
        public void endOutput() throws IOException {
            data(this, new byte[0], true);
        }

        @Override
        public void halfClose() throws IOException {
            data(this, new byte[0], true);
        }

        @Override
        public void reset() throws IOException {
            send(control(new ResetFrame(id, 8))); // CANCEL, as RFC 8441 section 5.1 maps a TCP reset
        }

        @Override
        public String checkReusable() {
            return Reuse.check(this);
        }

        @Override
        public void close() {
            if (ownsConnection) {
                H2Client.this.close();
            }
        }
    }

    /** A new connection with one stream that closes the connection when closed. */
    static Wire open(int port, String path, String extensionOffer) throws IOException {
        H2Client c = new H2Client(port);
        try {
            Stream s = c.open(path, extensionOffer);
            s.ownsConnection = true;
            return s;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
