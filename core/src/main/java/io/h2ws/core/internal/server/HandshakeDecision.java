package io.h2ws.core.internal.server;

import java.net.http.WebSocket;
import java.util.List;
import java.util.Map;

import io.h2ws.socket.WebSocketOptions;
import io.h2ws.core.internal.extension.DeflateParams;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.ExtensionOffer;
import io.h2ws.server.Endpoint;

/** The outcome of the shared server handshake rules: accept with what was negotiated, or refuse with a status. */
public sealed interface HandshakeDecision {

    /**
     * Accept.
     *
     * @param subprotocol the selected subprotocol, or null for none (no header in the response)
     * @param extensions  the accepted extensions as they go in the response's
     *                    {@code sec-websocket-extensions} (empty for none)
     * @param deflate     the permessage-deflate parameters in effect, or null when not negotiated
     * @param headers     the response's header fields, names as the transport writes them: empty from
     *                    {@link ServerHandshake#decide}, filled by the handshake of each transport
     *                    ({@code Rfc6455ServerHandshake}, {@code Rfc8441Handshake.Server})
     */
    record Accept(Endpoint endpoint, WebSocket.Listener listener, String subprotocol,
                  List<ExtensionOffer> extensions, WebSocketOptions options, DeflateParams deflate,
                  Map<String, String> headers)
            implements HandshakeDecision {

        /** This acceptance answered with {@code responseHeaders}. */
        public Accept withHeaders(Map<String, String> responseHeaders) {
            return new Accept(endpoint, listener, subprotocol, extensions, options, deflate,
                    java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(responseHeaders)));
        }

        /** The {@code sec-websocket-extensions} response value, or null when none was accepted. */
        public String extensionsHeader() {
            return extensions.isEmpty() ? null : ExtensionHeader.format(extensions);
        }
    }

    /**
     * Refuse with an HTTP status, a reason for the body and the log, and extra response headers
     * (for example {@code Sec-WebSocket-Version: 13} with 426).
     */
    record Reject(int status, String reason, Map<String, String> headers) implements HandshakeDecision {
        public Reject(int status, String reason) {
            this(status, reason, Map.of());
        }
    }
}
