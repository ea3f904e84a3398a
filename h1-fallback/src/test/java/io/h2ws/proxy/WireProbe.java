package io.h2ws.proxy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * A bare Jetty HTTP/2 client that opens RFC 8441 streams to a proxy's front end and writes down
 * what comes back at the frame level: the SETTINGS, the 200's fields, and how each stream ends
 * (END_STREAM on DATA, trailers, or RST_STREAM with which code). The evidence behind the table
 * in spec-notes/proxies.md.
 */
final class WireProbe implements AutoCloseable {

    /** What one tunnelled stream showed. */
    static final class Tunnel {
        final CompletableFuture<MetaData.Response> response = new CompletableFuture<>();
        final CompletableFuture<String> end = new CompletableFuture<>();
        final ByteArrayOutputStream in = new ByteArrayOutputStream();
        final List<String> frames = Collections.synchronizedList(new ArrayList<>());
        volatile Stream stream;

        synchronized byte[] received() {
            return in.toByteArray();
        }
    }

    final HTTP2Client client = new HTTP2Client();
    final CompletableFuture<Map<Integer, Integer>> settings = new CompletableFuture<>();
    final Session session;
    final boolean tls;
    final String authority;
    final Map<Integer, String> goAway = new ConcurrentHashMap<>();
    private SslContextFactory.Client ssl;

    WireProbe(int port, boolean tls, SelfSignedCertificate cert) throws Exception {
        this.tls = tls;
        this.authority = (tls ? "localhost:" : "127.0.0.1:") + port;
        client.start();
        Session.Listener listener = new Session.Listener() {
            @Override
            public void onSettings(Session s, SettingsFrame frame) {
                if (!frame.isReply()) {
                    settings.complete(new TreeMap<>(frame.getSettings()));
                }
            }

            @Override
            public void onGoAway(Session s, org.eclipse.jetty.http2.frames.GoAwayFrame frame) {
                goAway.put(frame.getLastStreamId(), ErrorCode.toString(frame.getError(), "error " + frame.getError()));
            }
        };
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        if (tls) {
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setSslContext(cert.clientContext());
            ssl.setEndpointIdentificationAlgorithm(null);
            ssl.start();
            this.ssl = ssl;
            session = connect(c -> client.connect(ssl, address, listener, c));
        } else {
            session = connect(c -> client.connect(address, listener, c));
        }
        settings.get(10, TimeUnit.SECONDS);
    }

    private static Session connect(java.util.function.Consumer<Promise<Session>> how) throws Exception {
        CompletableFuture<Session> f = new CompletableFuture<>();
        how.accept(Promise.from(f::complete, f::completeExceptionally));
        return f.get(10, TimeUnit.SECONDS);
    }

    /** SETTINGS_INITIAL_WINDOW_SIZE as announced (65,535 when absent). */
    int initialWindow() throws Exception {
        return settings.get().getOrDefault(SettingsFrame.INITIAL_WINDOW_SIZE, 65_535);
    }

    boolean enablesConnectProtocol() throws Exception {
        return settings.get().getOrDefault(SettingsFrame.ENABLE_CONNECT_PROTOCOL, 0) == 1;
    }

