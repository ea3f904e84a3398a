package io.h2ws.internal.h1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking socket speaking literal HTTP/1.1 and hand-made WebSocket frames, so tests control
 * every byte. Reads are bounded by a 10 s socket timeout.
 */
final class RawConnection implements AutoCloseable {

    /** A parsed response (or request) head and, for non-101 responses, the body. */
    record Head(String startLine, int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(", ", v);
        }
    }

    /** One frame as read: FIN, opcode and unmasked payload. */
    record Frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawConnection connect(int port) throws IOException {
        return new RawConnection(new Socket("127.0.0.1", port));
    }

    /** Sends a literal request and reads the response, closing the connection. */
    static Head exchange(int port, String request) throws IOException {
        try (RawConnection c = connect(port)) {
            c.write(request);
            return c.readHead(true);
        }
    }

    void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[]... parts) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        out.write(all.toByteArray()); // one write: the parts travel together
        out.flush();
    }

    /** Reads a head; with {@code withBody}, also a Content-Length body of a non-101 response. */
    Head readHead(boolean withBody) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside the head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        int status = -1;
        String[] start = lines[0].split(" ", 3);
        if (start[0].startsWith("HTTP/")) {
            status = Integer.parseInt(start[1]);
        }
        String body = "";
        if (withBody && status != 101) {
            List<String> cl = headers.get("content-length");
            if (cl != null) {
                body = new String(in.readNBytes(Integer.parseInt(cl.get(0))), StandardCharsets.UTF_8);
            }
        }
        return new Head(lines[0], status, headers, body);
    }

    /** A frame as a client sends it: masked with a fixed key (section 5.3). */
    static byte[] clientFrame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, opcode, payload, new byte[] {0x11, 0x22, 0x33, 0x44});
    }

    /** A frame as a server sends it: unmasked. */
    static byte[] serverFrame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, opcode, payload, null);
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    private static byte[] frame(boolean fin, int opcode, byte[] payload, byte[] mask) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int maskBit = mask != null ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >> 8);
            f.write(payload.length);
        } else {
            f.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >> (8 * i)));
            }
        }
        if (mask != null) {
            f.writeBytes(mask);
            byte[] masked = payload.clone();
            for (int i = 0; i < masked.length; i++) {
                masked[i] ^= mask[i % 4];
            }
            f.writeBytes(masked);
        } else {
            f.writeBytes(payload);
        }
        return f.toByteArray();
    }

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
        boolean masked = (b1 & 0x80) != 0;
        byte[] key = masked ? in.readNBytes(4) : null;
        byte[] payload = in.readNBytes((int) len);
        if (payload.length != len) {
            throw new EOFException("frame cut short");
        }
        if (masked) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= key[i % 4];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload, masked);
    }

    /** -1 when the peer has sent FIN (or closed), else the next byte. */
    int read() throws IOException {
        return in.read();
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
