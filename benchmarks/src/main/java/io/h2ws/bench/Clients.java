package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;

import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.util.List;

import javax.net.ssl.SSLContext;

/**
 * Client kinds by name, and which server kind each is measured against.
 *
 * <p>Competitors: {@code jetty-h1}, {@code jetty-h2}, {@code netty-h1}, {@code jdk-h1} (the JDK
 * client against the Jetty h1 server, as in the anchors), {@code raw}. Ours: {@code h2ws-h1},
 * {@code h2ws-h2}, {@code h2ws-h2msg}, created by {@code io.h2ws.cli.measure.H2wsLoadClients.create(String, URI)}
 * through reflection, against the {@code h2ws} server kind. Over TLS ({@code wss://}, against the
 * {@code -tls} server kinds): {@code jetty-h1-tls}, {@code jetty-h2-tls} (ALPN h2),
 * {@code h2ws-h1-tls}, {@code h2ws-h2-tls}, {@code h2ws-h2msg-tls}.
 *
 * <p>{@code <client>@<server>} drives another server kind with a client kind, e.g.
 * {@code jetty-h1@h2ws} and {@code jetty-h2@h2ws}: Jetty's client against h2ws's server, so the
 * server alone differs from the plain {@code jetty-h1}/{@code jetty-h2} points.
 */
public final class Clients {
    public static final List<String> COMPETITORS = List.of("jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw");
    public static final List<String> OURS = List.of("h2ws-h1", "h2ws-h2", "h2ws-h2msg");
    /** The kinds over TLS, each trusting the certificate its {@link Harness} generated. */
    public static final List<String> TLS = List.of("jetty-h1-tls", "jetty-h2-tls", "h2ws-h1-tls", "h2ws-h2-tls", "h2ws-h2msg-tls");
    static final String H2WS_CLIENTS = "io.h2ws.cli.measure.H2wsLoadClients";

    private Clients() {}

    /** The {@link EchoServers} kind a client kind talks to. */
    public static String serverFor(String clientKind) {
        int at = clientKind.indexOf('@');
        if (at >= 0) {
            String server = clientKind.substring(at + 1);
            if (!EchoServers.KINDS.contains(server)) {
                throw new IllegalArgumentException("unknown server kind '" + server + "' in '" + clientKind + "'; known: " + EchoServers.KINDS);
            }
            return server;
        }
        return switch (clientKind) {
            case "jetty-h1", "jdk-h1" -> "jetty-h1";
            case "jetty-h2" -> "jetty-h2";
            case "netty-h1" -> "netty-h1";
            case "raw" -> "raw";
            case "jetty-h1-tls" -> "jetty-h1-tls";
            case "jetty-h2-tls" -> "jetty-h2-tls";
            default -> {
                if (clientKind.startsWith("h2ws-")) {
                    yield tls(clientKind) ? "h2ws-tls" : "h2ws";
                }
                throw new IllegalArgumentException("unknown client kind '" + clientKind + "'");
            }
        };
    }

    /** The URI a client kind uses for a server on {@code port} of the loopback interface. */
    public static URI uriFor(String clientKind, int port) {
        clientKind = base(clientKind);
        return URI.create((clientKind.equals("raw") ? "tcp" : tls(clientKind) ? "wss" : "ws") + "://127.0.0.1:" + port + "/echo");
    }

    /** True for the kinds over TLS ("-tls" in the name, before any "-deflate"). */
    public static boolean tls(String clientKind) {
        clientKind = base(clientKind);
        return clientKind.endsWith("-tls") || clientKind.endsWith("-tls-deflate");
    }

    /** True if {@code kind} can be created in this JVM (h2ws kinds need the lead's factory class). */
    public static boolean available(String kind) {
        kind = base(kind);
        if (!kind.startsWith("h2ws-")) {
            return true;
        }
        try {
            Class.forName(H2WS_CLIENTS);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public static LoadClient create(String kind, URI uri) throws Exception {
        return create(kind, uri, null);
    }

    /** As {@link #create(String, URI)}; {@code ssl} is what the TLS kinds trust (null: the JDK default). */
    public static LoadClient create(String kind, URI uri, SSLContext ssl) throws Exception {
        kind = base(kind);
        return switch (kind) {
            case "jetty-h1-tls" -> new JettyLoadClient(uri, false, false, ssl);
            case "jetty-h2-tls" -> new JettyLoadClient(uri, true, false, ssl);
            case "jetty-h1" -> new JettyLoadClient(uri, false);
            case "jetty-h2" -> new JettyLoadClient(uri, true);
            case "netty-h1" -> new NettyLoadClient(uri);
            case "jdk-h1" -> new JdkLoadClient(uri);
            case "raw" -> new RawLoadClient(uri);
            default -> {
                if (kind.startsWith("h2ws-")) {
                    yield createH2ws(kind, uri, ssl);
                }
                throw new IllegalArgumentException("unknown client kind '" + kind + "'; known: " + COMPETITORS + " " + OURS + " " + TLS);
            }
        };
    }

    /** The client part of {@code client@server}; the kind itself when it names no server. */
    public static String base(String clientKind) {
        int at = clientKind.indexOf('@');
        return at < 0 ? clientKind : clientKind.substring(0, at);
    }

    private static LoadClient createH2ws(String kind, URI uri, SSLContext ssl) throws Exception {
        Class<?> c;
        try {
            c = Class.forName(H2WS_CLIENTS);
        } catch (ClassNotFoundException e) {
            throw new UnsupportedOperationException("client kind '" + kind + "' needs " + H2WS_CLIENTS
                    + ".create(String, URI, SSLContext) on the class path; it is not there yet", e);
        }
        try {
            return (LoadClient) c.getMethod("create", String.class, URI.class, SSLContext.class).invoke(null, kind, uri, ssl);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }
}