    /** Sends an extended CONNECT with {@code :protocol} and waits for the answer's HEADERS. */
    Tunnel open(String path, String protocol) throws Exception {
        Tunnel t = new Tunnel();
        HttpFields.Mutable fields = HttpFields.build();
        fields.put("sec-websocket-version", "13");
        MetaData.ConnectRequest connect = new MetaData.ConnectRequest(tls ? "https" : "http", new HostPortHttpField(authority),
                path, fields, protocol);
        CompletableFuture<Stream> created = new CompletableFuture<>();
        session.newStream(new HeadersFrame(connect, null, false), Promise.from(created::complete, created::completeExceptionally),
                new Stream.Listener() {
                    @Override
                    public void onHeaders(Stream s, HeadersFrame frame) {
                        if (frame.getMetaData() instanceof MetaData.Response r) {
                            t.frames.add("HEADERS :status " + r.getStatus() + (frame.isEndStream() ? " END_STREAM" : ""));
                            t.response.complete(r);
                        } else {
                            t.frames.add("HEADERS (trailers) " + names(frame.getMetaData().getHttpFields()) + (frame.isEndStream() ? " END_STREAM" : ""));
                        }
                        if (frame.isEndStream()) {
                            t.end.complete(t.response.isDone() && t.frames.size() == 1 ? "HEADERS END_STREAM" : "trailers END_STREAM");
                        } else {
                            s.demand();
                        }
                    }

                    @Override
                    public void onDataAvailable(Stream s) {
                        for (;;) {
                            Stream.Data d = s.readData();
                            if (d == null) {
                                s.demand();
                                return;
                            }
                            ByteBuffer b = d.frame().getByteBuffer();
                            int n = b.remaining();
                            synchronized (t) {
                                byte[] bytes = new byte[n];
                                b.get(bytes);
                                t.in.writeBytes(bytes);
                            }
                            boolean end = d.frame().isEndStream();
                            t.frames.add("DATA " + n + (end ? " END_STREAM" : ""));
                            d.release();
                            if (end) {
                                t.end.complete(n == 0 ? "empty DATA END_STREAM" : "DATA END_STREAM");
                                return;
                            }
                        }
                    }

                    @Override
                    public void onReset(Stream s, org.eclipse.jetty.http2.frames.ResetFrame frame, Callback callback) {
                        String code = ErrorCode.toString(frame.getError(), "error " + frame.getError());
                        t.frames.add("RST_STREAM " + code);
                        t.end.complete("RST_STREAM(" + code + ")");
                        t.response.completeExceptionally(new IllegalStateException("reset before a response: " + code));
                        callback.succeeded();
                    }

                    @Override
                    public void onFailure(Stream s, int error, String reason, Throwable failure, Callback callback) {
                        t.frames.add("failure " + ErrorCode.toString(error, reason));
                        t.end.complete("failure(" + ErrorCode.toString(error, reason) + ")");
                        t.response.completeExceptionally(failure);
                        callback.succeeded();
                    }
                });
        t.stream = created.get(10, TimeUnit.SECONDS);
        try {
            t.response.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the caller looks at t.frames / t.end
        }
        return t;
    }

    /** Writes bytes as one DATA frame, ending the stream when {@code end}. */
    void send(Tunnel t, byte[] bytes, boolean end) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        t.stream.data(new DataFrame(t.stream.getId(), ByteBuffer.wrap(bytes), end), Callback.from(() -> done.complete(null), done::completeExceptionally));
        done.get(10, TimeUnit.SECONDS);
    }

    /** A masked client frame (RFC 6455 section 5.2), payload under 126 bytes. */
    static byte[] clientFrame(int opcode, byte[] payload) {
        byte[] mask = new byte[4];
        new SecureRandom().nextBytes(mask);
        byte[] out = new byte[6 + payload.length];
        out[0] = (byte) (0x80 | opcode);
        out[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, out, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            out[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return out;
    }

    static byte[] text(String s) {
        return clientFrame(1, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] close(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return clientFrame(8, p);
    }

    /** The opcodes of the unmasked server frames in {@code bytes} (small frames only). */
    static List<Integer> opcodes(byte[] bytes) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        while (i + 2 <= bytes.length) {
            int op = bytes[i] & 0x0F;
            int len = bytes[i + 1] & 0x7F;
            int hdr = 2;
            if (len == 126) {
                len = ((bytes[i + 2] & 0xFF) << 8) | (bytes[i + 3] & 0xFF);
                hdr = 4;
            }
            out.add(op);
            i += hdr + len;
        }
        return out;
    }

    static String names(HttpFields fields) {
        List<String> n = new ArrayList<>();
        for (HttpField f : fields) {
            n.add(f.getLowerCaseName());
        }
        return n.toString();
    }

    /**
     * ESTABLISHED IPv4 TCP connections on this machine whose remote port is {@code port}, i.e.
     * the client sides of connections to that port: the proxy's backend connections to our server.
     * -1 where /proc/net/tcp cannot be read.
     */
    static int establishedTo(int port) {
        try {
            int n = 0;
            for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[2].contains(":") && f[3].equals("01")
                        && Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16) == port) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() throws Exception {
        client.stop();
        if (ssl != null) {
            ssl.stop();
        }
    }
}
