package io.h2ws.cli.measure;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import io.h2ws.H2wsClient;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.client.ClientBuilder;
import io.h2ws.socket.DeflateConfig;

/** {@link LoadClient}s for h2ws itself: over HTTP/1.1, over HTTP/2 (RFC 8441), and over HTTP/2 with the message mapping. */
public final class H2wsLoadClients {

    /**
     * The kinds: "h2ws-h1", "h2ws-h2", "h2ws-h2msg"; each with "-deflate" appended offers
     * permessage-deflate (RFC 7692) with the default settings. A "-tls" before it ("h2ws-h1-tls",
     * "h2ws-h2-tls-deflate") only names the TLS variant in tables: TLS itself comes from the
     * {@code wss://} URI and the {@link SSLContext} given to {@link #create(String, URI, SSLContext)}.
     */
    public static final String[] KINDS = {"h2ws-h1", "h2ws-h2", "h2ws-h2msg", "h2ws-h1-deflate", "h2ws-h2-deflate", "h2ws-h2msg-deflate"};

    private H2wsLoadClients() {}

    /** A client of {@code kind} for the echo endpoint at {@code uri}. */
    public static LoadClient create(String kind, URI uri) throws Exception {
        return create(kind, uri, null);
    }

    /** As {@link #create(String, URI)}, trusting {@code ssl} for wss. */
    public static LoadClient create(String kind, URI uri, SSLContext ssl) throws Exception {
        return create(kind, uri, ssl, null);
    }

    /** As {@link #create(String, URI, SSLContext)}, tracing the client to {@code trace} (null for none). */
    public static LoadClient create(String kind, URI uri, SSLContext ssl, io.h2ws.trace.TraceListener trace) throws Exception {
        return of(kind, uri, H2wsClient.create(ssl, trace));
    }

    /**
     * A client of {@code kind} over an {@link H2wsClient} the caller built (for settings the
     * other overloads do not take, such as HTTP/2 frame sizes); closing it closes {@code client}.
     */
    public static LoadClient of(String kind, URI uri, H2wsClient client) {
        return new LoadClient() {
            @Override
            public String name() {
                return kind;
            }

            @Override
            public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
                ClientBuilder b = client.newWebSocketBuilder()
                        .options(WebSocketOptions.builder().maxMessageSize(64L << 20).maxFrameSize(64L << 20).build());
                boolean deflate = kind.endsWith("-deflate");
                if (deflate) {
                    b.deflate(DeflateConfig.defaults());
                }
                switch (base(kind)) {
                    case "h2ws-h1" -> b.transport(Transport.H1);
                    case "h2ws-h2" -> b.transport(Transport.H2);
                    case "h2ws-h2msg" -> b.messageMapping(true);
                    default -> throw new IllegalArgumentException("unknown h2ws client kind " + kind);
                }
                return b.buildH2ws(uri, new Collector(onMessage)).thenApply(ws -> new LoadSocket() {
                    @Override
                    public CompletableFuture<?> send(ByteBuffer message) {
                        return ws.sendBinary(message, true);
                    }

                    @Override
                    public void close() {
                        if (!ws.isOutputClosed()) {
                            ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
                        }
                    }
                });
            }

            @Override
            public void close() {
                try {
                    client.close();
                } catch (Exception e) {
                    // closing at the end of a measurement: nothing to do about it
                }
            }
        };
    }

    /** The kind without its "-deflate" and "-tls" suffixes, e.g. "h2ws-h2" for "h2ws-h2-tls-deflate". */
    static String base(String kind) {
        String k = kind.endsWith("-deflate") ? kind.substring(0, kind.length() - "-deflate".length()) : kind;
        return k.endsWith("-tls") ? k.substring(0, k.length() - "-tls".length()) : k;
    }

    /** Hands whole messages to the callback; asks for the next part after each. */
    private static final class Collector implements WebSocket.Listener {
        private final Consumer<ByteBuffer> onMessage;
        private ByteArrayOutputStream parts;

        Collector(Consumer<ByteBuffer> onMessage) {
            this.onMessage = onMessage;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            if (last && parts == null) {
                onMessage.accept(data);
            } else {
                if (parts == null) {
                    parts = new ByteArrayOutputStream();
                }
                byte[] b = new byte[data.remaining()];
                data.get(b);
                parts.writeBytes(b);
                if (last) {
                    onMessage.accept(ByteBuffer.wrap(parts.toByteArray()));
                    parts = null;
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1);
            return null;
        }
    }
}
