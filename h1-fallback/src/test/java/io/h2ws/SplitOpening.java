package io.h2ws;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * A client that writes the HTTP/2 connection preface (RFC 9113 section 3.4: the 24 octets, then
 * a SETTINGS frame) in pieces with pauses between them, so that the server gets them in separate
 * reads, then waits for the server's SETTINGS ACK and opens a WebSocket with an extended CONNECT
 * (RFC 8441). What the server sends is framed by Jetty's client-side parser, which has no
 * preface state and so none of the server parser's trouble.
 */
final class SplitOpening {

    /** What one attempt saw. */
    record Result(String label, String outcome) {
        boolean ok() {
            return outcome.equals("200");
        }

        @Override
        public String toString() {
            return label + ": " + outcome;
        }
    }

    /** Where a test connects to: a new socket, already TLS-handshaken when TLS. */
    interface Dial {
        Socket open() throws IOException;
    }

    static final long PAUSE_MS = 15;
    /**
     * Time for the server to accept the connection and wait for bytes before the first write: a
     * connection accepted late finds the pieces already joined in its socket buffer.
     */
    static final long SETTLE_MS = 50;
    static final long WAIT_MS = 2_000;
    /**
     * Longest pause between the two pieces of a split: Jetty answers the 24 preface octets with
     * its own SETTINGS at once, which proves that the first piece was read on its own; without
     * that answer (the preface incomplete, or held back until the first frame is) the whole pause.
     */
    static final long SYNC_MS = 150;

    /** The client preface: 24 octets and a SETTINGS frame with four settings (33 + 24 = 57 bytes). */
    static final byte[] OPENING = opening();

    private SplitOpening() {
    }

    private static byte[] opening() {
        byte[] preface = PrefaceFrame.PREFACE_BYTES;
        int[][] settings = {{SettingsFrame.HEADER_TABLE_SIZE, 4096}, {SettingsFrame.ENABLE_PUSH, 0},
                {SettingsFrame.INITIAL_WINDOW_SIZE, 1 << 20}, {SettingsFrame.MAX_HEADER_LIST_SIZE, 16384}};
        ByteBuffer b = ByteBuffer.allocate(preface.length + 9 + 6 * settings.length);
        b.put(preface);
        int length = 6 * settings.length;
        b.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
        b.put((byte) 0x4).put((byte) 0).putInt(0); // SETTINGS, no flags, stream 0
        for (int[] s : settings) {
            b.putShort((short) s[0]).putInt(s[1]);
        }
        return b.array();
    }

    /** The opening cut at {@code offset} (1 to length - 1): two writes. */
    static List<byte[]> splitAt(int offset) {
        return List.of(java.util.Arrays.copyOfRange(OPENING, 0, offset),
                java.util.Arrays.copyOfRange(OPENING, offset, OPENING.length));
    }

