package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.client.ExtendedConnectNotSupportedException;

/** RFC 8441 section 3: a client MUST NOT send :protocol unless the server's SETTINGS allowed it. */
class H2ClientRefusalTest {

    private static void assertRefused(ConnectionFactory factory) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1, factory);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.start();
        try (H2Connector client = H2Connector.builder().build()) {
            URI uri = URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo");
            ExecutionException e = assertThrows(ExecutionException.class, () -> new ClientBuilder(client)
                    .transport(Transport.H2).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            ExtendedConnectNotSupportedException refused = assertInstanceOf(ExtendedConnectNotSupportedException.class, e.getCause());
            assertEquals(uri, refused.uri());
            assertTrue(refused.getMessage().contains("SETTINGS_ENABLE_CONNECT_PROTOCOL"), refused.getMessage());
        } finally {
            server.stop();
        }
    }

    /**
     * A raw Jetty HTTP/2 server whose SETTINGS omit the parameter. Measured: only the raw
     * factory's constructor with explicit protocols sends exactly what {@code onPreface} returns;
     * the two-argument one merges Jetty's defaults, ENABLE_CONNECT_PROTOCOL = 1 included.
     */
    @Test
    void settingAbsent() throws Exception {
        assertRefused(new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), new ServerSessionListener() {
            @Override
            public Map<Integer, Integer> onPreface(Session session) {
                return Map.of(SettingsFrame.MAX_CONCURRENT_STREAMS, 100);
            }
        }, "h2c"));
    }

    /** Jetty's ordinary h2c server with extended CONNECT switched off: SETTINGS carry 0x8 = 0. */
    @Test
    void settingZero() throws Exception {
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(new HttpConfiguration());
        h2c.setConnectProtocolEnabled(false);
        assertRefused(h2c);
    }
}
