package io.h2ws.internal.h1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.handshake.Rfc6455ServerHandshake;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.core.internal.server.OpenSockets;

/**
 * The server side of the RFC 6455 section 4.2 opening handshake as a Jetty core handler on
 * {@code HttpConnectionFactory} (no servlets). A request is ours when its path is a registered
 * endpoint or it asks for {@code Upgrade: websocket}; anything else goes to the wrapped handler
 * (none: Jetty answers 404), and so do HTTP/2 and HTTP/3 requests, which the RFC 8441 side owns.
 *
 * <p>The rules (which request is refused with what, the 101's headers) are
 * {@link Rfc6455ServerHandshake}'s: this handler translates Jetty's request for it, writes a
 * refusal's status, headers and plain-text reason, or switches the connection.
 * On acceptance it answers 101 and the end point switches to an {@link EndPointCarrier} driving a
 * {@link RealWebSocket} in the server role, tracked in the given {@link OpenSockets}.
 */
public final class H1UpgradeHandler extends Handler.Wrapper {

    private static final Logger LOG = LoggerFactory.getLogger(H1UpgradeHandler.class);

    private final Endpoints endpoints;
    private final OpenSockets openSockets;
    private volatile io.h2ws.trace.TraceListener trace;

    /**
     * @param endpoints   the WebSocket endpoints by path
     * @param openSockets where accepted sockets are registered, so stopping can close them
     * @param next        the handler for everything that is not a WebSocket request; null for 404
     */
    public H1UpgradeHandler(Endpoints endpoints, OpenSockets openSockets, Handler next) {
        super(next);
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.openSockets = Objects.requireNonNull(openSockets, "openSockets");
    }

    /** Traces each accepted handshake's request and status lines and each socket's frames; null for none. */
    public void setTrace(io.h2ws.trace.TraceListener trace) {
        this.trace = trace;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return super.handle(request, response, callback);
        }
        HttpFields fields = request.getHeaders();
        String pathQuery = request.getHttpURI().getPathQuery();
        if (!Rfc6455ServerHandshake.concerns(endpoints, pathQuery, fields.getValuesList(HttpHeader.UPGRADE))) {
            return super.handle(request, response, callback);
        }
        Rfc6455ServerHandshake.Request hr = new Rfc6455ServerHandshake.Request(version.asString(), request.getMethod(),
                pathQuery, request.isSecure(), headersByLowerCaseName(fields));
        HandshakeDecision decision = Rfc6455ServerHandshake.decide(io.h2ws.core.internal.server.ServerHandshake.forPeer(
                endpoints, request.getConnectionMetaData().getRemoteSocketAddress()), hr, openSockets::full);
        if (decision instanceof HandshakeDecision.Reject reject) {
            return refuse(response, callback, reject.status(), reject.reason(), reject.headers());
        }
        HandshakeDecision.Accept accept = (HandshakeDecision.Accept) decision;
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        WebSocketOptions options = openSockets.limits().apply(accept.options());

        EndPointCarrier carrier = new EndPointCarrier(endPoint, request.getComponents().getExecutor(),
                request.getComponents().getByteBufferPool(), Role.SERVER, EndPointCarrier.backstopIdleTimeout(options));
        RealWebSocket socket = RealWebSocket.open(carrier, new SocketSetup(Role.SERVER, false, accept.subprotocol(), pathQuery,
                accept.deflate(), accept.endpoint().deflate(), options, openSockets.newConnectionBudget("HTTP/1.1 connection")),
                accept.listener());
        HandshakeTrace t = HandshakeTrace.of(trace);
        if (t != null) {
            t.line(false, "GET " + pathQuery + " HTTP/1.1");
            t.line(true, "HTTP/1.1 101 Switching Protocols");
            t.attach(socket, "server");
        }
        carrier.onOpened(() -> {
            openSockets.add(socket);
            socket.start();
        });

        response.setStatus(101);
        HttpFields.Mutable out = response.getHeaders();
        accept.headers().forEach(out::put);
        // Jetty switches the end point to this connection once the 101 is written
        request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, carrier);
        LOG.debug("upgrading {} from {} to a WebSocket", pathQuery, request.getConnectionMetaData().getRemoteSocketAddress());
        response.write(true, null, callback);
        return true;
    }

    // kept apart, like its twin in HandshakeConnection, so one socket factory (issue 17) can replace both

    private static Map<String, List<String>> headersByLowerCaseName(HttpFields fields) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (HttpField f : fields) {
            map.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>()).add(f.getValue());
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        return map;
    }

    private static boolean refuse(Response response, Callback callback, int status, String reason,
                                  Map<String, String> headers) {
        LOG.debug("refusing a WebSocket handshake with {}: {}", status, reason);
        response.setStatus(status);
        HttpFields.Mutable out = response.getHeaders();
        headers.forEach(out::put);
        out.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        // reasons never quote the request; nosniff all the same
        out.put("X-Content-Type-Options", "nosniff");
        Content.Sink.write(response, true, reason + "\n", callback);
        return true;
    }
}
