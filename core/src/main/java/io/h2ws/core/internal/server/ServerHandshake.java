package io.h2ws.core.internal.server;

import java.net.http.WebSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.h2ws.core.internal.extension.PerMessageDeflateNegotiation;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.ExtensionOffer;
import io.h2ws.server.HandshakeException;
import io.h2ws.core.internal.handshake.HandshakeHeaders;
import io.h2ws.core.internal.handshake.Subprotocols;
import io.h2ws.server.Endpoint;
import io.h2ws.server.HandshakeRequest;

/**
 * The server's handshake rules that RFC 6455 section 4.2 and RFC 8441 section 5 share, applied
 * after each transport's own checks (GET + Upgrade + key on HTTP/1.1; CONNECT + :protocol on
 * HTTP/2). One place, so both transports answer the same request the same way.
 */
public final class ServerHandshake {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerHandshake.class);

    private ServerHandshake() {}

    /**
     * The endpoints' decision for a request from {@code remote}: the handshake rules
     * ({@code io.h2ws.core.internal.handshake}) build the request without the peer's address, which
     * they never read, so the sans-I/O package holds no socket type; this adds it back.
     */
    public static java.util.function.Function<HandshakeRequest, HandshakeDecision> forPeer(Endpoints endpoints,
                                                                                          java.net.SocketAddress remote) {
        return r -> decide(endpoints, new HandshakeRequest(r.transport(), r.secure(), r.path(), r.authority(),
                r.headers(), remote));
    }

    /**
     * Decides on a request:
     * <ul>
     *   <li>no endpoint at the path: 404;</li>
     *   <li>{@code sec-websocket-version} other than exactly 13: 426 with {@code sec-websocket-version: 13}
     *       (RFC 6455 section 4.2.2 and 4.4; RFC 8441 section 5 keeps the header);</li>
     *   <li>the origin policy refuses: 403 (section 4.2.2 item 4 / 10.2);</li>
     *   <li>a malformed {@code sec-websocket-protocol} or {@code sec-websocket-extensions}: 400;</li>
     *   <li>the endpoint's acceptor throws: its status (or 403).</li>
     * </ul>
     * Of the offered extensions only permessage-deflate (RFC 7692) is known; it is accepted per
     * the endpoint's {@link Endpoint#deflate()} settings, and offers we cannot honour are declined
     * (section 9.1 lets a server accept none).
     *
     * <p>A reason goes into the response body: it never quotes the request (path, header values),
     * so a refusal cannot reflect attacker text into a page; the details are logged at debug.
     */
    public static HandshakeDecision decide(Endpoints endpoints, HandshakeRequest request) {
        Optional<Endpoint> found = endpoints.match(request.path());
        if (found.isEmpty()) {
            LOG.debug("refusing {}: no WebSocket endpoint there", request.pathOnly());
            return new HandshakeDecision.Reject(404, "no WebSocket endpoint at this path");
        }
        Endpoint endpoint = found.get();
        List<String> versions = request.headers(HandshakeHeaders.SEC_WEBSOCKET_VERSION);
        if (!HandshakeHeaders.isSupportedVersion(versions)) {
            LOG.debug("refusing {}: Sec-WebSocket-Version {}", request.pathOnly(), versions);
            return new HandshakeDecision.Reject(426, "unsupported Sec-WebSocket-Version; this server speaks 13",
                    Map.of("Sec-WebSocket-Version", HandshakeHeaders.VERSION));
        }
        String origin = request.header(HandshakeHeaders.ORIGIN);
        if (!endpoint.originPolicy().test(origin)) {
            LOG.debug("refusing {}: origin {} is not allowed", request.pathOnly(), origin);
            return new HandshakeDecision.Reject(403, "origin not allowed");
        }
        List<String> offered;
        List<ExtensionOffer> extensionOffers;
        try {
            offered = Subprotocols.parseOffer(request.headers(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL));
            extensionOffers = ExtensionHeader.parse(request.headers(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS));
        } catch (IllegalArgumentException e) {
            LOG.debug("refusing {}: {}", request.pathOnly(), e.getMessage());
            return new HandshakeDecision.Reject(400, "malformed Sec-WebSocket-Protocol or Sec-WebSocket-Extensions header");
        }
        String subprotocol = Subprotocols.select(offered, endpoint.subprotocols()).orElse(null);
        WebSocket.Listener listener;
        try {
            listener = endpoint.acceptor().accept(request);
        } catch (HandshakeException e) {
            return new HandshakeDecision.Reject(e.status().orElse(403), e.reason());
        } catch (RuntimeException e) {
            LOG.warn("endpoint {} failed to accept a socket", endpoint.path(), e);
            return new HandshakeDecision.Reject(500, "endpoint failed");
        }
        if (listener == null) {
            return new HandshakeDecision.Reject(403, "endpoint refused the socket");
        }
        Optional<PerMessageDeflateNegotiation.Accepted> deflate =
                PerMessageDeflateNegotiation.accept(extensionOffers, endpoint.deflate());
        return new HandshakeDecision.Accept(endpoint, listener, subprotocol,
                deflate.map(a -> List.of(a.response())).orElse(List.of()), endpoint.options(),
                deflate.map(PerMessageDeflateNegotiation.Accepted::params).orElse(null), Map.of());
    }
}
