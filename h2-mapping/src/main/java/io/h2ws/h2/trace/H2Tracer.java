package io.h2ws.h2.trace;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.FlowControlStrategy;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;

import io.h2ws.core.session.RealWebSocket;
import io.h2ws.core.session.SocketTracer;
import io.h2ws.trace.TraceEvent;
import io.h2ws.trace.TraceIds;
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

    private static final String FLOW = "h2ws.flow";

    private final TraceListener listener; // null: statistics only
    private final Map<Session, Conn> conns = new ConcurrentHashMap<>();

    /**
     * Per session: its id, the DATA frames generated but not yet reported (traces only), and the
     * statistics: frames each way, and the time the connection send window was at 0.
     */
    private static final class Conn {
        final String id = TraceIds.nextConnection();
        final ArrayDeque<long[]> pieces = new ArrayDeque<>(); // {stream, length, connWindow, streamWindow, nanos}
        final Clock window = new Clock();
        final java.util.concurrent.atomic.LongAdder framesIn = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder framesOut = new java.util.concurrent.atomic.LongAdder();
    }

    /**
     * Time a send window spent at 0: from the DATA frame that left it at 0 (or below, after a
     * SETTINGS shrink) to the WINDOW_UPDATE Jetty applied that made it positive again.
     */
    static final class Clock {
        private long zeroSince; // nanoTime, 0 when open
        private long blocked;

        synchronized void after(int window, long now) {
            if (window <= 0) {
                if (zeroSince == 0) {
                    zeroSince = now == 0 ? 1 : now;
                }
            } else if (zeroSince != 0) {
                blocked += now - zeroSince;
                zeroSince = 0;
            }
        }

        synchronized void end(long now) {
            if (zeroSince != 0) {
                blocked += now - zeroSince;
                zeroSince = 0;
            }
        }

        synchronized long nanos() {
            return zeroSince == 0 ? blocked : blocked + (System.nanoTime() - zeroSince);
        }
    }

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
        client.setFlowControlStrategyFactory(t.wrap(client.getFlowControlStrategyFactory()));
        return t;
    }

    /** Traces every session made by {@code factory}; call before the server starts. */
    public static H2Tracer install(AbstractHTTP2ServerConnectionFactory factory, TraceListener listener) {
        H2Tracer t = new H2Tracer(listener);
        factory.addEventListener(t);
        factory.setFlowControlStrategyFactory(t.wrap(factory.getFlowControlStrategyFactory()));
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
        Conn c = conn(stream.getSession());
        if (listener != null) {
            SocketTracer.attach(listener, socket, c.id, stream.getId(), role);
        }
        Clock streamClock = streamClock(stream);
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

    private static Clock streamClock(Stream stream) {
        Object o = stream.getAttribute(FLOW);
        if (o instanceof Clock k) {
            return k;
        }
        synchronized (stream) {
            o = stream.getAttribute(FLOW);
            if (o instanceof Clock k) {
                return k;
            }
            Clock k = new Clock();
            stream.setAttribute(FLOW, k);
            return k;
        }
    }

    /**
     * Statistics of {@code session}'s connection: frames each way counted here, bytes from Jetty's
     * connection, the connection window's blocked time; PINGs are left to the caller (0).
     */
    public io.h2ws.trace.ConnectionStats connectionStats(Session session) {
        Conn c = conn(session);
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

    private Conn conn(Session session) {
        return conns.computeIfAbsent(session, s -> new Conn());
    }

    @Override
    public void onClose(Session session) {
        conns.remove(session);
    }

    @Override
    public void onIncomingFrame(Session session, Frame frame) {
        Conn c = conn(session);
        c.framesIn.increment();
        if (listener != null) {
            emit(session, c, false, frame, System.nanoTime());
        }
    }

    @Override
    public void onOutgoingFrame(Session session, Frame frame) {
        Conn c = conn(session);
        if (!(frame instanceof DataFrame)) {
            c.framesOut.increment(); // DATA wire frames are counted as generated, in onDataSending
        }
        if (listener == null) {
            return;
        }
        if (frame instanceof DataFrame data) {
            // the wire frames cut from this DataFrame since the last write, from onDataSending
            long[] last = null;
            synchronized (c) {
                for (Iterator<long[]> it = c.pieces.iterator(); it.hasNext(); ) {
                    long[] p = it.next();
                    if (p[0] != data.getStreamId()) {
                        continue;
                    }
                    it.remove();
                    if (last != null) {
                        emitData(c, last, false);
                    }
                    last = p;
                }
            }
            if (last == null) {
                last = new long[] {data.getStreamId(), data.remaining(), sendWindow(session), streamWindow(session, data.getStreamId()), System.nanoTime()};
            }
            // a DataFrame wholly generated in its last piece still holds that piece (Jetty adds
            // the buffer as it is); one cut by flow control has been advanced past it
            boolean done = data.remaining() == 0 || data.remaining() == last[1];
            emitData(c, last, data.isEndStream() && done);
            return;
        }
        emit(session, c, true, frame, System.nanoTime());
    }

    private void emitData(Conn c, long[] p, boolean endStream) {
        TraceListener.safely(listener, new TraceEvent.H2Frame(p[4], c.id, true, "DATA", (int) p[0], endStream ? 1 : 0,
                (int) p[1], null, TraceEvent.ABSENT, TraceEvent.ABSENT, (int) p[2], (int) p[3], null));
    }

    private void emit(Session session, Conn c, boolean out, Frame frame, long nanos) {
        String type = frame.getType().name();
        int stream = 0;
        int flags = 0;
        int length = TraceEvent.ABSENT;
        Map<String, Integer> settings = null;
        int incr = TraceEvent.ABSENT;
        int error = TraceEvent.ABSENT;
        String info = null;
        int connWindow = sendWindow(session);
        int streamWindow = TraceEvent.ABSENT;
        if (frame instanceof DataFrame d) {
            stream = d.getStreamId();
            flags = d.isEndStream() ? 1 : 0;
            length = d.flowControlLength();
        } else if (frame instanceof HeadersFrame h) {
            stream = h.getStreamId();
            flags = h.isEndStream() ? 1 : 0;
            info = describe(h.getMetaData());
        } else if (frame instanceof SettingsFrame s) {
            flags = s.isReply() ? 1 : 0;
            settings = new LinkedHashMap<>();
            for (Map.Entry<Integer, Integer> e : s.getSettings().entrySet()) {
                settings.put(settingName(e.getKey()), e.getValue());
            }
            length = 6 * settings.size();
        } else if (frame instanceof WindowUpdateFrame w) {
            stream = w.getStreamId();
            incr = w.getWindowDelta();
            length = 4;
            if (!out) {
                // received: report the window this update makes (Jetty applies it just after)
                if (stream == 0) {
                    connWindow += incr;
                }
            }
        } else if (frame instanceof ResetFrame r) {
            stream = r.getStreamId();
            error = r.getError();
            length = 4;
        } else if (frame instanceof GoAwayFrame g) {
            stream = 0;
            error = g.getError();
            length = 8 + (g.getPayload() == null ? 0 : g.getPayload().length);
            info = "last_stream_id=" + g.getLastStreamId() + (g.tryConvertPayload() == null ? "" : " " + g.tryConvertPayload());
        } else if (frame instanceof PingFrame p) {
            flags = p.isReply() ? 1 : 0;
            length = 8;
        }
        if (stream != 0) {
            streamWindow = streamWindow(session, stream);
            if (!out && frame instanceof WindowUpdateFrame && streamWindow != TraceEvent.ABSENT) {
                streamWindow += incr;
            }
        }
        TraceListener.safely(listener, new TraceEvent.H2Frame(nanos, c.id, out, type, stream, flags, length, settings,
                incr, error, connWindow, streamWindow, info));
    }

    private static String describe(MetaData m) {
        if (m instanceof MetaData.Request r) {
            StringBuilder b = new StringBuilder(r.getMethod());
            if (r.getProtocol() != null) {
                b.append(" :protocol=").append(r.getProtocol());
            }
            if (r.getHttpURI() != null && r.getHttpURI().getPathQuery() != null) {
                b.append(' ').append(r.getHttpURI().getPathQuery());
            }
            return b.toString();
        }
        if (m instanceof MetaData.Response r) {
            return ":status=" + r.getStatus();
        }
        return m == null ? null : "trailers " + m.getHttpFields().getFieldNamesCollection();
    }

    private static int sendWindow(Session session) {
        return session instanceof HTTP2Session s ? s.getSendWindow() : TraceEvent.ABSENT;
    }

    private static int streamWindow(Session session, int streamId) {
        Stream s = session.getStream(streamId);
        return s instanceof HTTP2Stream h ? h.getSendWindow() : TraceEvent.ABSENT;
    }

    static String settingName(int key) {
        return switch (key) {
            case SettingsFrame.HEADER_TABLE_SIZE -> "HEADER_TABLE_SIZE";
            case SettingsFrame.ENABLE_PUSH -> "ENABLE_PUSH";
            case SettingsFrame.MAX_CONCURRENT_STREAMS -> "MAX_CONCURRENT_STREAMS";
            case SettingsFrame.INITIAL_WINDOW_SIZE -> "INITIAL_WINDOW_SIZE";
            case SettingsFrame.MAX_FRAME_SIZE -> "MAX_FRAME_SIZE";
            case SettingsFrame.MAX_HEADER_LIST_SIZE -> "MAX_HEADER_LIST_SIZE";
            case SettingsFrame.ENABLE_CONNECT_PROTOCOL -> "ENABLE_CONNECT_PROTOCOL";
            default -> "0x" + Integer.toHexString(key);
        };
    }

    // ------------------------------------------------------------------ DATA frames as generated

    private FlowControlStrategy.Factory wrap(FlowControlStrategy.Factory jetty) {
        return () -> new Tracing(jetty.newFlowControlStrategy());
    }

    /** Jetty's strategy, unchanged, plus a note of every DATA frame generated. */
    private final class Tracing implements FlowControlStrategy {
        private final FlowControlStrategy delegate;

        Tracing(FlowControlStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onDataSending(Stream stream, int length) {
            delegate.onDataSending(stream, length);
            long now = System.nanoTime();
            Session session = stream.getSession();
            Conn c = conn(session);
            c.framesOut.increment();
            int connWindow = sendWindow(session);
            int streamWindow = stream instanceof HTTP2Stream h ? h.getSendWindow() : TraceEvent.ABSENT;
            if (connWindow != TraceEvent.ABSENT) {
                c.window.after(connWindow, now);
            }
            if (streamWindow != TraceEvent.ABSENT) {
                streamClock(stream).after(streamWindow, now);
            }
            if (listener == null) {
                return;
            }
            long[] piece = {stream.getId(), length, connWindow, streamWindow, now};
            synchronized (c) {
                c.pieces.add(piece);
            }
        }

        @Override
        public void onStreamCreated(Stream stream) {
            delegate.onStreamCreated(stream);
        }

        @Override
        public void onStreamDestroyed(Stream stream) {
            delegate.onStreamDestroyed(stream);
            if (stream.getAttribute(FLOW) instanceof Clock k) {
                k.end(System.nanoTime()); // a stream gone while blocked is blocked no longer
            }
        }

        @Override
        public void onWindowUpdate(Session session, Stream stream, WindowUpdateFrame frame) {
            delegate.onWindowUpdate(session, stream, frame);
            long now = System.nanoTime();
            if (frame.getStreamId() == 0) {
                int w = sendWindow(session);
                if (w != TraceEvent.ABSENT) {
                    conn(session).window.after(w, now);
                }
            } else if (stream instanceof HTTP2Stream h && h.getAttribute(FLOW) instanceof Clock k) {
                k.after(h.getSendWindow(), now);
            }
        }

        @Override
        public void updateInitialStreamWindow(Session session, int initialStreamWindow, boolean local) {
            delegate.updateInitialStreamWindow(session, initialStreamWindow, local);
            if (!local) { // the peer's SETTINGS moved every stream's send window
                long now = System.nanoTime();
                for (Stream s : session.getStreams()) {
                    if (s instanceof HTTP2Stream h && h.getAttribute(FLOW) instanceof Clock k) {
                        k.after(h.getSendWindow(), now);
                    }
                }
            }
        }

        @Override
        public void onDataReceived(Session session, Stream stream, int length) {
            delegate.onDataReceived(session, stream, length);
        }

        @Override
        public void onDataConsumed(Session session, Stream stream, int length) {
            delegate.onDataConsumed(session, stream, length);
        }

        @Override
        public void windowUpdate(Session session, Stream stream, WindowUpdateFrame frame) {
            delegate.windowUpdate(session, stream, frame);
        }

        @Override
        public void onDataSent(Stream stream, int length) {
            delegate.onDataSent(stream, length);
        }
    }
}
