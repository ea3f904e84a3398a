package io.h2ws.h2.internal;

import io.h2ws.client.Http2NotSpokenException;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * Transport H2 against a server that speaks only HTTP/1.1: the socket fails with an
 * {@link Http2NotSpokenException} that says so and names the fallback, not with what Jetty's
 * HTTP/2 parser makes of an HTTP/1.1 answer ({@code frame_size_error/invalid_frame_length}).
 */
class H2NotSpokenTest {

    private static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();

    /** An HTTP/1.1-only Jetty server on loopback with these factories; the result of one H2 attempt. */
    private static Throwable attempt(String scheme, SSLContext trust, ConnectionFactory... factories) throws Exception {
        Server server = new Server();
        ServerConnector c = new ServerConnector(server, 1, 1, factories);
        c.setHost("127.0.0.1");
        server.addConnector(c);
        server.start();
        try (H2Connector client = H2Connector.builder().sslContext(trust).build()) {
            URI uri = URI.create(scheme + "://127.0.0.1:" + c.getLocalPort() + "/echo");
            ExecutionException e = assertThrows(ExecutionException.class, () -> new ClientBuilder(client)
                    .transport(Transport.H2).buildH2ws(uri, new Recorder()).get(10, TimeUnit.SECONDS));
            return e.getCause();
        } finally {
            server.stop();
        }
    }

    private static SslConnectionFactory tls(String next) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(CERT.serverContext());
        return new SslConnectionFactory(ssl, next);
    }

    private static void assertNotSpoken(Throwable t, String detail) {
        Http2NotSpokenException e = assertInstanceOf(Http2NotSpokenException.class, t);
        assertTrue(e.getMessage().contains("the server does not speak HTTP/2 (" + detail), e.getMessage());
        assertTrue(e.getMessage().contains("transport AUTO falls back to HTTP/1.1"), e.getMessage());
    }

    @Test
    void cleartextServerAnswersThePrefaceWithHttp11() throws Exception {
        assertNotSpoken(attempt("ws", null, new HttpConnectionFactory()), "no SETTINGS in answer to the h2c preface");
    }

    @Test
    void tlsServerWithoutH2InItsAlpn() throws Exception {
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        assertNotSpoken(attempt("wss", CERT.clientContext(), tls("alpn"), alpn, new HttpConnectionFactory()),
                "it ended the TLS handshake that offered only h2 in ALPN");
    }

    @Test
    void tlsServerWithoutAlpn() throws Exception {
        assertNotSpoken(attempt("wss", CERT.clientContext(), tls("http/1.1"), new HttpConnectionFactory()),
                "TLS chose no ALPN protocol");
    }

    @Test
    void anUntrustedCertificateIsNotTakenForAMissingH2() throws Exception {
        // an HTTP/2 server this time: one without h2 refuses the ALPN before its certificate is sent
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        Throwable t = attempt("wss", null, tls("alpn"), alpn,
                new org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory(), new HttpConnectionFactory());
        assertFalse(t instanceof Http2NotSpokenException, t.toString());
        assertTrue(t.getMessage().contains("PKIX"), t.getMessage());
    }
}
