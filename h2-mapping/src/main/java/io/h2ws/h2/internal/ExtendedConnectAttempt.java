package io.h2ws.h2.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.core.internal.handshake.ClientHandshake;
import io.h2ws.core.internal.handshake.Rfc8441Handshake;
import io.h2ws.client.ClientRequest;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.core.internal.socket.SocketSetup;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.socket.Timers;
import io.h2ws.h2.internal.trace.H2Tracer;

/** One socket being opened: waits for a stream, sends the extended CONNECT, reads the answer. */
final class ExtendedConnectAttempt implements Stream.Listener, Origin.Waiter {

    // the connector's logger, so that logging set up for H2Connector still covers the handshakes
    private static final Logger LOG = LoggerFactory.getLogger(H2Connector.class);

    private final ClientRequest request;
    private final WebSocket.Listener listener;
    private final CompletableFuture<H2wsSocket> result;
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final H2Tracer tracer;
    private volatile ScheduledFuture<?> timer;
    private volatile ClientConnection conn;
    private volatile Stream stream;
    private volatile StreamCarrier carrier;
    /** Failed or timed out: a stream that shows up later is reset. */
    private volatile boolean abandoned;

    ExtendedConnectAttempt(ClientRequest request, WebSocket.Listener listener, CompletableFuture<H2wsSocket> result,
                           H2Tracer tracer) {
        this.request = request;
        this.listener = listener;
        this.result = result;
        this.tracer = tracer;
    }

    /** Fails the attempt with a timeout unless it is settled within {@code timeout}. */
    void armTimeout(Duration timeout) {
        // on the timer thread itself, not the pool: the timeout must fire while every pool thread is busy
        timer = Timers.shared().schedule(() -> timedOut(timeout), Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    @Override
    public URI uri() {
        return request.uri();
    }

    @Override
    public boolean isSettled() {
        return settled.get();
    }

    @Override
    public void granted(ClientConnection c) {
        conn = c;
        if (isSettled()) {
            releaseSlot();
            return;
        }
        Rfc8441Handshake.Client.Connect wanted = Rfc8441Handshake.Client.request(request);
        HttpFields.Mutable fields = HttpFields.build();
        wanted.fields().forEach(f -> fields.add(f.getKey(), f.getValue()));
        MetaData.ConnectRequest connect = new MetaData.ConnectRequest(wanted.scheme(),
                new HostPortHttpField(wanted.authority()), wanted.path(), fields, wanted.protocol());
        c.session.newStream(new HeadersFrame(connect, null, false), new Promise<>() {
            @Override
            public void succeeded(Stream s) {
                stream = s;
                if (abandoned) {
                    reset(s); // timed out or failed while the HEADERS were on their way
                }
            }

            @Override
            public void failed(Throwable x) {
                releaseSlot();
                if (x instanceof IllegalStateException && String.valueOf(x.getMessage()).contains("Max local stream count")) {
                    LOG.debug("h2ws: {} stream limit reached in Jetty's count; retrying", conn.origin.key);
                    released.set(false);
                    conn.origin.retry(ExtendedConnectAttempt.this);
                    return;
                }
                fail(new IOException(request.uri() + ": cannot open an HTTP/2 stream: " + x, x));
            }
        }, this);
    }

    private void releaseSlot() {
        ClientConnection c = conn;
        if (c != null && released.compareAndSet(false, true)) {
            c.origin.release(c);
        }
    }

    @Override
    public void onHeaders(Stream s, HeadersFrame frame) {
        if (!(frame.getMetaData() instanceof MetaData.Response response)) {
            StreamCarrier c = carrier;
            if (c != null) {
                c.onTrailersFrame(frame); // reported with the END_STREAM behind them
            }
            return;
        }
        ClientHandshake.Agreed agreed;
        try {
            agreed = Rfc8441Handshake.Client.check(request, response.getStatus(), frame.isEndStream(),
                    fieldsByName(response.getHttpFields()));
        } catch (HandshakeFailedException e) {
            reset(s);
            fail(e);
            return;
        }
        if (agreed == null) {
            return; // interim response: the real one follows
        }
        StreamCarrier c = new StreamCarrier(s, request.secure());
        carrier = c;
        c.startReading(); // what the server sends before the socket starts waits in the carrier
        // The socket starts off the thread reading the connection (often its selector's, in
        // non-blocking mode), since onOpen and the continuations of the future may block. With
        // every thread of the pool busy the start waits; the connect timeout keeps running
        // meanwhile (on h2ws's timer, not the pool) and, if it fires first, the stream is reset.
        StreamCarrier.offload(s, () -> start(s, c, agreed));
    }

    /** The answer's fields by lower-case name, as the handshake rules take them. */
    private static Map<String, List<String>> fieldsByName(HttpFields fields) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (HttpField f : fields) {
            out.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>()).add(f.getValue() == null ? "" : f.getValue());
        }
        return out;
    }

    private void start(Stream s, StreamCarrier c, ClientHandshake.Agreed agreed) {
        if (!settled.compareAndSet(false, true)) {
            reset(s);
            return;
        }
        cancelTimer();
        ClientConnection owner = conn;
        RealWebSocket socket = RealWebSocket.open(c, new SocketSetup(Role.CLIENT, request.messageMapping(),
                agreed.subprotocol(), request.pathAndQuery(), agreed.deflate(), request.deflate(), request.options()), listener);
        owner.sockets.track(c, socket);
        if (tracer != null) {
            tracer.attach(socket, s, "client");
        }
        socket.start();
        result.complete(socket);
    }


    @Override
    public void onDataAvailable(Stream s) {
        StreamCarrier c = carrier;
        if (c != null) {
            c.streamListener().onDataAvailable(s);
        } else {
            // body of a refused answer: drop it
            Stream.Listener.AUTO_DISCARD.onDataAvailable(s);
        }
    }

    @Override
    public void onReset(Stream s, ResetFrame frame, Callback callback) {
        StreamCarrier c = carrier;
        if (c != null) {
            c.streamListener().onReset(s, frame, callback);
            return;
        }
        fail(new IOException(request.uri() + ": the server reset the stream before answering: "
                + ErrorCode.toString(frame.getError(), "error " + frame.getError())));
        callback.succeeded();
    }

    @Override
    public void onFailure(Stream s, int error, String reason, Throwable failure, Callback callback) {
        StreamCarrier c = carrier;
        if (c != null) {
            c.streamListener().onFailure(s, error, reason, failure, callback);
            return;
        }
        fail(new IOException(request.uri() + ": stream failed before the answer: " + reason, failure));
        callback.succeeded();
    }

    @Override
    public void onIdleTimeout(Stream s, TimeoutException x, Promise<Boolean> promise) {
        promise.succeeded(false); // the connect timeout and the socket's idle timeout decide
    }

    @Override
    public void onClosed(Stream s) {
        releaseSlot();
    }

    private void timedOut(Duration timeout) {
        if (abandon()) {
            result.completeExceptionally(new HttpConnectTimeoutException(request.uri()
                    + ": WebSocket over HTTP/2 not open within " + timeout));
        }
    }

    @Override
    public void fail(Throwable failure) {
        if (abandon()) {
            cancelTimer();
            result.completeExceptionally(failure);
        }
    }

    /** Settles the attempt as failed; true for the one caller that did, who completes the result. */
    private boolean abandon() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        abandoned = true;
        Stream s = stream;
        if (s != null) {
            reset(s);
        }
        return true;
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void reset(Stream s) {
        if (!s.isReset() && !s.isClosed()) {
            s.reset(new ResetFrame(s.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
        }
    }
}
