package io.h2ws.client;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.handshake.HeaderTokens;

/**
 * The JDK's {@link WebSocket.Builder} with what the JDK lacks: the transport choice and the
 * socket's limits. {@code buildAsync} returns the JDK's future type; the socket is an
 * {@link H2wsSocket}.
 */
public final class ClientBuilder implements WebSocket.Builder {

    /** Headers the handshake owns, refused as the JDK refuses them. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "te", "transfer-encoding", "keep-alive", "proxy-connection", "http2-settings");

    private final Connector connector;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private List<String> subprotocols = List.of();
    private Duration connectTimeout;
    private WebSocketOptions options = WebSocketOptions.DEFAULTS;
    private Transport transport = Transport.AUTO;
    private boolean messageMapping;
    private DeflateConfig deflate = DeflateConfig.disabled();

    public ClientBuilder(Connector connector) {
        this.connector = Objects.requireNonNull(connector);
    }

    @Override
    public ClientBuilder header(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        String lower = name.toLowerCase(Locale.ROOT);
        if (!HeaderTokens.isToken(name) || RESTRICTED.contains(lower) || lower.startsWith("sec-websocket-")
                || lower.startsWith(":")) {
            throw new IllegalArgumentException("restricted or illegal header name: " + name);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("illegal character in the value of " + name);
            }
        }
        headers.add(Map.entry(name, value));
        return this;
    }

    @Override
    public ClientBuilder connectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive: " + timeout);
        }
        this.connectTimeout = timeout;
        return this;
    }

    @Override
    public ClientBuilder subprotocols(String mostPreferred, String... lesserPreferred) {
        List<String> all = new ArrayList<>();
        all.add(Objects.requireNonNull(mostPreferred));
        for (String s : lesserPreferred) {
            all.add(Objects.requireNonNull(s));
        }
        for (String s : all) {
            if (!HeaderTokens.isToken(s)) {
                throw new IllegalArgumentException("a subprotocol must be a token: " + s);
            }
        }
        if (Set.copyOf(all).size() != all.size()) {
            throw new IllegalArgumentException("duplicate subprotocols: " + all);
        }
        this.subprotocols = List.copyOf(all);
        return this;
    }

    /** H1, H2 or AUTO (the default). */
    public ClientBuilder transport(Transport transport) {
        this.transport = Objects.requireNonNull(transport);
        return this;
    }

    /**
     * Opens the socket with the experimental HTTP/2 message mapping instead of RFC 6455 framing
     * ({@code spec-notes/message-mapping.md}); it needs HTTP/2, so the transport becomes H2.
     */
    public ClientBuilder messageMapping(boolean on) {
        this.messageMapping = on;
        if (on) {
            this.transport = Transport.H2;
        }
        return this;
    }

    /**
     * Offers permessage-deflate (RFC 7692) with these settings; off by default, as in the JDK
     * client. {@code DeflateConfig.defaults()} offers {@code permessage-deflate; client_max_window_bits}.
     */
    public ClientBuilder deflate(DeflateConfig deflate) {
        this.deflate = Objects.requireNonNull(deflate);
        return this;
    }

    /** Limits and timeouts of the socket. */
    public ClientBuilder options(WebSocketOptions options) {
        this.options = Objects.requireNonNull(options);
        return this;
    }

    @Override
    public CompletableFuture<WebSocket> buildAsync(URI uri, WebSocket.Listener listener) {
        return buildH2ws(uri, listener).thenApply(ws -> ws);
    }

    /** As {@link #buildAsync}, typed as {@link H2wsSocket}. */
    public CompletableFuture<H2wsSocket> buildH2ws(URI uri, WebSocket.Listener listener) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(listener, "listener");
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
            throw new IllegalArgumentException("not a ws or wss URI: " + uri);
        }
        if (uri.getFragment() != null || uri.getHost() == null) {
            throw new IllegalArgumentException("a WebSocket URI has a host and no fragment (RFC 6455 section 3): " + uri);
        }
        if (messageMapping && transport != Transport.H2) {
            throw new IllegalStateException("the message mapping runs on HTTP/2 only, not " + transport);
        }
        ClientRequest request = new ClientRequest(uri, List.copyOf(headers), subprotocols, connectTimeout, options,
                transport, messageMapping, deflate);
        return connector.connect(request, listener);
    }
}
