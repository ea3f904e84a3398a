package io.h2ws.h2.internal;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.testing.Recorder;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * A Jetty server on 127.0.0.1 with two ports: cleartext HTTP/1.1 + h2c (prior knowledge) on one
 * connector, and TLS with ALPN h2. Endpoints: {@code /echo} (echoes every fragment, subprotocols
 * v2.echo and v1.echo), {@code /origin} (only https://good.example), {@code /record} (a
 * {@link Recorder} per socket, kept in {@link #recorders}), {@code /stall} (never requests).
 */
final class H2Fixture implements AutoCloseable {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    final Server server;
    final ServerConnector clear;
    final ServerConnector tls;
    final Endpoints endpoints = new Endpoints();
    final OpenSockets openSockets = new OpenSockets();
    final H2ServerConnectionFactory clearH2;
    final H2ServerConnectionFactory tlsH2;
    final CopyOnWriteArrayList<Recorder> recorders = new CopyOnWriteArrayList<>();
    final CopyOnWriteArrayList<WebSocket> stalled = new CopyOnWriteArrayList<>();

    H2Fixture() throws Exception {
        this(f -> {});
    }

    /** @param configure adjusts both HTTP/2 factories before the server starts */
    H2Fixture(Consumer<H2ServerConnectionFactory> configure) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(64);
        pool.setName("h2ws-test-server");
        server = new Server(pool);
        HttpConfiguration config = new HttpConfiguration();
        endpoints.add(Endpoint.builder("/echo").subprotocols("v2.echo", "v1.echo").listener(Echo::new).build());
        endpoints.add(Endpoint.builder("/origin").originPolicy("https://good.example"::equals).listener(Echo::new).build());
        endpoints.add(Endpoint.builder("/record").listener(() -> {
            Recorder r = new Recorder();
            recorders.add(r);
            return r;
        }).build());
        endpoints.add(Endpoint.builder("/stall").listener(() -> new WebSocket.Listener() {
            @Override
            public void onOpen(WebSocket ws) {
                stalled.add(ws); // never request(n): the stream window must close
            }
        }).build());

        clearH2 = new H2ServerConnectionFactory(config, endpoints, openSockets);
        configure.accept(clearH2);
        clear = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config), clearH2);
        clear.setHost("127.0.0.1");
        clear.setPort(0);
        server.addConnector(clear);

        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(CERT.keyStore());
        ssl.setKeyStorePassword(new String(SelfSignedCertificate.PASSWORD));
        tlsH2 = new H2ServerConnectionFactory(config, endpoints, openSockets);
        configure.accept(tlsH2);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
        alpn.setDefaultProtocol("h2");
        tls = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, tlsH2);
        tls.setHost("127.0.0.1");
        tls.setPort(0);
        server.addConnector(tls);

        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, ByteBuffer.wrap("h1 ok\n".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
    }

    URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + clear.getLocalPort() + path);
    }

    URI wss(String path) {
        return URI.create("wss://127.0.0.1:" + tls.getLocalPort() + path);
    }

    URI uri(boolean secure, String path) {
        return secure ? wss(path) : ws(path);
    }

    /** A connector trusting the fixture's certificate. */
    static H2Connector.Builder connector() {
        return H2Connector.builder().sslContext(CERT.clientContext());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /**
     * Echoes each fragment as it comes, with its {@code last} flag; asks for the next one only
     * when the echo is written, so a slow reader slows this echo instead of growing its queue.
     * A text "close CODE REASON" makes it close with that code.
     */
    static final class Echo implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            String s = data.toString();
            if (last && s.startsWith("close ")) {
                String[] p = s.split(" ", 3);
                ws.sendClose(Integer.parseInt(p[1]), p.length > 2 ? p[2] : "");
                ws.request(1);
                return null;
            }
            ws.sendText(s, last).whenComplete((w, e) -> ws.request(1));
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
            ws.sendBinary(copy, last).whenComplete((w, e) -> ws.request(1));
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            ws.request(1);
            return null;
        }
    }
}
