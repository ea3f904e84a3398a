package io.h2ws.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/** An RFC 6455 opening handshake on a plain socket, then the raw upgraded byte stream. */
final class H1Wire implements Wire {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private String extensions;

    private H1Wire(Socket socket) throws IOException {
        this.socket = socket;
        InputStream raw = socket.getInputStream();
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    return raw.read();
                } catch (SocketException e) {
                    throw asReset(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return raw.read(b, off, len);
                } catch (SocketException e) {
                    throw asReset(e);
                }
            }
        };
        this.out = socket.getOutputStream();
    }

    private IOException asReset(SocketException e) {
        if (socket.isClosed()) {
            return e; // closed by us
        }
        return new ResetException("TCP: " + e.getMessage());
    }

    static Wire open(int port, String path, String extensionOffer) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setTcpNoDelay(true);
        s.setSoTimeout(5000); // the handshake; frames are read without a timeout by Peer's reader thread
        H1Wire w = new H1Wire(s);
        try {
            w.handshake(port, path, extensionOffer);
            s.setSoTimeout(0);
            return w;
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private void handshake(int port, String path, String extensionOffer) throws IOException {
        byte[] nonce = new byte[16];
        new java.util.Random(port * 31L + path.hashCode()).nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        // the request head Autobahn's client sends, header by header (autobahn-python's startHandshake):
        // note "Upgrade: WebSocket", which a server must take case-insensitively (RFC 6455 section 4.2.1)
        StringBuilder req = new StringBuilder()
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("User-Agent: h2ws-conformance\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: WebSocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Pragma: no-cache\r\n")
                .append("Cache-Control: no-cache\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        if (extensionOffer != null) {
            req.append("Sec-WebSocket-Extensions: ").append(extensionOffer).append("\r\n");
        }
        req.append("Sec-WebSocket-Version: 13\r\n").append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String head = readHead();
        String[] lines = head.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[1].equals("101")) {
            throw new IOException("expected 101, got: " + lines[0]);
        }
        String accept = null;
        String upgrade = null;
        String connection = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("sec-websocket-accept")) {
                accept = value;
            } else if (name.equals("upgrade")) {
                upgrade = value;
            } else if (name.equals("connection")) {
                connection = value;
            } else if (name.equals("sec-websocket-extensions")) {
                extensions = extensions == null ? value : extensions + ", " + value;
            }
        }
        // RFC 6455 section 4.1, the client's checks of the 101
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            throw new IOException("101 without Upgrade: websocket: " + head);
        }
        if (connection == null || java.util.Arrays.stream(connection.split(",")).noneMatch(t -> t.trim().equalsIgnoreCase("upgrade"))) {
            throw new IOException("101 without Connection: Upgrade: " + head);
        }
        if (!expectedAccept(key).equals(accept)) {
            throw new IOException("bad Sec-WebSocket-Accept " + accept + " for key " + key);
        }
    }

    static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads up to and including CRLF CRLF, byte by byte, so no frame byte is taken. */
    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed inside the response head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 16384) {
                throw new IOException("response head too long");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String name() {
        return "h1";
    }

    @Override
    public InputStream in() {
        return in;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public String extensions() {
        return extensions;
    }

    @Override
    public void endOutput() {
        // the client closes the socket once the server's FIN came (RFC 6455 section 7.1.1)
    }

    @Override
    public void halfClose() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public String checkReusable() {
        return null;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
