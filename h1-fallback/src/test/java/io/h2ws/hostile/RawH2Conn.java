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

    /** Stream ids with the nanoTime of the server's first frame on them (HEADERS, DATA or RST_STREAM). */
    final Map<Integer, Long> firstAnswer = new ConcurrentHashMap<>();
    /** Stream ids with the nanoTime of the server's END_STREAM on them. */
    final Map<Integer, Long> endStream = new ConcurrentHashMap<>();
    /** Stream ids with the nanoTime of the server's RST_STREAM on them. */
    final Map<Integer, Long> resetAt = new ConcurrentHashMap<>();
    /** DATA payload received by stream id. */
    final Map<Integer, ByteArrayOutputStream> data = new ConcurrentHashMap<>();
    // what the server lets us send (RFC 9113 section 6.9): its WINDOW_UPDATEs and INITIAL_WINDOW_SIZE
    private final Object windows = new Object();
    private long connectionSendWindow = 65_535;
    private final Map<Integer, Long> streamSendWindows = new ConcurrentHashMap<>();
    private volatile int initialStreamSendWindow = 65_535;

    /**
     * Sends {@code payload} as DATA on {@code streamId} within the server's flow-control windows,
     * in frames of at most 16 KiB; gives up when no window opens for {@code stallMillis}.
     *
     * @return the bytes sent
     */
    long sendData(int streamId, byte[] payload, long stallMillis) throws IOException, InterruptedException {
        int off = 0;
        while (off < payload.length) {
            int n;
            synchronized (windows) {
                long deadline = System.nanoTime() + stallMillis * 1_000_000;
                for (;;) {
                    long stream = streamSendWindows.getOrDefault(streamId, (long) initialStreamSendWindow);
                    long room = Math.min(stream, connectionSendWindow);
                    if (room > 0) {
                        n = (int) Math.min(Math.min(room, 16_384), payload.length - off);
                        connectionSendWindow -= n;
                        streamSendWindows.put(streamId, stream - n);
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || closed.isDone()) {
                        return off;
                    }
                    windows.wait(Math.max(1, left / 1_000_000));
                }
            }
            data(streamId, java.util.Arrays.copyOfRange(payload, off, off + n), false);
            flush();
            off += n;
        }
        return off;
    }

    /** nanoTime when the GOAWAY arrived, or 0. */
    volatile long goAwayNanos;

    RawH2Conn(int port) throws IOException {
        this(port, Map.of());
    }

    /** With {@code settings} in the client's first SETTINGS frame. */
    RawH2Conn(int port, Map<Integer, Integer> settings) throws IOException {
        this.port = port;
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "raw-h2-reader");
        reader.setDaemon(true);
        reader.start();
        add(new PrefaceFrame());
        add(new SettingsFrame(settings, false));
        flush();
    }

    /** The next client stream id (no frame is queued). */
    synchronized int nextId() {
        int id = nextStreamId;
        nextStreamId += 2;
        return id;
    }

    /**
     * Queues one HEADERS frame (END_HEADERS) with a hand-built header block, so that anything
     * can be sent: duplicated, misplaced, unknown or uppercase fields that Jetty's encoder would
     * refuse. {@code fields} alternates names and values; see {@link #literal}.
     */
    synchronized void headers(int streamId, boolean endStream, String... fields) {
        addRaw(0x1, 0x4 | (endStream ? 0x1 : 0), streamId, block(fields));
    }

    /** Queues one DATA frame. */
    synchronized void data(int streamId, byte[] payload, boolean endStream) {
        addRaw(0x0, endStream ? 0x1 : 0, streamId, payload);
    }

    /** The DATA received so far on {@code streamId}. */
    byte[] received(int streamId) {
        ByteArrayOutputStream b = data.get(streamId);
        if (b == null) {
            return new byte[0];
        }
        synchronized (b) {
            return b.toByteArray();
        }
    }

    /** An HPACK header block of literal fields without indexing (RFC 7541 section 6.2.2). */
    static byte[] block(String... fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            b.writeBytes(literal(fields[i], fields[i + 1]));
        }
        return b.toByteArray();
    }

    /**
     * One field as "literal header field without indexing, new name" (RFC 7541 section 6.2.2):
     * byte 0x00, then name and value as raw octets (no Huffman) each behind a 7-bit-prefix length.
     * Nothing is checked or lower-cased: the bytes are what the test wrote (ISO-8859-1).
     */
    static byte[] literal(String name, String value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x00);
        string(b, name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        string(b, value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, byte[] s) {
        // RFC 7541 section 5.1, 7-bit prefix, H = 0
        int n = s.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write(n % 128 + 128);
                n /= 128;
            }
            b.write(n);
        }
        b.writeBytes(s);
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
                long now = System.nanoTime();
                firstAnswer.putIfAbsent(frame.getStreamId(), now);
                if (frame.getMetaData() instanceof MetaData.Response r) {
                    statuses.put(frame.getStreamId(), r.getStatus());
                }
                if (frame.isEndStream()) {
                    endStream.putIfAbsent(frame.getStreamId(), now);
                }
            }

            @Override
            public void onData(org.eclipse.jetty.http2.frames.DataFrame frame) {
                long now = System.nanoTime();
                firstAnswer.putIfAbsent(frame.getStreamId(), now);
                ByteArrayOutputStream b = data.computeIfAbsent(frame.getStreamId(), k -> new ByteArrayOutputStream());
                ByteBuffer payload = frame.getByteBuffer().slice();
                byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                synchronized (b) {
                    b.writeBytes(bytes);
                }
                if (frame.isEndStream()) {
                    endStream.putIfAbsent(frame.getStreamId(), now);
                }
            }

            @Override
            public void onReset(ResetFrame frame) {
                long now = System.nanoTime();
                firstAnswer.putIfAbsent(frame.getStreamId(), now);
                resetAt.put(frame.getStreamId(), now);
                resets.put(frame.getStreamId(), frame.getError());
            }

            @Override
            public void onWindowUpdate(org.eclipse.jetty.http2.frames.WindowUpdateFrame frame) {
                synchronized (windows) {
                    if (frame.getStreamId() == 0) {
                        connectionSendWindow += frame.getWindowDelta();
                    } else {
                        streamSendWindows.merge(frame.getStreamId(), (long) initialStreamSendWindow + frame.getWindowDelta(),
                                (a, b) -> a + frame.getWindowDelta());
                    }
                    windows.notifyAll();
                }
            }

            @Override
            public void onSettings(SettingsFrame frame) {
                Integer initial = frame.getSettings().get(SettingsFrame.INITIAL_WINDOW_SIZE);
                if (!frame.isReply() && initial != null) {
                    initialStreamSendWindow = initial; // read before any stream opens, in the tests that send DATA
                }
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
                goAwayNanos = System.nanoTime();
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
