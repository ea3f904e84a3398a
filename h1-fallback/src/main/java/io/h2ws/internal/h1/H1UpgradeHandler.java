package io.h2ws.internal.h1;

import java.net.http.WebSocket;
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

import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.handshake.AcceptKey;
import io.h2ws.core.internal.handshake.HandshakeHeaders;
import io.h2ws.core.internal.handshake.HeaderTokens;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.core.internal.server.OpenSockets;
import io.h2ws.core.internal.server.ServerHandshake;

/**
 * The server side of the RFC 6455 section 4.2 opening handshake as a Jetty core handler on
 * {@code HttpConnectionFactory} (no servlets). A request is ours when its path is a registered
 * endpoint or it asks for {@code Upgrade: websocket}; anything else goes to the wrapped handler
 * (none: Jetty answers 404), and so do HTTP/2 and HTTP/3 requests, which the RFC 8441 side owns.
 *
 * <p>Refusals, each with a plain-text reason in the body:
 * <ul>
 *   <li>HTTP/1.0: 400 (the Upgrade mechanism does not exist before HTTP/1.1, RFC 9110 section 7.8);</li>
 *   <li>not GET: 405 with {@code Allow: GET} (the endpoint is a resource that only supports GET);</li>
 *   <li>no {@code Upgrade: websocket}: 426 with {@code Upgrade: websocket} (RFC 9110 section 15.5.22);</li>
 *   <li>missing {@code Connection: Upgrade}, missing Host, a key that is not base64 of 16 bytes,
 *       or a body on the upgrade request: 400 (section 4.2.1);</li>
 *   <li>then the shared rules of {@link ServerHandshake}: 404, 426 + {@code Sec-WebSocket-Version: 13}, 403, 400.</li>
 * </ul>
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
        List<String> upgrade = fields.getValuesList(HttpHeader.UPGRADE);
        boolean asksForWebSocket = HeaderTokens.containsToken(upgrade, HandshakeHeaders.WEBSOCKET);
        String pathQuery = request.getHttpURI().getPathQuery();
        if (pathQuery == null || (!asksForWebSocket && endpoints.match(pathQuery).isEmpty())) {
            return super.handle(request, response, callback);
        }

        if (version != HttpVersion.HTTP_1_1) {
            return refuse(response, callback, 400, "a WebSocket opening handshake needs HTTP/1.1; "
                    + version.asString() + " has no Upgrade (RFC 6455 section 4.1, RFC 9110 section 7.8)", Map.of());
        }
        if (!"GET".equals(request.getMethod())) {
            return refuse(response, callback, 405, "a WebSocket opening handshake is a GET request"
                    + " (RFC 6455 section 4.1 item 2)", Map.of("Allow", "GET"));
        }
        if (!asksForWebSocket) {
            // RFC 9110 section 15.5.22: a 426 names the protocol to switch to
            return refuse(response, callback, 426, "this resource is a WebSocket endpoint: send Upgrade: websocket"
                    + " and Connection: Upgrade (RFC 6455 section 4.2.1 item 3)",
                    Map.of("Upgrade", HandshakeHeaders.WEBSOCKET, "Connection", "Upgrade"));
        }
        if (!HeaderTokens.containsToken(fields.getValuesList(HttpHeader.CONNECTION), "upgrade")) {
            return refuse(response, callback, 400, "the Connection header must include the token Upgrade"
                    + " (RFC 6455 section 4.2.1 item 4)", Map.of());
        }
        String host = fields.get(HttpHeader.HOST);
        if (host == null || host.isBlank()) {
            return refuse(response, callback, 400, "the Host header is missing (RFC 6455 section 4.2.1 item 2)", Map.of());
        }
        if (hasBody(fields)) {
            return refuse(response, callback, 400, "an upgrade request must not carry a body: the bytes after it"
                    + " belong to the WebSocket (RFC 6455 section 4.1)", Map.of());
        }
        List<String> keys = fields.getValuesList(HandshakeHeaders.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !AcceptKey.isValidClientKey(keys.get(0))) {
            return refuse(response, callback, 400, "Sec-WebSocket-Key must appear once and be base64 of 16 bytes"
                    + " (RFC 6455 section 4.2.1 item 5)", Map.of());
        }

        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        HandshakeRequest hr = new HandshakeRequest(Transport.H1, request.isSecure(), pathQuery, host,
                headersByLowerCaseName(fields), request.getConnectionMetaData().getRemoteSocketAddress());
        if (openSockets.full()) {
            // RFC 9110 section 15.6.4: overloaded; the client may come back later
            return refuse(response, callback, 503, "server at its socket limit", Map.of("Retry-After", "5"));
        }
        HandshakeDecision decision = ServerHandshake.decide(endpoints, hr);
        if (decision instanceof HandshakeDecision.Reject reject) {
            Map<String, String> headers = reject.headers();
            if (reject.status() == 426) {
                // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to; the shared
                // rules leave it out because HTTP/2 forbids Upgrade (RFC 9113 section 8.2.2)
                headers = new LinkedHashMap<>(headers);
                headers.putIfAbsent("Upgrade", HandshakeHeaders.WEBSOCKET);
                headers.putIfAbsent("Connection", "Upgrade");
            }
            return refuse(response, callback, reject.status(), reject.reason(), headers);
        }
        HandshakeDecision.Accept accept = (HandshakeDecision.Accept) decision;
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
        out.put(HttpHeader.UPGRADE, HandshakeHeaders.WEBSOCKET);
        out.put(HttpHeader.CONNECTION, "Upgrade");
        out.put(HttpHeader.SEC_WEBSOCKET_ACCEPT, AcceptKey.accept(keys.get(0)));
        if (accept.subprotocol() != null) {
            out.put(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, accept.subprotocol());
        }
        if (accept.extensionsHeader() != null) {
            out.put(HttpHeader.SEC_WEBSOCKET_EXTENSIONS, accept.extensionsHeader());
        }
        // Jetty switches the end point to this connection once the 101 is written
        request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, carrier);
        LOG.debug("upgrading {} from {} to a WebSocket", pathQuery, hr.remote());
        response.write(true, null, callback);
        return true;
    }

    // kept apart, like its twin in HandshakeConnection, so one socket factory (issue 17) can replace both

    private static boolean hasBody(HttpFields fields) {
        if (fields.contains(HttpHeader.TRANSFER_ENCODING)) {
            return true;
        }
        String length = fields.get(HttpHeader.CONTENT_LENGTH);
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) != 0;
        } catch (NumberFormatException e) {
            return true;
        }
    }

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
