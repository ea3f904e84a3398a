package io.h2ws.core.internal.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.server.HandshakeException;

/**
 * The client's side of the RFC 6455 opening handshake over HTTP/1.1 (section 4.1), sans-I/O: the
 * request head it sends, and its rules for the response head, which the transport has parsed into
 * a status and fields. Kept out of the Jetty-facing connector so the rules can be tested with
 * vectors and read in one place.
 */
public final class Rfc6455ClientHandshake {

    private Rfc6455ClientHandshake() {
    }

    /**
     * The request head (section 4.1, the client's requirements 1-10), ready to write.
     *
     * @param request what the user asked for
     * @param key     the Sec-WebSocket-Key, a fresh random nonce per request ({@link AcceptKey#newClientKey()})
     * @return the bytes of the request head, its blank line included
     */
    public static ByteBuffer request(ClientRequest request, String key) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("GET ").append(request.pathAndQuery()).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(request.authority()).append("\r\n");
        sb.append("Upgrade: websocket\r\n");
        sb.append("Connection: Upgrade\r\n");
        sb.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        sb.append("Sec-WebSocket-Version: ").append(HandshakeHeaders.VERSION).append("\r\n");
        if (!request.subprotocols().isEmpty()) {
            sb.append("Sec-WebSocket-Protocol: ").append(String.join(", ", request.subprotocols())).append("\r\n");
        }
        String extensions = ClientHandshake.extensionOffer(request);
        if (extensions != null) {
            sb.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
        }
        for (Map.Entry<String, String> h : request.headers()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        sb.append("\r\n");
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** As {@link #check(ClientRequest, String, int, String, String, Map)}, for a head read by {@link Http1ResponseHead}. */
    public static ClientHandshake.Agreed check(ClientRequest request, String key, Http1ResponseHead head)
            throws HandshakeFailedException {
        return check(request, key, head.status(), head.reasonPhrase(), head.bodyPrefix(), head.fields());
    }

    /**
     * Checks a response head against section 4.1's rules for the client and returns what was agreed.
     *
     * @param request      what was asked for (offered subprotocols and extensions)
     * @param key          the Sec-WebSocket-Key that was sent
     * @param status       the response's status code
     * @param reasonPhrase the status line's reason phrase, for the error
     * @param bodyPrefix   the start of a refusal's body, for the error ("" for none)
     * @param fields       the response's header fields by lower-case name
     * @return the subprotocol and permessage-deflate parameters in effect
     * @throws HandshakeFailedException when the response breaks a rule, with the status when it was not 101
     */
    public static ClientHandshake.Agreed check(ClientRequest request, String key, int status, String reasonPhrase,
                                               String bodyPrefix, Map<String, List<String>> fields)
            throws HandshakeFailedException {
        if (status != 101) {
            throw new HandshakeFailedException(request.uri(), status, "server refused the WebSocket handshake: "
                    + reasonPhrase + (bodyPrefix.isEmpty() ? "" : ": " + bodyPrefix));
        }
        if (!HeaderTokens.containsToken(values(fields, HandshakeHeaders.UPGRADE), HandshakeHeaders.WEBSOCKET)) {
            throw new HandshakeFailedException(request.uri(), -1, "101 response without Upgrade: websocket (RFC 6455 section 4.1)");
        }
        if (!HeaderTokens.containsToken(values(fields, HandshakeHeaders.CONNECTION), "upgrade")) {
            throw new HandshakeFailedException(request.uri(), -1, "101 response without Connection: Upgrade (RFC 6455 section 4.1)");
        }
        List<String> accepts = values(fields, HandshakeHeaders.SEC_WEBSOCKET_ACCEPT);
        String expected = AcceptKey.accept(key);
        if (accepts.size() != 1 || !expected.equals(accepts.get(0).strip())) {
            throw new HandshakeFailedException(request.uri(), -1, "Sec-WebSocket-Accept is " + (accepts.isEmpty() ? "missing"
                    : "wrong") + " (RFC 6455 section 4.1)");
        }
        try {
            ClientHandshake.Agreed agreed = ClientHandshake.check(request,
                    values(fields, HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL),
                    values(fields, HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS));
            return new ClientHandshake.Agreed(agreed.subprotocol().strip(), agreed.deflate());
        } catch (HandshakeException | IllegalArgumentException e) {
            throw new HandshakeFailedException(request.uri(), -1, e.getMessage());
        }
    }

    private static List<String> values(Map<String, List<String>> fields, String lowerCaseName) {
        List<String> v = fields.get(lowerCaseName);
        return v == null ? List.of() : v;
    }
}
