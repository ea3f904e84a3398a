package io.h2ws.internal.h1;

import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketTracer;
import io.h2ws.trace.TraceEvent;
import io.h2ws.trace.TraceIds;
import io.h2ws.trace.TraceListener;

/**
 * One HTTP/1.1 handshake's trace: its request and status lines and then its socket's frames go
 * under one connection id and one socket id, drawn before the socket exists.
 */
record HandshakeTrace(TraceListener listener, String conn, String socket) {

    /** Null when {@code listener} is: untraced handshakes draw no ids and build no events. */
    static HandshakeTrace of(TraceListener listener) {
        return listener == null ? null : new HandshakeTrace(listener, TraceIds.nextConnection(), TraceIds.nextSocket());
    }

    void line(boolean out, String line) {
        TraceListener.safely(listener, new TraceEvent.Http1(System.nanoTime(), conn, socket, out, line));
    }

    void attach(RealWebSocket webSocket, String role) {
        SocketTracer.attach(listener, webSocket, conn, socket, TraceEvent.ABSENT, role);
    }
}
