/**
 * The sans-I/O message layer of h2ws and the API both transports share: the JDK-style socket and
 * its options ({@code io.h2ws.socket}), the client builder ({@code io.h2ws.client}), server
 * endpoints ({@code io.h2ws.server}) and tracing ({@code io.h2ws.trace}). Everything in
 * {@code io.h2ws.core.internal.*} (frames, rules, handshakes, the socket runtime) is open only to
 * the two transport modules; {@code spec-notes/api.md} says why each exported type is public.
 */
// "module": the qualified exports name the transport modules, which this module cannot see when it is compiled.
@SuppressWarnings("module")
module io.h2ws.core {
    requires transitive java.net.http;
    requires org.slf4j;

    exports io.h2ws.socket;
    exports io.h2ws.client;
    exports io.h2ws.server;
    exports io.h2ws.trace;

    exports io.h2ws.core.internal to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.extension to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.frame to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.handshake to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.server to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.session to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.socket to io.h2ws.h2, io.h2ws;
    exports io.h2ws.core.internal.wire to io.h2ws.h2, io.h2ws;
}
