package io.h2ws.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The suite's WebSocket client, written from RFC 6455 without the library under test: it builds
 * masked frames byte by byte (any header bits a case wants), writes them the way a case says
 * (one write, frame by frame, in chops), and a reader thread parses the server's frames, checks
 * them against every rule a server must keep (section 5) and turns them into the events Autobahn
 * compares: messages, pings and pongs, in order, plus the server's Close and how the server ended
 * its side.
 */
final class Peer implements AutoCloseable {

    static final int CONT = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    /**
     * One thing received, compared as Autobahn compares its {@code received} list: kind, type and
     * exact payload. Payloads above 64 KiB are kept as their length and SHA-256 only, so that the
     * suite's 16 MiB cases do not stay on the heap.
     */
    static final class Ev {
        private static final int KEEP = 64 * 1024;
        final String kind;
        final boolean binary;
        final int length;
        private final byte[] data;   // null when large
        private final byte[] digest; // null when small
        private final byte[] head;

        private Ev(String kind, byte[] data, boolean binary) {
            this.kind = kind;
            this.binary = binary;
            this.length = data.length;
            this.head = Arrays.copyOf(data, Math.min(data.length, 48));
            if (data.length > KEEP) {
                this.data = null;
                try {
                    this.digest = java.security.MessageDigest.getInstance("SHA-256").digest(data);
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                this.data = data;
                this.digest = null;
            }
        }

        static Ev text(String s) {
            return new Ev("message", s.getBytes(StandardCharsets.UTF_8), false);
        }

        static Ev text(byte[] utf8) {
            return new Ev("message", utf8, false);
        }

        static Ev binary(byte[] b) {
            return new Ev("message", b, true);
        }

        static Ev ping(byte[] b) {
            return new Ev("ping", b, false);
        }

        static Ev pong(byte[] b) {
            return new Ev("pong", b, false);
        }

        static Ev pong(String s) {
            return pong(s.getBytes(StandardCharsets.UTF_8));
        }

        /** Autobahn's ("timeout", label): the case waited and the connection was still open. */
        static Ev timeout(String label) {
            return new Ev("timeout", label.getBytes(StandardCharsets.UTF_8), false);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ev e && kind.equals(e.kind) && binary == e.binary && length == e.length
                    && Arrays.equals(data, e.data) && Arrays.equals(digest, e.digest);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + length;
        }

        @Override
        public String toString() {
            if (kind.equals("timeout")) {
                return "timeout " + new String(head, StandardCharsets.UTF_8);
            }
            String shown;
            if (!binary && kind.equals("message")) {
                String t = new String(head, StandardCharsets.UTF_8);
                shown = "\"" + (length > 40 ? t.substring(0, Math.min(t.length(), 40)) + "..." : t) + "\"";
            } else {
                shown = hex(head, 16);
            }
            return kind + (kind.equals("message") ? (binary ? " binary " : " text ") : " ") + length + " B " + shown;
        }
    }

    /** The server's Close frame. */
    record Close(int code, byte[] reason, long nanos, boolean beforeOurs) {
        String reasonText() {
            return new String(reason, StandardCharsets.UTF_8);
        }
    }

    final Wire wire;
    private final Random random;
    private final PmdClient deflate;
    private final String negotiationProblem;

    // guarded by this
    private final List<Ev> received = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private Close close;
    private Wire.End end;
    private String endDetail;
    private long endNanos;
    private boolean sentClose;
    private boolean halfClosed;
    private long closeSentNanos;
    private final ArrayDeque<String> log = new ArrayDeque<>();
    private int logged;

    Peer(Wire wire, long seed, String offer) {
        this.wire = wire;
        this.random = new Random(seed);
        PmdClient d = null;
        String problem = null;
        try {
            d = PmdClient.fromResponse(wire.extensions(), offer);
            if (offer == null && wire.extensions() != null) {
                problem = "extensions in the response although none were offered: " + wire.extensions();
            }
        } catch (IllegalStateException e) {
            problem = e.getMessage();
        }
        this.deflate = d;
        this.negotiationProblem = problem;
        if (wire.extensions() != null) {
            note("-- negotiated: " + wire.extensions());
        }
        if (problem != null) {
            violation("handshake: " + problem);
        }
        Thread reader = new Thread(this::readLoop, "conformance-" + wire.name() + "-frames");
        reader.setDaemon(true);
        reader.start();
    }

    /** permessage-deflate as agreed, or null. */
    PmdClient deflate() {
        return deflate;
    }

    // ------------------------------------------------------------------ building frames