    /** The opening one byte per write. */
    static List<byte[]> bytewise() {
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : OPENING) {
            chunks.add(new byte[] {b});
        }
        return chunks;
    }

    /**
     * Every split point and the bytewise case, all at once on their own connections (the pauses
     * would add up to seconds one after another).
     */
    static List<Result> everySplit(Dial dial, String authority, boolean connect) throws Exception {
        return everySplit(dial, authority, connect, 1);
    }

    /** As {@link #everySplit(Dial, String, boolean)}, opening the WebSocket on stream {@code streamId}. */
    static List<Result> everySplit(Dial dial, String authority, boolean connect, int streamId) throws Exception {
        // a cold server accepts and reads late, when the pieces have already joined
        for (int i = 0; i < 3; i++) {
            Result whole = attempt(dial, "whole", List.of(OPENING), authority, connect, streamId);
            if (!whole.ok() && !whole.outcome().equals("ack")) {
                return List.of(whole);
            }
        }
        List<Callable<Result>> cases = new ArrayList<>();
        for (int offset = 1; offset < OPENING.length; offset++) {
            int at = offset;
            cases.add(() -> attempt(dial, "split at " + at, splitAt(at), authority, connect, streamId));
        }
        cases.add(() -> attempt(dial, "1 byte per write", bytewise(), authority, connect, streamId));
        ExecutorService pool = Executors.newFixedThreadPool(cases.size());
        try {
            List<Result> results = new ArrayList<>();
            for (Future<Result> f : pool.invokeAll(cases, 30, TimeUnit.SECONDS)) {
                results.add(f.isCancelled() ? new Result("?", "cancelled") : f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Writes {@code chunks} with a pause before each but the first, waits for the SETTINGS ACK
     * and then, if {@code connect}, sends an extended CONNECT for /echo on stream
     * {@code streamId}. The outcome is the :status ("200"), or with {@code connect} false "ack";
     * else what went wrong instead.
     */
    static Result attempt(Dial dial, String label, List<byte[]> chunks, String authority, boolean connect, int streamId) {
        try (Socket socket = dial.open()) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            Frames in = new Frames(socket, streamId);
            if (streamId == 1) {
                Thread.sleep(SETTLE_MS);
            } else {
                // after "Upgrade: h2c" Jetty answers the upgraded request (stream 1) before it reads
                in.await(() -> in.upgradedAnswered, SYNC_MS);
            }
            for (int i = 0; i < chunks.size(); i++) {
                if (i > 0) {
                    pause(in, chunks.size() == 2 ? SYNC_MS : PAUSE_MS);
                }
                out.write(chunks.get(i));
                out.flush();
            }
            String why = in.await(() -> in.acked, WAIT_MS);
            if (why != null) {
                return new Result(label, "no SETTINGS ACK (" + why + ")");
            }
            if (!connect) {
                return new Result(label, "ack");
            }
            boolean secure = socket instanceof javax.net.ssl.SSLSocket;
            HttpFields.Mutable fields = HttpFields.build().put("sec-websocket-version", "13");
            MetaData.ConnectRequest request = new MetaData.ConnectRequest(secure ? HttpScheme.HTTPS : HttpScheme.HTTP,
                    new HostPortHttpField(authority), "/echo", fields, "websocket");
            out.write(bytes(new SettingsFrame(java.util.Map.of(), true), new HeadersFrame(streamId, request, null, false)));
            out.flush();
            why = in.await(() -> in.status != 0, WAIT_MS);
            return new Result(label, why != null ? "no response to CONNECT (" + why + ")" : String.valueOf(in.status));
        } catch (Exception e) {
            return new Result(label, e.toString());
        }
    }

    private static void pause(Frames in, long millis) throws Exception {
        if (in.settings) {
            Thread.sleep(millis);
        } else {
            in.await(() -> in.settings, millis);
        }
    }

    private static byte[] bytes(Frame... frames) {
        Generator generator = new Generator(ByteBufferPool.NON_POOLING);
        RetainableByteBuffer.Mutable acc = new RetainableByteBuffer.DynamicCapacity();
        try {
            for (Frame f : frames) {
                generator.control(acc, f);
            }
            ByteBuffer b = acc.getByteBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            acc.release();
        }
    }

    /** The server's frames, read on the caller's thread. */
    private static final class Frames {
        private final Socket socket;
        private final int streamId;
        private final InputStream in;
        private final Parser parser = new Parser(ByteBufferPool.NON_POOLING, 64 * 1024);
        private final byte[] buf = new byte[16 * 1024];
        boolean settings;
        boolean upgradedAnswered;
        boolean acked;
        int status;
        String goAway;

        Frames(Socket socket, int streamId) throws IOException {
            this.socket = socket;
            this.streamId = streamId;
            this.in = socket.getInputStream();
            parser.init(new Parser.Listener() {
                @Override
                public void onSettings(SettingsFrame frame) {
                    acked |= frame.isReply();
                    settings |= !frame.isReply();
                }

                @Override
                public void onHeaders(HeadersFrame frame) {
                    upgradedAnswered |= frame.getStreamId() == 1;
                    if (frame.getStreamId() == streamId && frame.getMetaData() instanceof MetaData.Response r) {
                        status = r.getStatus();
                    }
                }

                @Override
                public void onGoAway(GoAwayFrame frame) {
                    goAway = "GOAWAY " + frame.getError() + " " + frame.tryConvertPayload();
                }

                @Override
                public void onConnectionFailure(int error, String reason) {
                    goAway = "unparseable answer: " + reason;
                }
            });
        }

        /** Reads until {@code done}; null when it is, else why not (GOAWAY, closed, timeout). */
        String await(java.util.function.BooleanSupplier done, long millis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!done.getAsBoolean()) {
                if (goAway != null) {
                    return goAway;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return "nothing within " + millis + " ms";
                }
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (n < 0) {
                    return goAway != null ? goAway : "closed";
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    parser.parse(b);
                }
            }
            return null;
        }
    }
}
