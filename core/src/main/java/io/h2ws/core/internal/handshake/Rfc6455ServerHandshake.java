package io.h2ws.core.internal.handshake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import io.h2ws.core.internal.server.Endpoints;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.socket.Transport;

/**
 * The server's side of the RFC 6455 opening handshake over HTTP/1.1 (sections 4.2.1 and 4.2.2),
 * sans-I/O: the transport translates its request into a {@link Request} and applies the
 * {@link HandshakeDecision}: a 101 with {@link HandshakeDecision.Accept#headers()}, or the
 * refusal's status, headers and a plain-text reason.
 *
 * <p>Refusals, in the order checked:
 * <ul>
 *   <li>HTTP/1.0: 400 (the Upgrade mechanism does not exist before HTTP/1.1, RFC 9110 section 7.8);</li>
 *   <li>not GET: 405 with {@code Allow: GET} (section 4.2.1 item 1; the endpoint only supports GET);</li>
 *   <li>no {@code Upgrade: websocket}: 426 with {@code Upgrade: websocket} (section 4.2.1 item 3,
 *       RFC 9110 section 15.5.22);</li>
 *   <li>no {@code Connection: Upgrade} (item 4), no Host (item 2), a body, or a
 *       {@code Sec-WebSocket-Key} that is not once base64 of 16 bytes (item 5): 400;</li>
 *   <li>the server at its socket limit: 503 with {@code Retry-After: 5} (RFC 9110 section 15.6.4);</li>
 *   <li>then the rules both transports share, {@link ServerHandshake#decide}: 404, 426 with
 *       {@code Sec-WebSocket-Version: 13} (here with Upgrade and Connection too), 403, 400.</li>
 * </ul>
 * An acceptance answers {@code Upgrade}, {@code Connection}, {@code Sec-WebSocket-Accept} and the
 * negotiated {@code Sec-WebSocket-Protocol} and {@code Sec-WebSocket-Extensions} (section 4.2.2 step 5).
 * Header names in responses are written in their usual HTTP/1.1 case.
 */
public final class Rfc6455ServerHandshake {

    private Rfc6455ServerHandshake() {
    }

    /**
     * An HTTP/1.1 request as the transport received it.
     *
     * @param httpVersion the request line's version, e.g. {@code HTTP/1.1}
     * @param method      the request method, compared case-sensitively (RFC 9110 section 9.1)
     * @param pathQuery   the request target's path and query
     * @param secure      true over TLS
     * @param headers     header fields by lower-case name, each with its values in arrival order
     */
    public record Request(String httpVersion, String method, String pathQuery, boolean secure,
                          Map<String, List<String>> headers) {

        /** All values of a field (lower-case name), or an empty list. */
        public List<String> values(String lowerCaseName) {
            List<String> v = headers.get(lowerCaseName);
            return v == null ? List.of() : v;
        }

        /** The first value of a field (lower-case name), or null. */
        public String value(String lowerCaseName) {
            List<String> v = values(lowerCaseName);
            return v.isEmpty() ? null : v.get(0);
        }
    }

    /**
     * Whether an HTTP/1.x request is for the WebSocket server: it asks for {@code Upgrade:
     * websocket} (the values of its Upgrade fields) or targets a registered endpoint. Anything else is for the server's other
     * handlers, so a plain GET of some other page is not refused here.
     */
    public static boolean concerns(Endpoints endpoints, String pathQuery, List<String> upgradeValues) {
        if (pathQuery == null) {
            return false;
        }
        return HeaderTokens.containsToken(upgradeValues, HandshakeHeaders.WEBSOCKET) || endpoints.match(pathQuery).isPresent();
    }