    /** A client frame: masked with a fresh random key (section 5.3), any FIN, RSV and opcode. */
    byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
        int len = payload.length;
        int headerLen = 2 + (len < 126 ? 0 : len <= 0xFFFF ? 2 : 8) + 4;
        byte[] f = new byte[headerLen + len];
        f[0] = (byte) ((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0xF));
        int i = 2;
        if (len < 126) {
            f[1] = (byte) (0x80 | len);
        } else if (len <= 0xFFFF) {
            f[1] = (byte) (0x80 | 126);
            f[i++] = (byte) (len >>> 8);
            f[i++] = (byte) len;
        } else {
            f[1] = (byte) (0x80 | 127);
            long l = len;
            for (int k = 7; k >= 0; k--) {
                f[i++] = (byte) (l >>> (8 * k));
            }
        }
        byte[] key = new byte[4];
        random.nextBytes(key);
        System.arraycopy(key, 0, f, i, 4);
        i += 4;
        for (int k = 0; k < len; k++) {
            f[i + k] = (byte) (payload[k] ^ key[k & 3]);
        }
        return f;
    }

    byte[] frame(int opcode, byte[] payload) {
        return frame(true, 0, opcode, payload);
    }

    byte[] frame(int opcode, String utf8) {
        return frame(opcode, utf8.getBytes(StandardCharsets.UTF_8));
    }

    byte[] frame(boolean fin, int opcode, String utf8) {
        return frame(fin, 0, opcode, utf8.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] closePayload(int code, byte[] reason) {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        return p;
    }

    // ------------------------------------------------------------------ sending

    /** All frames in one write (Autobahn's default: the frames may reach the server in one read). */
    void send(byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(f);
            note("-> " + describe(f));
        }
        write(all.toByteArray());
    }

    /** Each frame in its own write (Autobahn's {@code sync=True}). */
    void sendEach(byte[]... frames) {
        for (byte[] f : frames) {
            note("-> " + describe(f));
            write(f);
            pause(1);
        }
    }

    /** Each frame cut into chops of {@code chop} bytes, one write each (Autobahn's {@code chopsize}). */
    void sendChopped(int chop, byte[]... frames) {
        for (byte[] f : frames) {
            note("-> " + describe(f) + " in chops of " + chop);
            for (int off = 0; off < f.length; off += chop) {
                write(Arrays.copyOfRange(f, off, Math.min(f.length, off + chop)));
            }
        }
    }

    /** Raw bytes, one write: a chop of a frame whose header went out earlier. */
    void sendRaw(byte[] bytes) {
        note("-> " + bytes.length + " raw bytes");
        write(bytes);
    }

