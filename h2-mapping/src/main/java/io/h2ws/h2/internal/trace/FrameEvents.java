package io.h2ws.h2.internal.trace;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;

import io.h2ws.trace.TraceEvent;

/** Jetty's HTTP/2 frames as {@link TraceEvent.H2Frame}s, with the send windows read from Jetty. */
final class FrameEvents {

    private FrameEvents() {}

    /** A DATA wire frame noted as generated: {stream, length, connWindow, streamWindow, nanos}. */
    static TraceEvent.H2Frame data(String connectionId, long[] p, boolean endStream) {
        return new TraceEvent.H2Frame(p[4], connectionId, true, "DATA", (int) p[0], endStream ? 1 : 0,
                (int) p[1], null, TraceEvent.ABSENT, TraceEvent.ABSENT, (int) p[2], (int) p[3], null);
    }

    static TraceEvent.H2Frame of(Session session, String connectionId, boolean out, Frame frame, long nanos) {
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
        return new TraceEvent.H2Frame(nanos, connectionId, out, type, stream, flags, length, settings,
                incr, error, connWindow, streamWindow, info);
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

    static int sendWindow(Session session) {
        return session instanceof HTTP2Session s ? s.getSendWindow() : TraceEvent.ABSENT;
    }

    static int streamWindow(Session session, int streamId) {
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
}
