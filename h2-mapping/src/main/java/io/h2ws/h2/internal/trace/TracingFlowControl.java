package io.h2ws.h2.internal.trace;

import org.eclipse.jetty.http2.FlowControlStrategy;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;

import io.h2ws.trace.TraceEvent;

/**
 * Jetty's strategy, unchanged, plus a note of every DATA frame generated: Jetty's
 * {@code onOutgoingFrame} names an application DataFrame once even when flow control cuts it
 * into several wire frames, and only here are the wire frames seen, right after the windows
 * were debited.
 */
final class TracingFlowControl implements FlowControlStrategy {
    private final FlowControlStrategy delegate;
    private final H2Tracer tracer;

    TracingFlowControl(FlowControlStrategy delegate, H2Tracer tracer) {
        this.delegate = delegate;
        this.tracer = tracer;
    }

    static FlowControlStrategy.Factory wrap(FlowControlStrategy.Factory jetty, H2Tracer tracer) {
        return () -> new TracingFlowControl(jetty.newFlowControlStrategy(), tracer);
    }

    @Override
    public void onDataSending(Stream stream, int length) {
        delegate.onDataSending(stream, length);
        long now = System.nanoTime();
        Session session = stream.getSession();
        ConnectionTrace c = tracer.conn(session);
        c.framesOut.increment();
        int connWindow = FrameEvents.sendWindow(session);
        int streamWindow = stream instanceof HTTP2Stream h ? h.getSendWindow() : TraceEvent.ABSENT;
        if (connWindow != TraceEvent.ABSENT) {
            c.window.after(connWindow, now);
        }
        if (streamWindow != TraceEvent.ABSENT) {
            SendWindowClock.of(stream).after(streamWindow, now);
        }
        if (!tracer.traces()) {
            return;
        }
        c.generated(new long[] {stream.getId(), length, connWindow, streamWindow, now});
    }

    @Override
    public void onStreamCreated(Stream stream) {
        delegate.onStreamCreated(stream);
    }

    @Override
    public void onStreamDestroyed(Stream stream) {
        delegate.onStreamDestroyed(stream);
        if (stream.getAttribute(SendWindowClock.ATTRIBUTE) instanceof SendWindowClock k) {
            k.end(System.nanoTime()); // a stream gone while blocked is blocked no longer
        }
    }

    @Override
    public void onWindowUpdate(Session session, Stream stream, WindowUpdateFrame frame) {
        delegate.onWindowUpdate(session, stream, frame);
        long now = System.nanoTime();
        if (frame.getStreamId() == 0) {
            int w = FrameEvents.sendWindow(session);
            if (w != TraceEvent.ABSENT) {
                tracer.conn(session).window.after(w, now);
            }
        } else if (stream instanceof HTTP2Stream h && h.getAttribute(SendWindowClock.ATTRIBUTE) instanceof SendWindowClock k) {
            k.after(h.getSendWindow(), now);
        }
    }

    @Override
    public void updateInitialStreamWindow(Session session, int initialStreamWindow, boolean local) {
        delegate.updateInitialStreamWindow(session, initialStreamWindow, local);
        if (!local) { // the peer's SETTINGS moved every stream's send window
            long now = System.nanoTime();
            for (Stream s : session.getStreams()) {
                if (s instanceof HTTP2Stream h && h.getAttribute(SendWindowClock.ATTRIBUTE) instanceof SendWindowClock k) {
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
