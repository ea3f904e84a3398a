package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;

/**
 * A client kind and its server in a separate JVM, as one JMH trial uses them. Set
 * {@code -Dh2ws.bench.inProcessServer=true} to run the server in the benchmark's JVM instead
 * (debugging only: client and server then share heap, GC and CPU accounting).
 *
 * <p>For a TLS kind it generates a self-signed certificate, hands the key to the server (a
 * PKCS12 file for a forked server, deleted at close) and has the client trust only that
 * certificate. {@link #newClient()} gives each new client a new {@link SSLContext}, so that
 * client's first TLS handshake is a full one: the JDK resumes sessions (TLS 1.3 PSK with
 * ECDHE) only from the cache of the context that made them.
 */
public final class Harness implements AutoCloseable {
    private final AutoCloseable server;
    private final int port;
    private final String kind;
    private final URI uri;
    private final SelfSignedCertificate cert;
    private final Path keyStoreFile;
    public final LoadClient client;

    private Harness(AutoCloseable server, int port, String kind, URI uri, SelfSignedCertificate cert, Path keyStoreFile,
                    LoadClient client) {
        this.server = server;
        this.port = port;
        this.kind = kind;
        this.uri = uri;
        this.cert = cert;
        this.keyStoreFile = keyStoreFile;
        this.client = client;
    }

    public static Harness start(String clientKind) throws Exception {
        if (!Clients.available(clientKind)) {
            throw new UnsupportedOperationException("client kind '" + clientKind + "' is not available in this build ("
                    + Clients.H2WS_CLIENTS + " is missing); skip it with -p client=...");
        }
        String serverKind = Clients.serverFor(clientKind);
        SelfSignedCertificate cert = EchoServers.tls(serverKind) ? SelfSignedCertificate.generate() : null;
        Path keyStoreFile = null;
        AutoCloseable server;
        int port;
        if (Boolean.getBoolean("h2ws.bench.inProcessServer")) {
            EchoServers.Running r = EchoServers.start(serverKind, 0, cert == null ? null : cert.keyStore());
            server = r;
            port = r.port();
        } else {
            if (cert != null) {
                keyStoreFile = Files.createTempFile("h2ws-bench-", ".p12");
                try (OutputStream out = Files.newOutputStream(keyStoreFile)) {
                    cert.keyStore().store(out, SelfSignedCertificate.PASSWORD);
                }
            }
            try {
                ServerProcess p = ServerProcess.start(serverKind, keyStoreFile);
                server = p;
                port = p.port();
            } catch (Exception | Error e) {
                delete(keyStoreFile);
                throw e;
            }
        }
        try {
            URI uri = Clients.uriFor(clientKind, port);
            SSLContext ssl = cert == null ? null : cert.clientContext();
            return new Harness(server, port, clientKind, uri, cert, keyStoreFile, Clients.create(clientKind, uri, ssl));
        } catch (Exception | Error e) {
            server.close();
            delete(keyStoreFile);
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** Another client of this harness's kind, against the same server, with a new TLS context; the caller closes it. */
    public LoadClient newClient() throws Exception {
        return Clients.create(kind, uri, cert == null ? null : cert.clientContext());
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("server close: " + e);
            } finally {
                delete(keyStoreFile);
            }
        }
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException e) {
                System.err.println("delete " + file + ": " + e);
            }
        }
    }
}
