package io.h2ws.core.internal.server;

import java.net.http.WebSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;

/**
 * The {@code /echo} endpoint of {@code h2ws serve}, here rather than in the CLI so that tests
 * (the conformance suite in particular) run against exactly the endpoint {@code serve} exposes.
 */
public final class ServeEcho {

    private static final Logger LOG = LoggerFactory.getLogger("io.h2ws.cli.serve");

    /** The path {@code serve} registers it at. */
    public static final String PATH = "/echo";

    private ServeEcho() {}

    /**
     * Echoes everything ({@link EchoListener}); with {@code ?announce=1} it first tells the page,
     * in one text message, which transport carries the socket and whether permessage-deflate was
     * negotiated (a browser cannot see either otherwise). Default {@link io.h2ws.socket.WebSocketOptions}.
     *
     * @param deflate false declines every permessage-deflate offer ({@code serve --no-deflate});
     *                true accepts with {@link DeflateConfig#defaults()}
     */
    public static Endpoint endpoint(boolean deflate) {
        return Endpoint.builder(PATH).acceptor(request -> {
            boolean announce = request.path().contains("announce=1");
            LOG.info("accepted {} socket from {} for {}", request.transport() == Transport.H2 ? "h2" : "h1",
                    request.remote(), request.path());
            return new EchoListener() {
                @Override
                public void onOpen(WebSocket ws) {
                    if (announce && ws instanceof H2wsSocket s) {
                        ws.sendText("{\"h2ws\":1,\"transport\":\"" + s.transport().name().toLowerCase()
                                + "\",\"secure\":" + s.isSecure() + ",\"mapping\":\"" + s.wireMapping()
                                + "\",\"compressed\":" + (ws instanceof RealWebSocket r && r.isCompressing()) + "}", true);
                    }
                    ws.request(1);
                }
            };
        }).deflate(deflate ? DeflateConfig.defaults() : DeflateConfig.disabled()).build();
    }
}
