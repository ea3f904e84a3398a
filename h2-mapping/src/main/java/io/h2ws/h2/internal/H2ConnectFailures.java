package io.h2ws.h2.internal;

import io.h2ws.client.Http2NotSpokenException;
import java.io.IOException;
import java.net.URI;
import java.security.cert.CertPathValidatorException;
import java.util.function.Function;

import javax.net.ssl.SSLHandshakeException;

import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.io.ssl.SslConnection;


/**
 * Turns what Jetty reports when an HTTP/2 socket cannot open into a message that says why and what
 * to do: the raw reports ({@code frame_size_error/invalid_frame_length}, "Abruptly closed by peer",
 * "HTTP 400") name a symptom, not the cause.
 */
final class H2ConnectFailures {

    private H2ConnectFailures() {}

    /**
     * The failure of a connection that ended before the server's first SETTINGS: an
     * {@link Http2NotSpokenException} when the server evidently speaks something else, else the
     * connection's failure as it is.
     *
     * @param session the session, or null when the TCP or TLS connection itself failed
     */
    static Function<URI, IOException> beforeSettings(Session session, Throwable failure, Function<URI, IOException> otherwise) {
        String alpn = negotiatedAlpn(session);
        if (alpn != null && !alpn.equals("h2")) {
            String detail = alpn.isEmpty() ? "TLS chose no ALPN protocol, so no h2" : "TLS chose ALPN " + alpn + ", not h2";
            return uri -> new Http2NotSpokenException(uri, detail, failure);
        }
        if (session != null && alpn == null && parseError(failure)) {
            // cleartext: nothing but a SETTINGS frame may come first (RFC 9113 section 3.4)
            return uri -> new Http2NotSpokenException(uri, "no SETTINGS in answer to the h2c preface, "
                    + "it answered what HTTP/2 reads as " + failure.getMessage(), failure);
        }
        if (session == null && handshakeRefused(failure)) {
            return uri -> new Http2NotSpokenException(uri, "it ended the TLS handshake that offered only h2 in ALPN: "
                    + failure.getMessage(), failure);
        }
        return otherwise;
    }

    /**
     * Jetty's parser refused the bytes ("frame_size_error/invalid_frame_length"), as opposed to a
     * reset or a timeout, which say nothing about what the server speaks.
     */
    private static boolean parseError(Throwable failure) {
        return failure != null && failure.getMessage() != null && failure.getMessage().matches("[a-z_]+_error/[a-z_]+");
    }

    /** The ALPN protocol TLS chose ("" for none), or null without TLS or before the handshake. */
    private static String negotiatedAlpn(Session session) {
        if (session instanceof HTTP2Session s && s.getEndPoint() instanceof SslConnection.SslEndPoint ssl) {
            return ssl.getSslConnection().getSSLEngine().getApplicationProtocol();
        }
        return null;
    }

    /**
     * A TLS handshake the server ended without an alert about the certificate: what a server
     * does when the client's ALPN (only h2) has nothing it speaks.
     */
    private static boolean handshakeRefused(Throwable failure) {
        boolean handshake = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertPathValidatorException || t instanceof java.security.cert.CertificateException
                    || t.getClass().getName().startsWith("sun.security.validator")) {
                return false;
            }
            String m = String.valueOf(t.getMessage());
            if (m.contains("PKIX") || m.contains("certificate")) {
                return false;
            }
            handshake |= t instanceof SSLHandshakeException;
            if (m.contains("no_application_protocol") || handshake && m.contains("closed by peer")) {
                return true;
            }
        }
        return false;
    }
}
