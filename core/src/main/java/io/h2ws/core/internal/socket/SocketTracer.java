package io.h2ws.core.internal.socket;

import io.h2ws.core.internal.session.FrameObserver;
import io.h2ws.trace.TraceEvent;
import io.h2ws.trace.TraceIds;
import io.h2ws.trace.TraceListener;

/** Turns one socket's frames into {@link TraceEvent.WsFrame}s. */
public final class SocketTracer implements FrameObserver {
    private final TraceListener listener;
    private final String conn;
    private final String socket;
    private final int stream;

    /**
     * @param stream the HTTP/2 stream id, or {@link TraceEvent#ABSENT} on HTTP/1.1
     */
    public SocketTracer(TraceListener listener, String conn, String socket, int stream) {
        this.listener = listener;
        this.conn = conn;
        this.socket = socket;
        this.stream = stream;
    }

    public String socket() {
        return socket;
    }

    @Override
    public void onFrame(boolean outbound, int opcode, boolean fin, int rsv, boolean masked, long payloadLength,
                        long wireBytes, int closeCode) {
        TraceListener.safely(listener, new TraceEvent.WsFrame(System.nanoTime(), conn, socket, stream, outbound, opcode,
                fin, rsv, masked, payloadLength, wireBytes, closeCode));
    }

    /**
     * Traces a socket: installs the frame observer (before it starts), reports it open now and
     * closed when its carrier is done.
     */
    public static void attach(TraceListener listener, RealWebSocket socket, String conn,
                              int stream, String role) {
        attach(listener, socket, conn, TraceIds.nextSocket(), stream, role);
    }

    /** As above with a socket id chosen before (HTTP/1.1 traces the handshake under it). */
    public static void attach(TraceListener listener, RealWebSocket socket, String conn,
                              String id, int stream, String role) {
        socket.observe(new SocketTracer(listener, conn, id, stream));
        TraceListener.safely(listener, new TraceEvent.Socket(System.nanoTime(), conn, id, stream, "open",
                socket.transport().name(), socket.wireMapping(), role, socket.path(), TraceEvent.ABSENT));
        socket.whenCarrierDone().whenComplete((v, e) -> TraceListener.safely(listener, new TraceEvent.Socket(
                System.nanoTime(), conn, id, stream, "closed", socket.transport().name(), socket.wireMapping(), role,
                socket.path(), socket.closeCode())));
    }
}
