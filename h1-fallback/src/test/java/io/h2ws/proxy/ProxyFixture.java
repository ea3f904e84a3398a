package io.h2ws.proxy;

import java.net.URI;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * One of our servers behind every proxy configuration of a test class, and one client. Proxies
 * start on first use (one process per program and backend protocol serves both front ends) and
 * are all killed by {@link #close}.
 *
 * <p>Endpoints: {@code /echo} echoes; {@code /ctl} echoes too, and on the text {@code close CODE
 * REASON} closes with that code, on {@code abort} drops its transport without a Close, and answers
 * {@code whoami} with the transport of the server's side (the proxy's backend leg), followed by the
 * wire mapping when it is not RFC 6455.
 */
final class ProxyFixture implements AutoCloseable {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    final H2wsServer server;
    final H2wsClient client;
    private final Map<Proxy.Kind, Map<Proxy.Backend, Proxy>> proxies = new EnumMap<>(Proxy.Kind.class);
    private final List<Proxy> extra = new ArrayList<>();

    ProxyFixture() throws Exception {
        server = H2wsServer.builder().host("127.0.0.1").port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/ctl").listener(ControlListener::new).build())
                .build().start();
        client = H2wsClient.create(CERT.clientContext());
    }

    /** The proxy of this program and backend protocol, started on first use. */
    synchronized Proxy proxy(Proxy.Kind kind, Proxy.Backend backend) throws Exception {
        Map<Proxy.Backend, Proxy> byBackend = proxies.computeIfAbsent(kind, k -> new EnumMap<>(Proxy.Backend.class));
        Proxy p = byBackend.get(backend);
        if (p == null || !p.isAlive()) {
            p = Proxy.start(kind, backend, server.port(), CERT);
            byBackend.put(backend, p);
        }
        return p;
    }

    /** A proxy of its own, for a test that kills it. */
    synchronized Proxy freshProxy(Proxy.Kind kind, Proxy.Backend backend) throws Exception {
        Proxy p = Proxy.start(kind, backend, server.port(), CERT);
        extra.add(p);
        return p;
    }

    /** Opens an RFC 8441 socket (transport H2) through {@code proxy}. */
    H2wsSocket open(Proxy proxy, boolean tls, String path, WebSocket.Listener listener) throws Exception {
        return client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(URI.create(proxy.uri(tls, path)), listener)
                .get(10, TimeUnit.SECONDS);
    }

    H2wsSocket open(Proxy proxy, boolean tls, Recorder r) throws Exception {
        return open(proxy, tls, "/echo", r);
    }

    /** Every proxy x front end x backend combination, as (kind, tls, backend). */
    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Proxy.Kind k : Proxy.Kind.values()) {
            for (boolean tls : new boolean[] {false, true}) {
                for (Proxy.Backend b : Proxy.Backend.values()) {
                    out.add(Arguments.of(k, tls, b));
                }
            }
        }
        return out.stream();
    }

    @Override
    public synchronized void close() throws Exception {
        Exception first = null;
        List<Proxy> all = new ArrayList<>(extra);
        proxies.values().forEach(m -> all.addAll(m.values()));
        for (Proxy p : all) {
            try {
                p.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        try {
            client.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        try {
            server.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }

    /** Echoes, and closes or aborts on command. */
    static final class ControlListener extends EchoListener {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            String s = data.toString();
            if (last && s.startsWith("close ")) {
                String[] parts = s.split(" ", 3);
                ws.sendClose(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "");
                ws.request(1);
                return null;
            }
            if (last && s.equals("whoami")) {
                // the backend leg as our server sees it
                io.h2ws.socket.H2wsSocket me = (io.h2ws.socket.H2wsSocket) ws;
                String answer = me.transport() + ("rfc6455".equals(me.wireMapping()) ? "" : " " + me.wireMapping());
                return ws.sendText(answer, true).whenComplete((r, e) -> ws.request(1));
            }
            if (last && s.equals("abort")) {
                ws.abort();
                return null;
            }
            return super.onText(ws, data, last);
        }
    }
}
