package io.h2ws.internal.h1;

import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import io.h2ws.core.internal.handshake.ClientHandshake;
import io.h2ws.core.internal.handshake.Http1ResponseHead;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;

/** Speaks HTTP/1.1 until the 101, then hands the end point (and any early bytes) to an {@link EndPointCarrier}. */
final class HandshakeConnection extends AbstractConnection implements Connection.UpgradeFrom {
    private final Attempt attempt;
    private final ByteBuffer head = BufferUtil.allocate(H1Connector.MAX_RESPONSE_HEAD);
    private ByteBuffer leftover;
    private volatile boolean upgraded;

    HandshakeConnection(EndPoint endPoint, Attempt attempt) {
        super(endPoint, attempt.connector.getExecutor());
        this.attempt = attempt;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        if (attempt.future.isDone()) {
            getEndPoint().close();
            return;
        }
        attempt.traceLine(true, "GET " + attempt.request.pathAndQuery() + " HTTP/1.1");
        getEndPoint().write(Callback.from(this::fillInterested,
                x -> attempt.fail(attempt.describe(x, "cannot send the handshake"))), attempt.requestBytes());
    }

    @Override
    public void onFillable() {
        try {
            while (true) {
                int n = getEndPoint().fill(head);
                if (n < 0) {
                    attempt.fail(new HandshakeFailedException(attempt.uri, -1,
                            "the server closed the connection before the end of its handshake response"));
                    return;
                }
                // the buffer holds at most MAX_RESPONSE_HEAD bytes: the parser fails once it is full
                Http1ResponseHead parsed = Http1ResponseHead.parse(head, attempt.uri, H1Connector.MAX_RESPONSE_HEAD);
                if (parsed != null) {
                    finish(parsed);
                    return;
                }
                if (n == 0) {
                    fillInterested();
                    return;
                }
            }
        } catch (Throwable x) {
            attempt.fail(attempt.describe(x, "cannot read the handshake response"));
        }
    }

    private void finish(Http1ResponseHead parsed) throws HandshakeFailedException {
        if (attempt.future.isDone()) {
            return; // timed out meanwhile: fail() closed the end point
        }
        attempt.traceLine(false, "HTTP/1.1 " + parsed.status() + " " + parsed.reasonPhrase());
        ClientHandshake.Agreed agreed = attempt.check(parsed);
        ClientRequest request = attempt.request;
        EndPointCarrier carrier = new EndPointCarrier(getEndPoint(), attempt.connector.getExecutor(),
                attempt.connector.getByteBufferPool(), Role.CLIENT, EndPointCarrier.backstopIdleTimeout(request.options()));
        RealWebSocket socket = RealWebSocket.open(carrier, new SocketSetup(Role.CLIENT, false, agreed.subprotocol(),
                request.pathAndQuery(), agreed.deflate(), request.deflate(), request.options()), attempt.listener);
        carrier.onOpened(() -> {
            if (attempt.trace != null) {
                attempt.trace.attach(socket, "client");
            }
            socket.start();
            if (!attempt.future.complete(socket)) {
                socket.abort();
            }
        });
        leftover = head.slice(); // position was moved past the head by parse
        upgraded = true;
        getEndPoint().upgrade(carrier);
    }

    // kept apart, like its twin in H1UpgradeHandler, so one socket factory (issue 17) can replace both

    @Override
    public ByteBuffer onUpgradeFrom() {
        return leftover;
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        attempt.fail(attempt.describe(cause, "cannot read the handshake response"));
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        attempt.fail(new HttpConnectTimeoutException(attempt.uri + ": the server went quiet during the handshake"));
        return true;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        if (!upgraded) {
            attempt.fail(cause != null ? attempt.describe(cause, "connection closed during the handshake")
                    : new IOException(attempt.uri + ": connection closed during the handshake"));
        }
    }
}
