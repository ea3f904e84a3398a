package io.h2ws.core.internal.handshake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.server.HandshakeException;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.socket.Transport;

/**
 * The WebSocket handshake over HTTP/2, the extended CONNECT of RFC 8441 sections 4 and 5, both
 * roles, sans-I/O. The transport translates the HTTP/2 request or response (pseudo-headers,
 * fields, END_STREAM) into plain values and applies what comes back: {@link Server} decides on a
 * request, {@link Client} builds the request and checks the answer. The header semantics are
 * RFC 6455's (section 5 of RFC 8441), shared with HTTP/1.1 through {@link ServerHandshake} and
 * {@link ClientHandshake}; {@code Sec-WebSocket-Key} and {@code -Accept} are not used.
 */
public final class Rfc8441Handshake {

    /** The {@code :protocol} of RFC 8441's mapping (section 4). */
    public static final String WEBSOCKET = HandshakeHeaders.WEBSOCKET;

    private Rfc8441Handshake() {
    }

    /** The server's half: what to do with a new stream's request. */
    public static final class Server {

        private Server() {
        }

        /**
         * A request as HTTP/2 delivered it.
         *
         * @param method        {@code :method}
         * @param protocol      {@code :protocol}, or null when absent
         * @param scheme        {@code :scheme}, or null when absent
         * @param path          the path of {@code :path} without its query, or null when absent
         * @param pathQuery     {@code :path} (path and query), or null when absent
         * @param authority     {@code :authority} as sent, or null
         * @param host          the host part of {@code :authority}, or null
         * @param fields        the regular fields in order, names in lower case (RFC 9113 section 8.2.1)
         * @param contentLength the declared content-length, or -1
         * @param endStream     true when the HEADERS frame ended the stream
         * @param secure        true over TLS
         */
        public record Request(String method, String protocol, String scheme, String path, String pathQuery,
                              String authority, String host, List<Map.Entry<String, String>> fields,
                              long contentLength, boolean endStream, boolean secure) {
        }

        /** What the transport does with the request. */
        public sealed interface Outcome {
        }

        /** Not a CONNECT: the server's ordinary request handler answers it. */
        public record NotWebSocket() implements Outcome {
        }

        /**
         * Malformed (RFC 9113 section 8.1.1): a stream error of type PROTOCOL_ERROR, after a 400
         * whose body is {@code reason}.
         */
        public record Malformed(String reason) implements Outcome {
        }

        /**
         * An extended CONNECT (or a CONNECT this server refuses) decided: a 2xx without END_STREAM
         * opens the socket (section 5), with {@link HandshakeDecision.Accept#headers()}; a refusal
         * is answered with its status, headers (lower-case names) and reason.
         *
         * @param messageMapping true when {@code :protocol} asked for h2ws's message mapping
         */
        public record Answer(HandshakeDecision decision, boolean messageMapping) implements Outcome {
        }

        /** The status of an accepting answer: 200 (section 5 allows any 2xx). */
        public static final int ACCEPT_STATUS = 200;

        /**
         * Whether a header block is malformed because it carries {@code :protocol} with a method
         * other than CONNECT (RFC 8441 section 4: the pseudo-header belongs to the extended CONNECT only).
         */
        public static boolean protocolMisplaced(boolean hasProtocol, String method) {
            return hasProtocol && method != null && !isConnect(method);
        }

