package io.h2ws;

import java.net.http.WebSocket;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.client.ClientRequest;
import io.h2ws.client.Connector;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.client.ExtendedConnectNotSupportedException;
import io.h2ws.socket.H2wsSocket;

/**
 * The client's transport choice. H1 and H2 go where they say; AUTO tries HTTP/2 first (ALPN
 * {@code h2} for wss, prior-knowledge h2c for ws) and falls back to HTTP/1.1 Upgrade when the
 * origin does not speak HTTP/2 or does not allow extended CONNECT, remembering the answer per
 * origin so the probe is paid once. A refusal of the WebSocket itself (an HTTP status on a
 * working HTTP/2 connection) is not a reason to fall back and is reported as it is.
 */
final class AutoConnector implements Connector {

    private static final Logger LOG = LoggerFactory.getLogger(AutoConnector.class);

    private final Connector h1;
    private final Connector h2;
    private final Set<String> h1Only = ConcurrentHashMap.newKeySet();

    AutoConnector(Connector h1, Connector h2) {
        this.h1 = h1;
        this.h2 = h2;
    }

    /**
     * Whether an HTTP/2 attempt failed in a way that HTTP/1.1 may succeed: the server lacks
     * extended CONNECT, or did not speak HTTP/2 at all (ALPN without h2, the h2c preface
     * refused). A refusal with an HTTP status on a working HTTP/2 connection, or a port that
     * refuses TCP, would fail over HTTP/1.1 as well and is reported as it is.
     */
    private static boolean speaksHttp11Instead(Throwable cause) {
        if (cause instanceof ExtendedConnectNotSupportedException) {
            return true;
        }
        if (cause instanceof HandshakeFailedException hf && hf.status() > 0) {
            return false;
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return false;
            }
        }
        return true;
    }

    @Override
    public CompletableFuture<H2wsSocket> connect(ClientRequest request, WebSocket.Listener listener) {
        switch (request.transport()) {
            case H1:
                return h1.connect(request, listener);
            case H2:
                return h2.connect(request, listener);
            default:
                break;
        }
        String origin = request.uri().getScheme().toLowerCase() + "://" + request.authority();
        if (h1Only.contains(origin)) {
            return h1.connect(request, listener);
        }
        CompletableFuture<H2wsSocket> result = new CompletableFuture<>();
        h2.connect(request, listener).whenComplete((socket, failure) -> {
            if (failure == null) {
                result.complete(socket);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!speaksHttp11Instead(cause)) {
                result.completeExceptionally(cause);
                return;
            }
            LOG.debug("{} offers no WebSocket over HTTP/2 ({}); using HTTP/1.1", origin, cause.toString());
            h1.connect(request, listener).whenComplete((s, f) -> {
                if (f == null) {
                    h1Only.add(origin);
                    result.complete(s);
                } else {
                    Throwable c = f instanceof CompletionException && f.getCause() != null ? f.getCause() : f;
                    c.addSuppressed(cause);
                    result.completeExceptionally(c);
                }
            });
        });
        return result;
    }
}
