package io.h2ws.hostile;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.h2ws.core.internal.frame.FrameEncoder;

/**
 * A blocking loopback socket for byte-level attacks on the HTTP/1.1 side: literal request heads,
 * hand-built (masked) frames, and a frame reader for what the server answers.
 */
final class RawWs implements AutoCloseable {

    /** A frame as read from the server (servers do not mask). */
    record Frame(boolean fin, int opcode, byte[] payload) {
        int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    static final int MASK = 0x11223344;

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawWs(int port) throws IOException {
        this(port, -1);
    }

    /** With {@code receiveBuffer} > 0, a small TCP receive buffer (set before connecting). */
    RawWs(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static String upgradeRequest(String path, int port, String... extraHeaders) {
        StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** Sends the upgrade request (and {@code after}, in the same write) and reads the 101 head. */
    static RawWs upgraded(int port, String path, byte[] after) throws IOException {
        RawWs ws = new RawWs(port);
        ws.write(ascii(upgradeRequest(path, port)), after);
        int status = ws.readStatus();
        if (status != 101) {
            throw new IOException("expected 101, got " + status);
        }
        return ws;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A masked client frame with the fixed mask key. */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteBuffer f = FrameEncoder.encodeFrame(fin, 0, opcode, true, MASK, ByteBuffer.wrap(payload));
        byte[] b = new byte[f.remaining()];
        f.get(b);
        return b;
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    void write(byte[]... parts) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        out.write(all.toByteArray());
        out.flush();
    }

    /** Reads a response head and returns its status; the head text is kept in {@link #lastHead}. */
    int readStatus() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed inside the head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        lastHead = head.toString(StandardCharsets.ISO_8859_1);
        return Integer.parseInt(lastHead.split(" ", 3)[1]);
    }

    String lastHead = "";

    Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte();
            }
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("the server masked a frame");
        }
        byte[] payload = in.readNBytes((int) len);
        if (payload.length != len) {
            throw new EOFException("frame cut short");
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload);
    }

    /** Frames until a Close (returned); data and pongs before it are skipped. */
    Frame readUntilClose() throws IOException {
        for (;;) {
            Frame f = readFrame();
            if (f.opcode() == 0x8) {
                return f;
            }
        }
    }

    /** True when the server has ended the connection (EOF or reset) within the socket timeout. */
    boolean endsWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            byte[] sink = new byte[4096];
            while (in.read(sink) >= 0) {
                // drain
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
