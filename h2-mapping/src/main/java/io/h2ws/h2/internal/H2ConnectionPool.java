package io.h2ws.h2.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import io.h2ws.client.ClientRequest;
import io.h2ws.h2.internal.H2Connector.StreamLimitPolicy;
import io.h2ws.h2.internal.trace.H2Tracer;

/**
 * The client's HTTP/2 connections, grouped by origin (scheme, host, port), and what every
 * connection shares: Jetty's client, the stream-limit policy, the keepalive and the tracer.
 */
final class H2ConnectionPool {

    final HTTP2Client client;
    private final SslContextFactory.Client sslContextFactory;
    final StreamLimitPolicy policy;
    final int maxConnectionsPerOrigin;
    final Duration keepaliveInterval; // null: off
    final Duration keepaliveTimeout;
    final H2Tracer tracer; // null: no trace and no frame statistics
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();
    private volatile boolean closed;

    H2ConnectionPool(HTTP2Client client, SslContextFactory.Client sslContextFactory, StreamLimitPolicy policy,
                     int maxConnectionsPerOrigin, Duration keepaliveInterval, Duration keepaliveTimeout, H2Tracer tracer) {
        this.client = client;
        this.sslContextFactory = sslContextFactory;
        this.policy = policy;
        this.maxConnectionsPerOrigin = maxConnectionsPerOrigin;
        this.keepaliveInterval = keepaliveInterval;
        this.keepaliveTimeout = keepaliveTimeout;
        this.tracer = tracer;
    }

    private static String key(boolean secure, String host, int port) {
        return (secure ? "https" : "http") + "://" + host + ":" + port;
    }

    Origin origin(ClientRequest request) {
        String host = request.uri().getHost().toLowerCase(Locale.ROOT);
        String key = key(request.secure(), host, request.port());
        return origins.computeIfAbsent(key, k -> new Origin(this, k, request.secure(), host, request.port()));
    }

    /** The connections to the origin of a ws, wss, http or https {@code uri}; empty when there are none. */
    List<ClientConnection> connections(URI uri) {
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        Origin o = origins.get(key(secure, uri.getHost().toLowerCase(Locale.ROOT), port));
        return o == null ? List.of() : o.connections();
    }

    /** The connections to every origin. */
    List<ClientConnection> connections() {
        List<ClientConnection> all = new ArrayList<>();
        for (Origin o : origins.values()) {
            all.addAll(o.connections());
        }
        return all;
    }

    int connectionCount(URI uri) {
        return connections(uri).size();
    }

    int connectionCount() {
        int n = 0;
        for (Origin o : origins.values()) {
            n += o.connectionCount();
        }
        return n;
    }

    void connect(boolean secure, InetSocketAddress address, Session.Listener listener, Promise<Session> promise) {
        if (secure) {
            client.connect(sslContextFactory, address, listener, promise);
        } else {
            client.connect(address, listener, promise);
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Fails the waiting sockets and stops every keepalive; stopping Jetty's client ends the rest. */
    void close() {
        closed = true;
        for (Origin o : origins.values()) {
            o.failAll(uri -> new IOException(uri + ": connector closed"));
            for (ClientConnection c : o.connections()) {
                c.stopKeepalive(); // also done when Jetty reports each session closed; this is the backstop
            }
        }
    }

    /**
     * Closes every connection (GOAWAY, then the TCP connection) and waits, at most {@code grace},
     * until Jetty reported each closed, so that the sockets' final tasks reach a running executor.
     */
    void closeConnections(Duration grace) {
        List<ClientConnection> closing = new ArrayList<>();
        for (ClientConnection c : connections()) {
            Session s = c.session;
            if (s != null) {
                closing.add(c);
                s.close(ErrorCode.NO_ERROR.code, "connector closed", Callback.NOOP);
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (closing.stream().anyMatch(ClientConnection::isOpen) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        Map<String, Integer> counts = new HashMap<>();
        origins.forEach((k, o) -> counts.put(k, o.connectionCount()));
        return counts.toString();
    }
}
