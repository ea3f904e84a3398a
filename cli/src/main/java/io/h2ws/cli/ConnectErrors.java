package io.h2ws.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.h2ws.client.HandshakeFailedException;
import io.h2ws.client.Http2NotSpokenException;

/**
 * What {@code connect} prints when a socket cannot open: the library's message, then the cause in
 * words and the option that gets past it, for the failures a new user meets first (a server
 * without HTTP/2, a self-signed certificate, a proxy that refuses the message mapping).
 */
final class ConnectErrors {

    private ConnectErrors() {}

    /** Lines for stderr, without the trailing newline; the first says what failed. */
    static String explain(URI url, String transport, Throwable failure) {
        String first = "h2ws: cannot connect to " + url + ": " + stripUri(url, failure);
        String hint = hint(transport, failure);
        return hint == null ? first : first + System.lineSeparator() + "h2ws: " + hint;
    }

    private static String hint(String transport, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Http2NotSpokenException) {
                return "the server does not speak HTTP/2, so --transport " + transport + " cannot work there; "
                        + "use --transport auto (HTTP/2 where offered, else HTTP/1.1) or --transport h1.";
            }
        }
        if (untrustedCertificate(failure)) {
            return "the server's TLS certificate is not trusted (self-signed, or from an authority this JVM does not know). "
                    + "Trust it with --cacert FILE (its certificate in PEM), or, for a test server only, "
                    + "--insecure (trusts any certificate and host name).";
        }
        if (failure instanceof HandshakeFailedException hf && "h2msg".equals(transport)
                && (hf.status() == 400 || hf.status() == 426 || hf.status() == 501)) {
            return "if a proxy is on the way, it does not know the message mapping (spec-notes/proxies.md): "
                    + "use --transport h2 (RFC 8441, :protocol websocket), which nghttpx and HAProxy relay.";
        }
        return null;
    }

    /** True when certificate path validation or the host-name check refused the server. */
    static boolean untrustedCertificate(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.security.cert.CertPathBuilderException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || m.contains("PKIX path") || m.contains("unable to find valid certification path")
                    || m.contains("No subject alternative") || m.contains("No name matching")) {
                return true;
            }
        }
        return false;
    }

    /** The library's message without the URL repeated at its front. */
    private static String stripUri(URI url, Throwable failure) {
        String m = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        String prefix = url + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /**
     * A TLS context trusting exactly the certificates in the PEM (or DER) file {@code file}:
     * one or more, each a {@code -----BEGIN CERTIFICATE-----} block.
     */
    static SSLContext trusting(Path file) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(file + " holds no PEM certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + " holds no PEM certificate");
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        List<Certificate> list = new ArrayList<>(certs);
        for (int i = 0; i < list.size(); i++) {
            trust.setCertificateEntry("cacert-" + i, list.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }
}
