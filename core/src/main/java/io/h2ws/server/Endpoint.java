package io.h2ws.server;

import java.net.http.WebSocket;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.server.HandshakeException;

/**
 * A WebSocket endpoint, registered once and served over both transports: its path, the
 * subprotocols it speaks, who may connect, and the listener for each accepted socket.
 */
public final class Endpoint {

    /** Makes the listener of one accepted socket; throw to refuse the handshake with a status. */
    @FunctionalInterface
    public interface Acceptor {
        WebSocket.Listener accept(HandshakeRequest request) throws HandshakeException;
    }

    private final String path;
    private final List<String> subprotocols;
    private final Predicate<String> originPolicy;
    private final Acceptor acceptor;
    private final WebSocketOptions options;
    private final DeflateConfig deflate;

    private Endpoint(Builder b) {
        this.path = b.path;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.originPolicy = b.originPolicy;
        this.acceptor = Objects.requireNonNull(b.acceptor, "acceptor");
        this.options = b.options;
        this.deflate = b.deflate;
    }

    /** A builder for the endpoint at {@code path} (an exact path, without query). */
    public static Builder builder(String path) {
        return new Builder(path);
    }

    /** An endpoint at {@code path} whose sockets all share one listener factory. */
    public static Endpoint of(String path, Acceptor acceptor) {
        return builder(path).acceptor(acceptor).build();
    }

    public String path() {
        return path;
    }

    /** Supported subprotocols, most preferred first. */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** Decides on the Origin header (null when absent); refusals get 403. */
    public Predicate<String> originPolicy() {
        return originPolicy;
    }

    public Acceptor acceptor() {
        return acceptor;
    }

    public WebSocketOptions options() {
        return options;
    }

    /** permessage-deflate settings; enabled by default, as in Jetty and every browser. */
    public DeflateConfig deflate() {
        return deflate;
    }

    /** Builds an {@link Endpoint}. */
    public static final class Builder {
        private final String path;
        private List<String> subprotocols = List.of();
        private Predicate<String> originPolicy = origin -> true;
        private Acceptor acceptor;
        private WebSocketOptions options = WebSocketOptions.DEFAULTS;
        private DeflateConfig deflate = DeflateConfig.defaults();

        private Builder(String path) {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("an endpoint path starts with '/': " + path);
            }
            this.path = path;
        }

        public Builder subprotocols(String... mostPreferredFirst) {
            this.subprotocols = List.of(mostPreferredFirst);
            return this;
        }

        public Builder originPolicy(Predicate<String> policy) {
            this.originPolicy = Objects.requireNonNull(policy);
            return this;
        }

        public Builder acceptor(Acceptor acceptor) {
            this.acceptor = Objects.requireNonNull(acceptor);
            return this;
        }

        /** Sets a listener factory that ignores the request. */
        public Builder listener(java.util.function.Supplier<WebSocket.Listener> factory) {
            Objects.requireNonNull(factory);
            this.acceptor = request -> factory.get();
            return this;
        }

        public Builder options(WebSocketOptions options) {
            this.options = Objects.requireNonNull(options);
            return this;
        }

        /** permessage-deflate settings; {@link DeflateConfig#disabled()} declines every offer. */
        public Builder deflate(DeflateConfig deflate) {
            this.deflate = Objects.requireNonNull(deflate);
            return this;
        }

        public Endpoint build() {
            return new Endpoint(this);
        }
    }
}
