package io.h2ws.h2.internal.trace;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http2.FlowControlStrategy;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;

import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketTracer;
import io.h2ws.trace.TraceEvent;
import io.h2ws.trace.TraceListener;

/**
 * HTTP/2 frames of every session of one Jetty client or server connection factory, as
 * {@link TraceEvent.H2Frame}s. It uses what Jetty 12.1 offers rather than parsing bytes twice:
 * <ul>
 *   <li>{@link HTTP2Session.FrameListener}, registered as an event listener on the
 *       {@code HTTP2Client} or the connection factory (Jetty adds it to each new session):
 *       every frame received ({@code onIncomingFrame}, called before Jetty acts on it) and every
 *       control frame sent ({@code onOutgoingFrame}, called just before the write);</li>
 *   <li>a {@link FlowControlStrategy} wrapped around Jetty's own: its {@code onDataSending} is
 *       called once per DATA frame generated, with its length, right after the send windows
 *       were debited. Jetty's {@code onOutgoingFrame} names the application's {@link DataFrame}
 *       once per write even when flow control or SETTINGS_MAX_FRAME_SIZE cut it into several
 *       wire frames, so the wire frames are taken from here and reported when that
 *       {@code onOutgoingFrame} comes;</li>
 *   <li>{@link HTTP2Session.LifeCycleListener#onClose} to forget a session.</li>
 * </ul>
 * Send windows are read with {@link HTTP2Session#getSendWindow()} and
 * {@link HTTP2Stream#getSendWindow()}; for a WINDOW_UPDATE received, the window after it is
 * applied (Jetty applies it a moment later, in its flusher) is reported.
 */
public final class H2Tracer implements HTTP2Session.FrameListener, HTTP2Session.LifeCycleListener {

    private final TraceListener listener; // null: statistics only
    private final Map<Session, ConnectionTrace> conns = new ConcurrentHashMap<>();

    private H2Tracer(TraceListener listener) {
        this.listener = listener;
    }

    /**
     * Traces every session of {@code client} (with a null {@code listener}: only counts, for
     * {@link #connectionStats} and the sockets' {@code stats()}); call before the client starts.
     */
    public static H2Tracer install(HTTP2Client client, TraceListener listener) {
        H2Tracer t = new H2Tracer(listener);
        client.addEventListener(t);
        client.setFlowControlStrategyFactory(TracingFlowControl.wrap(client.getFlowControlStrategyFactory(), t));
        return t;
    }

    /** Traces every session made by {@code factory}; call before the server starts. */
    public static H2Tracer install(AbstractHTTP2ServerConnectionFactory factory, TraceListener listener) {
        H2Tracer t = new H2Tracer(listener);
        factory.addEventListener(t);
        factory.setFlowControlStrategyFactory(TracingFlowControl.wrap(factory.getFlowControlStrategyFactory(), t));
        return t;
    }

    /** The trace id of {@code session}'s connection. */
    public String connectionId(Session session) {
        return conn(session).id;
    }

    /**
     * Traces a socket on {@code stream}: its frames, open and close (when there is a listener),
     * and its flow-control blocked time; call before it starts.
     */
    public void attach(RealWebSocket socket, Stream stream, String role) {
        ConnectionTrace c = conn(stream.getSession());
        if (listener != null) {
            SocketTracer.attach(listener, socket, c.id, stream.getId(), role);
        }
        SendWindowClock streamClock = SendWindowClock.of(stream);
        socket.flowBlocked(new io.h2ws.trace.FlowBlocked() {
            @Override
            public long streamBlockedNanos() {
                return streamClock.nanos();
            }

            @Override
            public long connectionBlockedNanos() {
                return c.window.nanos();
            }
        });
    }

    /**
     * Statistics of {@code session}'s connection: frames each way counted here, bytes from Jetty's
     * connection, the connection window's blocked time; PINGs are left to the caller (0).
     */
    public io.h2ws.trace.ConnectionStats connectionStats(Session session) {
        ConnectionTrace c = conn(session);
        long[] bytes = bytes(session);
        return new io.h2ws.trace.ConnectionStats(listener == null ? null : c.id, remote(session), c.framesIn.sum(),
                c.framesOut.sum(), bytes[0], bytes[1], c.window.nanos(), 0, 0, 0);
    }

    /** Bytes in and out of {@code session}'s HTTP/2 connection, {-1, -1} when Jetty does not say. */
    public static long[] bytes(Session session) {
        if (session instanceof HTTP2Session s && s.getEndPoint() != null && s.getEndPoint().getConnection() != null) {
            org.eclipse.jetty.io.Connection conn = s.getEndPoint().getConnection();
            return new long[] {conn.getBytesIn(), conn.getBytesOut()};
        }
        return new long[] {-1, -1};
    }

    /** The peer's address of {@code session}, as text. */
    public static String remote(Session session) {
        java.net.SocketAddress a = session.getRemoteSocketAddress();
        return a == null ? "?" : a.toString();
    }

    ConnectionTrace conn(Session session) {
        return conns.computeIfAbsent(session, s -> new ConnectionTrace());
    }

    /** Whether events go to a listener; without one only statistics are kept. */
    boolean traces() {
        return listener != null;
    }

    @Override
    public void onClose(Session session) {
        conns.remove(session);
    }

    @Override
    public void onIncomingFrame(Session session, Frame frame) {
        ConnectionTrace c = conn(session);
        c.framesIn.increment();
        if (listener != null) {
            TraceListener.safely(listener, FrameEvents.of(session, c.id, false, frame, System.nanoTime()));
        }
    }

    @Override
    public void onOutgoingFrame(Session session, Frame frame) {
        ConnectionTrace c = conn(session);
        if (!(frame instanceof DataFrame)) {
            c.framesOut.increment(); // DATA wire frames are counted as generated, in onDataSending
        }
        if (listener == null) {
            return;
        }
        if (frame instanceof DataFrame data) {
            // the wire frames cut from this DataFrame since the last write, from onDataSending
            long[] last = c.takePieces(data.getStreamId(),
                    p -> TraceListener.safely(listener, FrameEvents.data(c.id, p, false)));
            if (last == null) {
                last = new long[] {data.getStreamId(), data.remaining(), FrameEvents.sendWindow(session),
                        FrameEvents.streamWindow(session, data.getStreamId()), System.nanoTime()};
            }
            // a DataFrame wholly generated in its last piece still holds that piece (Jetty adds
            // the buffer as it is); one cut by flow control has been advanced past it
            boolean done = data.remaining() == 0 || data.remaining() == last[1];
            TraceListener.safely(listener, FrameEvents.data(c.id, last, data.isEndStream() && done));
            return;
        }
        TraceListener.safely(listener, FrameEvents.of(session, c.id, true, frame, System.nanoTime()));
    }
}