        /**
         * Decides on a request, in this order:
         * <ul>
         *   <li>a connection-specific field (RFC 9113 section 8.2.2), or a content-length above 0 on
         *       a request that ended: malformed;</li>
         *   <li>not CONNECT: {@link NotWebSocket};</li>
         *   <li>CONNECT without {@code :protocol} (a tunnel, RFC 9113 section 8.5): with
         *       {@code :scheme} or {@code :path}, or without {@code :authority}, malformed; else 405
         *       with an empty {@code allow}, as this server is no proxy;</li>
         *   <li>a {@code :protocol} other than websocket or the message mapping: 501;</li>
         *   <li>{@code :scheme} not http or https, {@code :path} not origin-form: 400 (section 4);
         *       no {@code :authority}: malformed; END_STREAM on the CONNECT: 400 (section 4);</li>
         *   <li>the server at its socket limit: 503 with {@code retry-after: 5};</li>
         *   <li>then {@link ServerHandshake#decide} (404, 426 + {@code sec-websocket-version: 13}, 403, 400,
         *       the acceptor); an acceptance answers the negotiated {@code sec-websocket-protocol}
         *       and {@code sec-websocket-extensions}, and no {@code sec-websocket-accept} (section 5).</li>
         * </ul>
         *
         * @param endpoint      the endpoints' decision on a valid request ({@code ServerHandshake.forPeer}
         *                      adds the peer's address, which these rules never read)
         * @param atSocketLimit asked only once the request is a valid extended CONNECT
         */
        public static Outcome decide(Function<HandshakeRequest, HandshakeDecision> endpoint, Request request,
                                     BooleanSupplier atSocketLimit) {
            String connectionSpecific = connectionSpecificField(request.fields());
            if (connectionSpecific != null) {
                // Jetty itself refuses only Connection and a TE other than trailers
                return new Malformed("connection-specific field " + connectionSpecific + " (RFC 9113 section 8.2.2)");
            }
            if (request.endStream() && request.contentLength() > 0) {
                // RFC 9113 section 8.1.1: content-length must equal the DATA that follows, and none
                // can follow END_STREAM
                return new Malformed("content-length " + request.contentLength()
                        + " on a request without content (RFC 9113 section 8.1.1)");
            }
            if (!isConnect(request.method())) {
                return new NotWebSocket();
            }
            String protocol = request.protocol();
            if (protocol == null) {
                if (request.scheme() != null || request.path() != null) {
                    return new Malformed("CONNECT without :protocol must not carry :scheme or :path (RFC 9113 section 8.5)");
                }
                if (request.host() == null || request.host().isEmpty()) {
                    return new Malformed("CONNECT without :protocol needs :authority (RFC 9113 section 8.5)");
                }
                // a classic CONNECT asks for a TCP tunnel; the method is understood but not allowed
                // here: 405, and an empty Allow because the authority-form target allows no method
                return new Answer(new HandshakeDecision.Reject(405, "CONNECT without :protocol (a tunnel) is not supported",
                        Map.of("allow", "")), false);
            }
            boolean messageMapping = MessageMapping.PROTOCOL.equalsIgnoreCase(protocol);
            if (!messageMapping && !WEBSOCKET.equalsIgnoreCase(protocol)) {
                // the request form is understood, the protocol not implemented: 501 (RFC 9110
                // section 15.6.2), not 400, because nothing about the request is malformed
                return new Answer(new HandshakeDecision.Reject(501, "unsupported :protocol: this server speaks websocket"), false);
            }
            String scheme = request.scheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
                return new Answer(new HandshakeDecision.Reject(400,
                        "extended CONNECT needs :scheme http or https (RFC 8441 section 4)"), messageMapping);
            }
            String path = request.pathQuery();
            if (path == null || path.isEmpty() || path.charAt(0) != '/') {
                return new Answer(new HandshakeDecision.Reject(400,
                        "extended CONNECT needs an origin-form :path (RFC 8441 section 4)"), messageMapping);
            }
            if (request.host() == null || request.host().isEmpty()) {
                return new Malformed("extended CONNECT needs :authority (RFC 8441 section 4)");
            }
            if (request.endStream()) {
                return new Answer(new HandshakeDecision.Reject(400,
                        "extended CONNECT must not end the stream (RFC 8441 section 4)"), messageMapping);
            }
            if (atSocketLimit.getAsBoolean()) {
                // RFC 9110 section 15.6.4: overloaded; the connection's other streams carry on
                return new Answer(new HandshakeDecision.Reject(503, "server at its socket limit",
                        Map.of("retry-after", "5")), messageMapping);
            }
            HandshakeRequest shared = new HandshakeRequest(Transport.H2, request.secure(), path, request.authority(),
                    byName(request.fields()), null); // the peer is added by the endpoint step
            HandshakeDecision decision = endpoint.apply(shared);
            if (decision instanceof HandshakeDecision.Accept accept) {
                Map<String, String> out = new LinkedHashMap<>();
                if (accept.subprotocol() != null) {
                    out.put(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL, accept.subprotocol());
                }
                if (accept.extensionsHeader() != null) {
                    out.put(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, accept.extensionsHeader());
                }
                decision = accept.withHeaders(out);
            }
            return new Answer(decision, messageMapping);
        }

