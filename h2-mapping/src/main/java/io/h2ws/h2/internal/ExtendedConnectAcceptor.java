package io.h2ws.h2.internal;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.Transport;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.HandshakeHeaders;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.wire.MessageMapping;
import io.h2ws.core.internal.server.HandshakeDecision;
import io.h2ws.server.HandshakeRequest;
import io.h2ws.core.internal.server.ServerHandshake;

/**
 * The server side of one HTTP/2 connection's new streams: checks an extended CONNECT (RFC 8441
 * section 4), asks {@link ServerHandshake#decide}, answers, and opens the server socket; every
 * other request goes to the factory's {@link NonWebSocketHandler}.
 */
final class ExtendedConnectAcceptor {

    // the factory's logger, so that logging set up for the factory still covers the handshakes
    private static final Logger LOG = LoggerFactory.getLogger(H2ServerConnectionFactory.class);

    private final H2ServerConnectionFactory factory;
    private final boolean secure;
    private final ConnectionSockets sockets;
    private final io.h2ws.core.internal.socket.ByteBudget budget; // the connection's share of the server's memory, or null

    ExtendedConnectAcceptor(H2ServerConnectionFactory factory, boolean secure, ConnectionSockets sockets,
                            io.h2ws.core.internal.socket.ByteBudget budget) {
        this.budget = budget;
        this.factory = factory;
        this.secure = secure;
        this.sockets = sockets;
    }

    Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
        MetaData metaData = frame.getMetaData();
        if (!(metaData instanceof MetaData.Request request)) {
            return reject(stream, frame, 400, "not a request", Map.of());
        }
        String connectionSpecific = connectionSpecificField(request.getHttpFields());
        if (connectionSpecific != null) {
            // Jetty itself refuses only Connection and a TE other than trailers.
            return malformed(stream, "connection-specific field " + connectionSpecific + " (RFC 9113 section 8.2.2)");
        }
        if (frame.isEndStream() && request.getContentLength() > 0) {
            // RFC 9113 section 8.1.1: content-length must equal the DATA that follows, and none
            // can follow END_STREAM. Jetty checks content-length only against DATA frames.
            return malformed(stream, "content-length " + request.getContentLength() + " on a request without content (RFC 9113 section 8.1.1)");
        }
        if (!HttpMethod.CONNECT.is(request.getMethod())) {
            return factory.getNonWebSocketHandler().handle(stream, request, frame.isEndStream());
        }
        String protocol = request.getProtocol();
        if (protocol == null && (request.getHttpURI().getScheme() != null || request.getHttpURI().getPath() != null)) {
            // RFC 9113 section 8.5: a CONNECT without :protocol omits :scheme and :path.
            // Jetty accepts both, so the request is checked here.
            return malformed(stream, "CONNECT without :protocol must not carry :scheme or :path (RFC 9113 section 8.5)");
        }
        if (protocol == null && (request.getHttpURI().getHost() == null || request.getHttpURI().getHost().isEmpty())) {
            return malformed(stream, "CONNECT without :protocol needs :authority (RFC 9113 section 8.5)");
        }
        if (protocol == null) {
            // A classic CONNECT asks for a TCP tunnel (RFC 9113 section 8.5); this server is
            // no proxy. The method is understood but not allowed here: 405, and an empty
            // Allow because the authority-form target allows no method at all.
            return reject(stream, frame, 405, "CONNECT without :protocol (a tunnel) is not supported",
                    Map.of("allow", ""));
        }
        boolean messageMapping = MessageMapping.PROTOCOL.equalsIgnoreCase(protocol);
        if (!messageMapping && !HandshakeHeaders.WEBSOCKET.equalsIgnoreCase(protocol)) {
            // RFC 8441 section 4: the :protocol names what the tunnel carries. We understand
            // the request form but do not implement that protocol: 501 (RFC 9110 section
            // 15.6.2), not 400, because nothing about the request is malformed.
            LOG.debug("h2ws: stream #{} asks for :protocol {}", stream.getId(), printable(protocol));
            return reject(stream, frame, 501, "unsupported :protocol: this server speaks websocket", Map.of());
        }
        HttpURI uri = request.getHttpURI();
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            return reject(stream, frame, 400, "extended CONNECT needs :scheme http or https (RFC 8441 section 4)", Map.of());
        }
        String path = uri.getPathQuery();
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return reject(stream, frame, 400, "extended CONNECT needs an origin-form :path (RFC 8441 section 4)", Map.of());
        }
        String authority = uri.getAuthority();
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return malformed(stream, "extended CONNECT needs :authority (RFC 8441 section 4)");
        }
        if (frame.isEndStream()) {
            return reject(stream, frame, 400, "extended CONNECT must not end the stream (RFC 8441 section 4)", Map.of());
        }
        SocketAddress remote = stream.getSession().getRemoteSocketAddress();
        HandshakeRequest handshake = new HandshakeRequest(Transport.H2, secure, path, authority,
                lowerCaseFields(request.getHttpFields()), remote);
        if (factory.openSockets().full()) {
            // RFC 9110 section 15.6.4: the server is overloaded; the connection's other streams carry on
            return reject(stream, frame, 503, "server at its socket limit", Map.of("retry-after", "5"));
        }
        HandshakeDecision decision = ServerHandshake.decide(factory.endpoints(), handshake);
        if (decision instanceof HandshakeDecision.Reject r) {
            return reject(stream, frame, r.status(), r.reason(), r.headers());
        }
        return accept(stream, handshake, (HandshakeDecision.Accept) decision, messageMapping);
    }

    private Stream.Listener accept(Stream stream, HandshakeRequest handshake, HandshakeDecision.Accept accept,
                                   boolean messageMapping) {
        StreamCarrier carrier = new StreamCarrier(stream, secure);
        // Jetty installs the listener we return only after onNewStream returns, but the
        // socket may start (and demand) as soon as the HEADERS below are written, possibly
        // before that. Jetty's HTTP2Stream hands data demanded without a listener to
        // AUTO_DISCARD: the client's first frames vanished now and then in H2InteropTest.
        // So install it now (Jetty sets the same listener again afterwards).
        if (stream instanceof HTTP2Stream h2) {
            h2.setListener(carrier.streamListener());
            carrier.startReading(); // what the client sends right after its CONNECT waits in the carrier
        }
        HttpFields.Mutable fields = HttpFields.build();
        if (accept.subprotocol() != null) {
            fields.put(HandshakeHeaders.SEC_WEBSOCKET_PROTOCOL, accept.subprotocol());
        }
        if (!accept.extensions().isEmpty()) {
            fields.put(HandshakeHeaders.SEC_WEBSOCKET_EXTENSIONS, ExtensionHeader.format(accept.extensions()));
        }
        // RFC 8441 section 5: a 2xx without END_STREAM opens the tunnel; no Sec-WebSocket-Accept.
        MetaData.Response response = new MetaData.Response(200, null, HttpVersion.HTTP_2, fields);
        stream.headers(new HeadersFrame(stream.getId(), response, null, false), Callback.from(() -> {
            RealWebSocket socket = RealWebSocket.open(carrier, new SocketSetup(Role.SERVER, messageMapping,
                    accept.subprotocol(), handshake.path(), accept.deflate(), accept.endpoint().deflate(),
                    factory.openSockets().limits().apply(accept.options()), budget),
                    accept.listener());
            sockets.track(carrier, socket);
            factory.openSockets().add(socket);
            io.h2ws.h2.internal.trace.H2Tracer t = factory.tracer();
            if (t != null) {
                t.attach(socket, stream, "server");
            }
            LOG.debug("h2ws: accepted WebSocket {} on stream #{} from {}", handshake.path(), stream.getId(), handshake.remote());
            socket.start();
        }, failure -> {
            LOG.debug("h2ws: could not answer the WebSocket handshake on stream #{}", stream.getId(), failure);
            carrier.fail(failure);
        }));
        return carrier.streamListener();
    }


    /**
     * Answers a malformed request (RFC 9113 section 8.1.1): a 400 with a one-line reason and
     * END_STREAM, then RST_STREAM(PROTOCOL_ERROR), the stream error the RFC asks for; the 400
     * first because section 8.1.1 allows a response before the reset and it tells a person what
     * was wrong. This is also what Jetty's own server answers. The reset also tells a client
     * whose request did not end (an extended CONNECT) to stop sending on the stream.
     */
    static Stream.Listener malformed(Stream stream, String reason) {
        // the reason may quote the peer's bytes (Jetty's "Illegal header value ..."): sanitised
        String why = "malformed request: " + printable(reason == null ? "?" : reason, 200);
        LOG.debug("h2ws: stream #{}: {}", stream.getId(), why);
        byte[] body = (why + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpFields.Mutable fields = HttpFields.build()
                .put("content-type", "text/plain; charset=utf-8")
                .put("content-length", String.valueOf(body.length));
        MetaData.Response response = new MetaData.Response(400, null, HttpVersion.HTTP_2, fields);
        Runnable resetStream = () -> stream.reset(new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), Callback.NOOP);
        Callback reset = Callback.from(resetStream, x -> resetStream.run());
        stream.headers(new HeadersFrame(stream.getId(), response, null, false), Callback.from(
                () -> stream.data(new DataFrame(stream.getId(), java.nio.ByteBuffer.wrap(body), true), reset),
                reset::failed));
        return Stream.Listener.AUTO_DISCARD;
    }

    private static Stream.Listener reject(Stream stream, HeadersFrame frame, int status, String reason,
                                          Map<String, String> headers) {
        LOG.debug("h2ws: refusing stream #{} with {}: {}", stream.getId(), status, reason);
        NonWebSocketHandler.respond(stream, status, headers, reason + "\n", frame.isEndStream());
        return Stream.Listener.AUTO_DISCARD;
    }

    /**
     * The first field that RFC 9113 section 8.2.2 calls connection-specific (Connection,
     * Proxy-Connection, Keep-Alive, Transfer-Encoding, Upgrade; a TE other than "trailers"),
     * or null. Such a request is malformed.
     */
    static String connectionSpecificField(HttpFields fields) {
        for (HttpField f : fields) {
            String name = f.getLowerCaseName();
            switch (name) {
                case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade" -> {
                    return name;
                }
                case "te" -> {
                    if (!"trailers".equalsIgnoreCase(f.getValue() == null ? "" : f.getValue().trim())) {
                        return "te: " + printable(f.getValue() == null ? "" : f.getValue());
                    }
                }
                default -> {
                    // not connection-specific
                }
            }
        }
        return null;
    }

    static Map<String, List<String>> lowerCaseFields(HttpFields fields) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (HttpField f : fields) {
            out.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>()).add(f.getValue() == null ? "" : f.getValue());
        }
        return out;
    }

    /** Peer text for a log line or a body: printable ASCII only, bounded. */
    static String printable(String s) {
        return printable(s, 64);
    }

    /** As {@link #printable(String)}, at most {@code max} characters. */
    static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > max ? b + "..." : b.toString();
    }
}
