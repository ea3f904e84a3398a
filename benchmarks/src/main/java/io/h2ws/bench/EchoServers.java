package io.h2ws.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.KeyStore;
import java.util.List;

import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * The echo servers the benchmarks measure against, one kind per implementation, each runnable
 * as its own JVM:
 *
 * <pre>java -cp benchmarks.jar io.h2ws.bench.EchoServers &lt;kind&gt; &lt;port&gt; [key-store.p12]
 * java -cp benchmarks.jar io.h2ws.bench.EchoServers h2ws &lt;port&gt; &lt;h2-max-frame-size&gt; &lt;h2-stream-window&gt;</pre>
 *
 * It prints {@code READY <port>} on stdout once listening (port 0 picks a free one, and the
 * line tells which) and stops when its stdin reaches EOF, so a server forked by a benchmark dies
 * with the JVM that forked it.
 *
 * <p>Kinds: {@code jetty-h1}, {@code jetty-h2} (h2c, extended CONNECT), {@code netty-h1},
 * {@code raw} (length-prefixed TCP), and {@code h2ws}, which calls
 * {@code io.h2ws.cli.EchoServer.start(int)} when that class is on the class path. Over TLS:
 * {@code jetty-h1-tls}, {@code jetty-h2-tls} (ALPN h2) and {@code h2ws-tls} (ALPN h2 and
 * http/1.1), presenting the key of a PKCS12 key store whose password is
 * {@link SelfSignedCertificate#PASSWORD} (the benchmark writes one from
 * {@link SelfSignedCertificate#generate()}, so its client can trust exactly that certificate).
 */
public final class EchoServers {

    /** Every kind {@link #start} knows. */
    public static final List<String> KINDS = List.of("jetty-h1", "jetty-h2", "netty-h1", "raw", "h2ws",
            "jetty-h1-tls", "jetty-h2-tls", "h2ws-tls");

    /** A listening echo server. */
    public interface Running extends AutoCloseable {
        int port();

        /** Stops listening and releases threads; bounded. */
        @Override
        void close();
    }

    private EchoServers() {}

    /** Starts a server of {@code kind} in this JVM on {@code port} (0: any free port) of the loopback interface. */
    public static Running start(String kind, int port) throws Exception {
        return start(kind, port, null);
    }

    /** True for the kinds that listen over TLS and so need a key store. */
    public static boolean tls(String kind) {
        return kind.endsWith("-tls");
    }

    /**
     * As {@link #start(String, int)}; the TLS kinds present the key in {@code keyStore}
     * (password {@link SelfSignedCertificate#PASSWORD}), which the others ignore.
     */
    public static Running start(String kind, int port, KeyStore keyStore) throws Exception {
        if (tls(kind) && keyStore == null) {
            throw new IllegalArgumentException("server kind '" + kind + "' needs a key store");
        }
        char[] pw = SelfSignedCertificate.PASSWORD;
        return switch (kind) {
            case "jetty-h1-tls" -> JettyEchoServer.start(port, false, keyStore, pw);
            case "jetty-h2-tls" -> JettyEchoServer.start(port, true, keyStore, pw);
            case "h2ws-tls" -> {
                io.h2ws.H2wsServer s = io.h2ws.cli.EchoServer.startTls(port, keyStore, pw);
                yield new Running() {
                    @Override
                    public int port() {
                        return s.tlsPort();
                    }

                    @Override
                    public void close() {
                        try {
                            s.close();
                        } catch (Exception e) {
                            System.err.println("h2ws server close: " + e);
                        }
                    }
                };
            }
            case "jetty-h1" -> JettyEchoServer.start(port, false);
            case "jetty-h2" -> JettyEchoServer.start(port, true);
            case "netty-h1" -> NettyEchoServer.start(port);
            case "raw" -> RawNio.startServer(port);
            case "h2ws" -> startH2ws(port);
            case "h2ws-scale" -> ScaleServer.start(port); // ScaleRun's: idle sockets, stats, broadcast
            default -> throw new IllegalArgumentException("unknown server kind '" + kind + "'; known: " + KINDS);
        };
    }

    /** The class the h2ws kind delegates to; supplied by the cli module when it exists. */
    static final String H2WS_SERVER = "io.h2ws.cli.EchoServer";

    /**
     * Our own server, through reflection so this module builds before the class exists.
     * {@code start(int)} may return an {@link AutoCloseable} (closed on stop), something with an
     * {@code int port()} method, or an {@code Integer} port; anything else means "listening on the
     * port asked for".
     */
    static Running startH2ws(int port) throws Exception {
        return startH2ws(port, null, null);
    }

    /**
     * The h2ws server with SETTINGS_MAX_FRAME_SIZE and SETTINGS_INITIAL_WINDOW_SIZE given (both
     * null: {@code start(int)}), through {@code io.h2ws.cli.EchoServer.start(int, int, int)}.
     */
    static Running startH2ws(int port, Integer h2MaxFrameSize, Integer h2StreamWindow) throws Exception {
        Class<?> c;
        try {
            c = Class.forName(H2WS_SERVER);
        } catch (ClassNotFoundException e) {
            throw new UnsupportedOperationException("server kind 'h2ws' needs " + H2WS_SERVER
                    + ".start(int) on the class path; it is not there yet", e);
        }
        Object handle;
        try {
            handle = h2MaxFrameSize == null
                    ? c.getMethod("start", int.class).invoke(null, port)
                    : c.getMethod("start", int.class, int.class, int.class).invoke(null, port, h2MaxFrameSize, h2StreamWindow);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        int actual = port;
        if (handle instanceof Integer p) {
            actual = p;
        } else if (handle != null) {
            try {
                Method m = handle.getClass().getMethod("port");
                m.setAccessible(true);
                actual = ((Number) m.invoke(handle)).intValue();
            } catch (NoSuchMethodException ignored) {
                // the handle does not tell; assume the requested port
            }
        }
        if (actual == 0) {
            throw new IllegalStateException(H2WS_SERVER + ".start(0) did not reveal the port it bound");
        }
        int bound = actual;
        Object h = handle;
        return new Running() {
            @Override
            public int port() {
                return bound;
            }

            @Override
            public void close() {
                if (h instanceof AutoCloseable a) {
                    try {
                        a.close();
                    } catch (Exception e) {
                        System.err.println("h2ws server close: " + e);
                    }
                }
            }
        };
    }

    /** Runs one server until stdin reaches EOF; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        boolean h2Settings = args.length == 4 && args[0].equals("h2ws");
        if (h2Settings) {
            Running server = startH2ws(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            System.out.println("READY " + server.port());
            System.out.flush();
            awaitEof(System.in);
            server.close();
            System.exit(0);
        }
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: EchoServers <" + String.join("|", KINDS) + "> <port> [key-store.p12]"
                    + "\n       EchoServers h2ws <port> <h2-max-frame-size> <h2-stream-window>");
            System.exit(2);
        }
        KeyStore ks = null;
        if (args.length == 3) {
            ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(args[2]))) {
                ks.load(in, SelfSignedCertificate.PASSWORD);
            }
        }
        Running server = start(args[0], Integer.parseInt(args[1]), ks);
        System.out.println("READY " + server.port());
        System.out.flush();
        awaitEof(System.in);
        server.close();
        System.exit(0);
    }

    private static void awaitEof(InputStream in) {
        byte[] sink = new byte[256];
        try {
            while (in.read(sink) >= 0) {
                // a forked server reads nothing; EOF means the parent closed our stdin or died
            }
        } catch (IOException e) {
            // a broken pipe ends the server as EOF does
        }
    }
}
