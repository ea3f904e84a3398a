package io.h2ws.core.internal.handshake;

import java.util.List;

import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.extension.PerMessageDeflateNegotiation;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.ExtensionOffer;
import io.h2ws.server.HandshakeException;
import io.h2ws.core.internal.handshake.Subprotocols;
import io.h2ws.client.ClientRequest;

/**
 * The client's handshake rules that HTTP/1.1 (RFC 6455 section 4.1) and HTTP/2 (RFC 8441
 * section 5) share: what to offer, and what the server's answer may contain.
 */
public final class ClientHandshake {

    private ClientHandshake() {}

    /** The {@code sec-websocket-extensions} value to offer, or null for none. */
    public static String extensionOffer(ClientRequest request) {
        if (request.deflate() == null || !request.deflate().enabled()) {
            return null;
        }
        return ExtensionHeader.format(List.of(PerMessageDeflateNegotiation.offer(request.deflate())));
    }

    /** The {@code sec-websocket-protocol} value to offer, or null for none. */
    public static String subprotocolOffer(ClientRequest request) {
        return request.subprotocols().isEmpty() ? null : String.join(", ", request.subprotocols());
    }

    /** What the server agreed to. */
    public record Agreed(String subprotocol, DeflateParams deflate) {}

    /**
     * Checks the server's accepting answer: a subprotocol we did not offer, an extension we did
     * not offer, or permessage-deflate parameters outside RFC 7692 section 7.1 fail the
     * connection (RFC 6455 section 4.1, items 5 and 6 of the client's checks).
     *
     * @param protocolValues  the response's sec-websocket-protocol values
     * @param extensionValues the response's sec-websocket-extensions values
     */
    public static Agreed check(ClientRequest request, List<String> protocolValues, List<String> extensionValues)
            throws HandshakeException {
        String selected = protocolValues.isEmpty() ? null : String.join(", ", protocolValues);
        Subprotocols.checkClientSide(request.subprotocols(), selected);
        List<ExtensionOffer> offered = extensionOffer(request) == null ? List.of()
                : List.of(PerMessageDeflateNegotiation.offer(request.deflate()));
        List<ExtensionOffer> responded;
        try {
            responded = ExtensionHeader.parse(extensionValues);
        } catch (IllegalArgumentException e) {
            throw new HandshakeException("malformed sec-websocket-extensions in the response: " + e.getMessage());
        }
        ExtensionHeader.checkClientSide(offered, responded);
        DeflateParams deflate = null;
        for (ExtensionOffer r : responded) {
            if (r.name().equals(PerMessageDeflateNegotiation.NAME)) {
                deflate = PerMessageDeflateNegotiation.acceptResponse(r, request.deflate());
            }
        }
        return new Agreed(selected == null ? "" : selected, deflate);
    }
}