    /** A whole message, compressed when permessage-deflate is in use, in frames of at most {@code fragmentSize} (0: one frame). */
    void sendMessage(boolean binary, byte[] message, int fragmentSize) {
        byte[] payload = deflate != null ? deflate.compress(message) : message;
        int rsv = deflate != null ? 4 : 0;
        int opcode = binary ? BINARY : TEXT;
        if (fragmentSize <= 0 || payload.length <= fragmentSize) {
            write(frame(true, rsv, opcode, payload));
            return;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream(payload.length + payload.length / fragmentSize * 14 + 14);
        for (int off = 0; off < payload.length; off += fragmentSize) {
            int end = Math.min(payload.length, off + fragmentSize);
            all.writeBytes(frame(end == payload.length, off == 0 ? rsv : 0, off == 0 ? opcode : CONT,
                    Arrays.copyOfRange(payload, off, end)));
        }
        write(all.toByteArray());
    }

    /** Our Close with a code and reason; after it the case sends only what it means to test. */
    void sendClose(int code, byte[] reason) {
        sendCloseFrame(closePayload(code, reason));
    }

    void sendClose(int code) {
        sendClose(code, new byte[0]);
    }

    /** Our Close with exactly this payload (possibly invalid). */
    void sendCloseFrame(byte[] payload) {
        synchronized (this) {
            if (!sentClose) {
                sentClose = true;
                closeSentNanos = System.nanoTime();
            }
        }
        byte[] f = frame(CLOSE, payload);
        note("-> " + describe(f));
        write(f);
    }

    /** Ends our half (h1 FIN, h2 END_STREAM), whatever the WebSocket state. */
    void halfClose() {
        synchronized (this) {
            halfClosed = true;
        }
        note("-> " + (wire.name().equals("h1") ? "FIN" : "END_STREAM"));
        try {
            wire.halfClose();
        } catch (IOException e) {
            note("-- half-close failed: " + e);
        }
    }

    /** Drops the WebSocket: h1 TCP reset, h2 RST_STREAM(CANCEL). */
    void reset() {
        note("-> " + (wire.name().equals("h1") ? "TCP RST" : "RST_STREAM"));
        try {
            wire.reset();
        } catch (IOException e) {
            note("-- reset failed: " + e);
        }
    }

    private void write(byte[] bytes) {
        try {
            wire.write(bytes);
        } catch (IOException e) {
            // the server may legitimately have failed the connection already; the case's checks decide
            note("-- write failed: " + e);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Autobahn's timeout marker: recorded only while neither side has started closing. */
    synchronized void mark(String label) {
        if (close == null && !sentClose && end == null) {
            received.add(Ev.timeout(label));
            note("-- timeout " + label + " (still open)");
        }
    }

    synchronized boolean isOpen() {
        return close == null && !sentClose && end == null;
    }

    // ------------------------------------------------------------------ waiting

    /** Waits until the events so far equal one of {@code candidates}, or the server closed or ended. */
    synchronized boolean awaitMatch(List<List<Ev>> candidates, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            for (List<Ev> c : candidates) {
                if (c.size() == received.size() && c.equals(received)) {
                    return true;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || close != null || end != null) {
                return false;
            }
            waitNanos(left);
        }
    }

    /** Waits until at least {@code n} events arrived; false on timeout, close or end. */
    synchronized boolean awaitCount(int n, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (received.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || close != null || end != null) {
                return false;
            }
            waitNanos(left);
        }
        return true;
    }

    synchronized Close awaitClose(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (close == null && end == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            waitNanos(left);
        }
        return close;
    }

    /** Waits until {@code deadlineNanos} (System.nanoTime) for the server to end its side. */
    synchronized Wire.End awaitEnd(long deadlineNanos) {
        while (end == null) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            waitNanos(left);
        }
        return end;
    }

    private void waitNanos(long nanos) {
        try {
            wait(Math.max(1, nanos / 1_000_000), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized List<Ev> received() {
        return List.copyOf(received);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized boolean halfClosed() {
        return halfClosed;
    }

    synchronized boolean sentClose() {
        return sentClose;
    }

    synchronized String endDetail() {
        return endDetail;
    }

    synchronized long endNanos() {
        return endNanos;
    }

    synchronized String log() {
        StringBuilder b = new StringBuilder();
        if (logged > log.size()) {
            b.append("  ... ").append(logged - log.size()).append(" earlier lines\n");
        }
        for (String l : log) {
            b.append("  ").append(l).append('\n');
        }
        return b.toString();
    }

    synchronized void note(String line) {
        logged++;
        log.add(line);
        while (log.size() > 80) {
            log.poll();
        }
    }

    private synchronized void violation(String what) {
        violations.add(what);
        note("!! " + what);
        notifyAll();
    }

    // ------------------------------------------------------------------ reading

    private void readLoop() {
        InputStream in = wire.in();
        int messageOpcode = -1;
        boolean compressed = false;
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    ended(Wire.End.CLEAN, "end of stream");
                    return;
                }
                int b1 = readByte(in);
                boolean fin = (b0 & 0x80) != 0;
                int rsv = (b0 >>> 4) & 7;
                int opcode = b0 & 0xF;
                boolean masked = (b1 & 0x80) != 0;
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = readByte(in) << 8 | readByte(in);
                    if (len < 126) {
                        violation("section 5.2: length " + len + " not minimally encoded (16-bit form)");
                    }
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = len << 8 | readByte(in);
                    }
                    if (len < 0) {
                        violation("section 5.2: 64-bit length with the most significant bit set");
                        return;
                    }
                    if (len <= 0xFFFF) {
                        violation("section 5.2: length " + len + " not minimally encoded (64-bit form)");
                    }
                }
                if (masked) {
                    violation("section 5.1: the server masked a frame");
                    readFully(in, 4);
                }
                if (len > 64L << 20) {
                    violation("frame of " + len + " bytes, more than this client takes");
                    return;
                }
                byte[] payload = readFully(in, (int) len);
                boolean isControl = opcode >= 0x8;
                String what = name(opcode) + (fin ? "" : " (FIN clear)") + (rsv != 0 ? " rsv=" + rsv : "") + " " + len + " B";
                synchronized (this) {
                    if (close != null) {
                        violation("section 5.5.1: " + what + " after the server's Close");
                    }
                    if (isControl || opcode == CONT && fin || opcode != CONT && opcode != TEXT && opcode != BINARY
                            || logged < 200) {
                        note("<- " + what + (opcode == CLOSE ? " " + describeClose(payload) : ""));
                    }
                }
                if (opcode >= 3 && opcode <= 7 || opcode >= 0xB) {
                    violation("section 5.2: reserved opcode " + opcode + " from the server");
                    continue;
                }
                boolean firstDataFrame = (opcode == TEXT || opcode == BINARY);
                if (rsv != 0 && !(deflate != null && rsv == 4 && firstDataFrame)) {
                    violation("section 5.2: RSV bits " + rsv + " on a " + name(opcode) + " frame");
                }
                if (isControl) {
                    if (!fin) {
                        violation("section 5.5: fragmented control frame");
                    }
                    if (len > 125) {
                        violation("section 5.5: control frame of " + len + " bytes");
                    }
                    if (opcode == PING) {
                        event(Ev.ping(payload));
                    } else if (opcode == PONG) {
                        event(Ev.pong(payload));
                    } else {
                        onClose(payload);
                    }
                    continue;
                }
                if (opcode == CONT) {
                    if (messageOpcode < 0) {
                        violation("section 5.4: continuation frame without a message");
                        continue;
                    }
                } else {
                    if (messageOpcode >= 0) {
                        violation("section 5.4: " + name(opcode) + " frame inside a fragmented message");
                    }
                    messageOpcode = opcode;
                    compressed = rsv == 4;
                    message.reset();
                }
                message.writeBytes(payload);
                if (fin) {
                    byte[] data = message.toByteArray();
                    message = new ByteArrayOutputStream();
                    if (compressed) {
                        try {
                            data = deflate.inflate(data);
                        } catch (java.util.zip.DataFormatException e) {
                            violation("RFC 7692 section 7.2.2: the server's compressed message does not inflate: " + e.getMessage());
                        }
                    }
                    if (messageOpcode == TEXT) {
                        String bad = checkUtf8(data);
                        if (bad != null) {
                            violation("section 8.1: the server sent a text message that is not UTF-8: " + bad);
                        }
                        event(Ev.text(data));
                    } else {
                        event(Ev.binary(data));
                    }
                    messageOpcode = -1;
                }
            }
        } catch (Wire.ResetException e) {
            ended(Wire.End.RESET, e.getMessage());
        } catch (EOFException e) {
            violation("the stream ended inside a frame");
            ended(Wire.End.CLEAN, "end of stream inside a frame");
        } catch (IOException e) {
            ended(Wire.End.RESET, String.valueOf(e));
        }
    }