    /**
     * Decides on a request that {@link #concerns} the server.
     *
     * @param endpoint      the endpoints' decision on a valid request ({@code ServerHandshake.forPeer} adds the peer's address)
     * @param request       the request
     * @param atSocketLimit asked only once the request is a valid handshake: true refuses it with 503
     * @return the acceptance (its {@code headers} are the 101's) or the refusal
     */
    public static HandshakeDecision decide(Function<HandshakeRequest, HandshakeDecision> endpoint, Request request,
                                           BooleanSupplier atSocketLimit) {
        if (!"HTTP/1.1".equals(request.httpVersion())) {
            return new HandshakeDecision.Reject(400, "a WebSocket opening handshake needs HTTP/1.1; "
                    + request.httpVersion() + " has no Upgrade (RFC 6455 section 4.1, RFC 9110 section 7.8)");
        }
        if (!"GET".equals(request.method())) {
            return new HandshakeDecision.Reject(405, "a WebSocket opening handshake is a GET request"
                    + " (RFC 6455 section 4.1 item 2)", Map.of("Allow", "GET"));
        }
        if (!HeaderTokens.containsToken(request.values(HandshakeHeaders.UPGRADE), HandshakeHeaders.WEBSOCKET)) {
            // RFC 9110 section 15.5.22: a 426 names the protocol to switch to
            return new HandshakeDecision.Reject(426, "this resource is a WebSocket endpoint: send Upgrade: websocket"
                    + " and Connection: Upgrade (RFC 6455 section 4.2.1 item 3)", upgradeHeaders(Map.of()));
        }
        if (!HeaderTokens.containsToken(request.values(HandshakeHeaders.CONNECTION), "upgrade")) {
            return new HandshakeDecision.Reject(400, "the Connection header must include the token Upgrade"
                    + " (RFC 6455 section 4.2.1 item 4)");
        }
        String host = request.value(HandshakeHeaders.HOST);
        if (host == null || host.isBlank()) {
            return new HandshakeDecision.Reject(400, "the Host header is missing (RFC 6455 section 4.2.1 item 2)");
        }
        if (hasBody(request)) {
            return new HandshakeDecision.Reject(400, "an upgrade request must not carry a body: the bytes after it"
                    + " belong to the WebSocket (RFC 6455 section 4.1)");
        }
        List<String> keys = request.values(HandshakeHeaders.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !AcceptKey.isValidClientKey(keys.get(0))) {
            return new HandshakeDecision.Reject(400, "Sec-WebSocket-Key must appear once and be base64 of 16 bytes"
                    + " (RFC 6455 section 4.2.1 item 5)");
        }
        if (atSocketLimit.getAsBoolean()) {
            // RFC 9110 section 15.6.4: overloaded; the client may come back later
            return new HandshakeDecision.Reject(503, "server at its socket limit", Map.of("Retry-After", "5"));
        }
        HandshakeRequest shared = new HandshakeRequest(Transport.H1, request.secure(), request.pathQuery(), host,
                request.headers(), null); // the peer is added by the endpoint step
        HandshakeDecision decision = endpoint.apply(shared);
        if (decision instanceof HandshakeDecision.Reject reject) {
            if (reject.status() != 426) {
                return reject;
            }
            // the shared rules leave Upgrade out of their 426 because HTTP/2 forbids it (RFC 9113 section 8.2.2)
            return new HandshakeDecision.Reject(426, reject.reason(), upgradeHeaders(reject.headers()));
        }
        HandshakeDecision.Accept accept = (HandshakeDecision.Accept) decision;
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Upgrade", HandshakeHeaders.WEBSOCKET);
        out.put("Connection", "Upgrade");
        out.put("Sec-WebSocket-Accept", AcceptKey.accept(keys.get(0)));
        if (accept.subprotocol() != null) {
            out.put("Sec-WebSocket-Protocol", accept.subprotocol());
        }
        if (accept.extensionsHeader() != null) {
            out.put("Sec-WebSocket-Extensions", accept.extensionsHeader());
        }
        return accept.withHeaders(out);
    }

    private static Map<String, String> upgradeHeaders(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.putIfAbsent("Upgrade", HandshakeHeaders.WEBSOCKET);
        out.putIfAbsent("Connection", "Upgrade");
        return out;
    }

    /** A body follows when Transfer-Encoding is present or Content-Length is not 0 (RFC 9112 section 6.3). */
    private static boolean hasBody(Request request) {
        if (request.headers().containsKey("transfer-encoding")) {
            return true;
        }
        String length = request.value("content-length");
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) != 0;
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
