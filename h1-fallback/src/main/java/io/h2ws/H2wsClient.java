package io.h2ws;

import javax.net.ssl.SSLContext;

import io.h2ws.client.ClientBuilder;
import io.h2ws.h1.H1Connector;
import io.h2ws.h2.H2Connector;

/**
 * The h2ws client: one HTTP/2 connection per origin shared by every socket to it, HTTP/1.1
 * Upgrade where HTTP/2 is not offered, and one {@link ClientBuilder} per socket in the JDK's
 * style. Create one per application and {@link #close} it at the end.
 */
public final class H2wsClient implements AutoCloseable {

    private final H1Connector h1;
    private final H2Connector h2;
    private final AutoConnector auto;

    private H2wsClient(SSLContext sslContext, io.h2ws.trace.TraceListener trace, boolean stats) throws Exception {
        this.h1 = new H1Connector(sslContext);
        h1.setTrace(trace);
        this.h2 = H2Connector.builder().sslContext(sslContext).trace(trace).stats(stats).build();
        h1.start();
        this.auto = new AutoConnector(h1, h2);
    }

    /** A client trusting the JDK's default trust store. */
    public static H2wsClient create() throws Exception {
        return new H2wsClient(null, null, false);
    }

    /** A client whose TLS uses {@code sslContext} (e.g. to trust a self-signed certificate). */
    public static H2wsClient create(SSLContext sslContext) throws Exception {
        return new H2wsClient(sslContext, null, false);
    }

    /**
     * A client that traces what it sees: HTTP/2 frames, HTTP/1.1 handshake lines and WebSocket
     * frames of every socket ({@code spec-notes/trace.md}).
     *
     * @param sslContext the TLS context, or null for the JDK default
     * @param trace      where the events go, e.g. a {@link io.h2ws.trace.JsonLinesTraceWriter}; null for none
     */
    public static H2wsClient create(SSLContext sslContext, io.h2ws.trace.TraceListener trace) throws Exception {
        return new H2wsClient(sslContext, trace, false);
    }

    /**
     * As {@link #create(SSLContext, io.h2ws.trace.TraceListener)}, and with {@code stats} the
     * HTTP/2 statistics without a trace: frames per connection ({@link H2Connector#connectionStats()})
     * and flow-control blocked time in each HTTP/2 socket's {@code stats()}. A trace implies them.
     */
    public static H2wsClient create(SSLContext sslContext, io.h2ws.trace.TraceListener trace, boolean stats) throws Exception {
        return new H2wsClient(sslContext, trace, stats);
    }

    /** A builder for one socket; its transport defaults to AUTO. */
    public ClientBuilder newWebSocketBuilder() {
        return new ClientBuilder(auto);
    }

    /** The HTTP/2 side, for its statistics (connections per origin). */
    public H2Connector h2() {
        return h2;
    }

    /** Closes every connection of this client. */
    @Override
    public void close() throws Exception {
        h2.stop();
        h1.stop();
    }
}