    private synchronized void event(Ev e) {
        received.add(e);
        notifyAll();
    }

    private void onClose(byte[] payload) {
        int code = 1005;
        byte[] reason = new byte[0];
        if (payload.length == 1) {
            violation("section 5.5.1: Close with a 1-byte payload");
        } else if (payload.length >= 2) {
            code = (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
            reason = Arrays.copyOfRange(payload, 2, payload.length);
            boolean valid = code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
            if (!valid) {
                violation("section 7.4: the server sent close code " + code);
            }
            String bad = checkUtf8(reason);
            if (bad != null) {
                violation("section 5.5.1: close reason is not UTF-8: " + bad);
            }
        }
        synchronized (this) {
            if (close == null) {
                close = new Close(code, reason, System.nanoTime(), !sentClose);
                notifyAll();
            }
        }
    }

    private synchronized void ended(Wire.End how, String detail) {
        if (end == null) {
            end = how;
            endDetail = detail;
            endNanos = System.nanoTime();
            note("<- " + (how == Wire.End.CLEAN ? (wire.name().equals("h1") ? "FIN" : "END_STREAM") : "RESET") + " (" + detail + ")");
            notifyAll();
        }
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException();
            }
            off += r;
        }
        return b;
    }

    /** Null when {@code b} is well-formed UTF-8 (RFC 3629; the JDK's strict decoder is the oracle), else why not. */
    static String checkUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return null;
        } catch (CharacterCodingException e) {
            return e.toString() + " in " + hex(b, 24);
        }
    }

    static String name(int opcode) {
        return switch (opcode) {
            case CONT -> "CONT";
            case TEXT -> "TEXT";
            case BINARY -> "BINARY";
            case CLOSE -> "CLOSE";
            case PING -> "PING";
            case PONG -> "PONG";
            default -> "OP" + opcode;
        };
    }

    private static String describe(byte[] f) {
        int len = f[1] & 0x7F;
        long n = len < 126 ? len : len == 126 ? ((f[2] & 0xFF) << 8 | (f[3] & 0xFF)) : ByteBuffer.wrap(f, 2, 8).getLong();
        int rsv = (f[0] >>> 4) & 7;
        return name(f[0] & 0xF) + ((f[0] & 0x80) == 0 ? " (FIN clear)" : "") + (rsv != 0 ? " rsv=" + rsv : "") + " " + n + " B";
    }

    private static String describeClose(byte[] payload) {
        if (payload.length < 2) {
            return payload.length == 0 ? "(no code)" : "(1 byte)";
        }
        int code = (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
        String r = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        return code + (r.isEmpty() ? "" : " \"" + r + "\"");
    }

    static String hex(byte[] b, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b.length && i < max; i++) {
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return b.length > max ? s + "..." : s.toString();
    }

    @Override
    public void close() {
        wire.close(); // the reader thread ends; zlib contexts are left to the JDK's cleaner
    }
}
