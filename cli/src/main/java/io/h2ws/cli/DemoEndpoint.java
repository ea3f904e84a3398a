package io.h2ws.cli;

import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.H2wsSocket;
import io.h2ws.Page;
import io.h2ws.core.extension.DeflateConfig;
import io.h2ws.core.session.RealWebSocket;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;

/** The {@code /echo} endpoint and the demo page of {@code serve}. */
final class DemoEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger("io.h2ws.cli.serve");

    private DemoEndpoint() {}

    /**
     * Echoes everything; with {@code ?announce=1} it first tells the page, in one text message,
     * which transport carries the socket and whether permessage-deflate was negotiated (a browser
     * cannot see either otherwise).
     */
    static Endpoint echo() {
        return echo(true);
    }

    /** As {@link #echo()}; {@code deflate=false} declines every permessage-deflate offer. */
    static Endpoint echo(boolean deflate) {
        return Endpoint.builder("/echo").acceptor(request -> {
            boolean announce = request.path().contains("announce=1");
            LOG.info("accepted {} socket from {} for {}", request.transport() == io.h2ws.Transport.H2 ? "h2" : "h1",
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

    static Page page() {
        try (var in = DemoEndpoint.class.getResourceAsStream("demo.html")) {
            return new Page("text/html; charset=utf-8", in.readAllBytes());
        } catch (Exception e) {
            return new Page("text/plain; charset=utf-8", "demo page missing".getBytes(StandardCharsets.UTF_8));
        }
    }
}
