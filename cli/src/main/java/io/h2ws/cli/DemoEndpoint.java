package io.h2ws.cli;

import java.nio.charset.StandardCharsets;

import io.h2ws.Page;
import io.h2ws.server.Endpoint;
import io.h2ws.core.internal.server.ServeEcho;

/** The {@code /echo} endpoint and the demo page of {@code serve}. */
final class DemoEndpoint {

    private DemoEndpoint() {}

    /** The {@code /echo} endpoint, accepting permessage-deflate. */
    static Endpoint echo() {
        return echo(true);
    }

    /** As {@link #echo()}; {@code deflate=false} declines every permessage-deflate offer. */
    static Endpoint echo(boolean deflate) {
        return ServeEcho.endpoint(deflate);
    }

    static Page page() {
        try (var in = DemoEndpoint.class.getResourceAsStream("demo.html")) {
            return new Page("text/html; charset=utf-8", in.readAllBytes());
        } catch (Exception e) {
            return new Page("text/plain; charset=utf-8", "demo page missing".getBytes(StandardCharsets.UTF_8));
        }
    }
}
