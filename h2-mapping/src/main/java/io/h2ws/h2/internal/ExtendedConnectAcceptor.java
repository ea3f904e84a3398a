package io.h2ws.h2.internal;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
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

import io.h2ws.core.internal.handshake.Rfc8441Handshake;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.server.HandshakeDecision;

/**
 * The server side of one HTTP/2 connection's new streams: translates the request for
 * {@link Rfc8441Handshake.Server#decide} (RFC 8441 section 4 and the shared rules), answers as it
 * decides, and opens the server socket; every other request goes to the factory's
 * {@link NonWebSocketHandler}.
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
        HttpURI uri = request.getHttpURI();
        Rfc8441Handshake.Server.Request handshake = new Rfc8441Handshake.Server.Request(request.getMethod(),
                request.getProtocol(), uri.getScheme(), uri.getPath(), uri.getPathQuery(), uri.getAuthority(), uri.getHost(),
                fieldList(request.getHttpFields()), request.getContentLength(), frame.isEndStream(), secure);
        Rfc8441Handshake.Server.Outcome outcome = Rfc8441Handshake.Server.decide(io.h2ws.core.internal.server.ServerHandshake
                .forPeer(factory.endpoints(), stream.getSession().getRemoteSocketAddress()), handshake,
                factory.openSockets()::full);
        if (outcome instanceof Rfc8441Handshake.Server.NotWebSocket) {
            return factory.getNonWebSocketHandler().handle(stream, request, frame.isEndStream());
        }
        if (outcome instanceof Rfc8441Handshake.Server.Malformed m) {
            return malformed(stream, m.reason());
        }
        Rfc8441Handshake.Server.Answer answer = (Rfc8441Handshake.Server.Answer) outcome;
        if (answer.decision() instanceof HandshakeDecision.Reject r) {
            if (r.status() == 501) {
                LOG.debug("h2ws: stream #{} asks for :protocol {}", stream.getId(), printable(request.getProtocol()));
            }
            return reject(stream, frame, r.status(), r.reason(), r.headers());
        }
        return accept(stream, handshake, (HandshakeDecision.Accept) answer.decision(), answer.messageMapping());
    }

    private Stream.Listener accept(Stream stream, Rfc8441Handshake.Server.Request handshake, HandshakeDecision.Accept accept,
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
        accept.headers().forEach(fields::put);
        // RFC 8441 section 5: a 2xx without END_STREAM opens the tunnel
        MetaData.Response response = new MetaData.Response(Rfc8441Handshake.Server.ACCEPT_STATUS, null, HttpVersion.HTTP_2, fields);
        stream.headers(new HeadersFrame(stream.getId(), response, null, false), Callback.from(() -> {
            RealWebSocket socket = RealWebSocket.open(carrier, new SocketSetup(Role.SERVER, messageMapping,
                    accept.subprotocol(), handshake.pathQuery(), accept.deflate(), accept.endpoint().deflate(),
                    factory.openSockets().limits().apply(accept.options()), budget),
                    accept.listener());
            sockets.track(carrier, socket);
            factory.openSockets().add(socket);
            io.h2ws.h2.internal.trace.H2Tracer t = factory.tracer();
            if (t != null) {
                t.attach(socket, stream, "server");
            }
            LOG.debug("h2ws: accepted WebSocket {} on stream #{} from {}", handshake.pathQuery(), stream.getId(), stream.getSession().getRemoteSocketAddress());
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

    /** The fields in order, names in lower case, as the handshake rules take them. */
    private static List<Map.Entry<String, String>> fieldList(HttpFields fields) {
        List<Map.Entry<String, String>> out = new ArrayList<>(fields.size());
        for (HttpField f : fields) {
            out.add(new AbstractMap.SimpleImmutableEntry<>(f.getLowerCaseName(), f.getValue() == null ? "" : f.getValue()));
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
