package io.h2ws.client;

import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;

import io.h2ws.socket.H2wsSocket;

/**
 * Opens client sockets over one transport (or chooses one, for AUTO). The future fails with a
 * {@link HandshakeFailedException} when the server refuses, or an {@link java.io.IOException}
 * naming the URI when the connection fails.
 */
public interface Connector {
    CompletableFuture<H2wsSocket> connect(ClientRequest request, WebSocket.Listener listener);
}