        /**
         * The first field that RFC 9113 section 8.2.2 calls connection-specific (Connection,
         * Proxy-Connection, Keep-Alive, Transfer-Encoding, Upgrade; a TE other than "trailers"),
         * or null.
         */
        static String connectionSpecificField(List<Map.Entry<String, String>> fields) {
            for (Map.Entry<String, String> f : fields) {
                String name = f.getKey();
                switch (name) {
                    case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade" -> {
                        return name;
                    }
                    case "te" -> {
                        String value = f.getValue() == null ? "" : f.getValue();
                        if (!"trailers".equalsIgnoreCase(value.trim())) {
                            return "te: " + printable(value);
                        }
                    }
                    default -> {
                        // not connection-specific
                    }
                }
            }
            return null;
        }

        private static boolean isConnect(String method) {
            // as Jetty's HttpMethod.CONNECT.is, which the transport used before
            return "CONNECT".equalsIgnoreCase(method);
        }

        private static Map<String, List<String>> byName(List<Map.Entry<String, String>> fields) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (Map.Entry<String, String> f : fields) {
                out.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(f.getValue() == null ? "" : f.getValue());
            }
            return out;
        }

        /** Peer text for a reason: printable ASCII only, at most 64 characters. */
        private static String printable(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length() && i < 64; i++) {
                char c = s.charAt(i);
                b.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return s.length() > 64 ? b + "..." : b.toString();
        }
    }

    /** The client's half: the extended CONNECT to send and the rules for its answer. */
    public static final class Client {

        private Client() {
        }

        /**
         * An extended CONNECT to send, without END_STREAM (section 4).
         *
         * @param scheme    {@code :scheme}: http for ws, https for wss
         * @param authority {@code :authority}
         * @param path      {@code :path}, origin-form with the query
         * @param protocol  {@code :protocol}
         * @param fields    the regular fields in order, names in lower case
         */
        public record Connect(String scheme, String authority, String path, String protocol,
                              List<Map.Entry<String, String>> fields) {
        }

        /**
         * The request for {@code request}: {@code :method CONNECT}, {@code :protocol websocket}
         * (or the message mapping's), the ws(s) URI's http(s) scheme, {@code sec-websocket-version: 13},
         * the offered subprotocols and extensions, then the user's headers; no key (section 5).
         */
        public static Connect request(ClientRequest request) {
            List<Map.Entry<String, String>> fields = new ArrayList<>();
            fields.add(Map.entry(HandshakeHeaders.SEC_WEBSOCKET_VERSION, HandshakeHeaders.VERSION));
            String subprotocols = ClientHandshake.subprotocolOffer(request);
            if (subprotocols != null) {
                fields.add(Map.entry(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL, subprotocols));
            }
            String extensions = ClientHandshake.extensionOffer(request);
            if (extensions != null) {
                fields.add(Map.entry(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, extensions));
            }
            for (Map.Entry<String, String> h : request.headers()) {
                // RFC 9113 section 8.2.1: field names are lower case on HTTP/2
                fields.add(Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            }
            return new Connect(request.secure() ? "https" : "http", request.authority(), request.pathAndQuery(),
                    request.messageMapping() ? MessageMapping.PROTOCOL : WEBSOCKET, List.copyOf(fields));
        }

        /**
         * Checks the answer (section 5): a 1xx is interim (null: wait for the next HEADERS); a
         * status of 300 or more is a refusal; a 2xx that ends the stream opens nothing; otherwise
         * the subprotocol and extensions must be ones offered (RFC 6455 section 4.1).
         *
         * @param status    the answer's status
         * @param endStream true when the HEADERS frame ended the stream
         * @param fields    the answer's fields by lower-case name
         * @return what was agreed, or null for an interim answer
         * @throws HandshakeFailedException with the status for a refusal or a 2xx with END_STREAM,
         *                                  -1 when an accepting answer breaks a rule
         */
        public static ClientHandshake.Agreed check(ClientRequest request, int status, boolean endStream,
                                                   Map<String, List<String>> fields) throws HandshakeFailedException {
            if (status < 200) {
                return null;
            }
            if (status >= 300) {
                throw new HandshakeFailedException(request.uri(), status, refused(request, status));
            }
            if (endStream) {
                throw new HandshakeFailedException(request.uri(), status,
                        "the server ended the stream in its 2xx answer (RFC 8441 section 5)");
            }
            try {
                return ClientHandshake.check(request, values(fields, HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL),
                        values(fields, HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS));
            } catch (HandshakeException e) {
                throw new HandshakeFailedException(request.uri(), -1, e.reason());
            } catch (IllegalArgumentException e) {
                throw new HandshakeFailedException(request.uri(), -1, e.getMessage());
            }
        }

        /** The reason for a refusal (status 300 or more) of the extended CONNECT. */
        static String refused(ClientRequest request, int status) {
            if (request.messageMapping() && (status == 400 || status == 426 || status == 501)) {
                // observed (spec-notes/proxies.md): nghttpx answers 400, HAProxy to an HTTP/1.1
                // backend turns :protocol into "Upgrade: h2ws-message", which the server refuses with 426
                return "the server refused the extended CONNECT with :protocol " + MessageMapping.PROTOCOL
                        + ": an intermediary (proxy) that does not know this :protocol refuses it or passes it on"
                        + " as an Upgrade the server refuses (spec-notes/proxies.md); through such a proxy use the"
                        + " RFC 8441 mapping (:protocol websocket), which they relay";
            }
            return "the server refused the extended CONNECT";
        }

        private static List<String> values(Map<String, List<String>> fields, String lowerCaseName) {
            List<String> v = fields.get(lowerCaseName);
            return v == null ? List.of() : v;
        }
    }
}
