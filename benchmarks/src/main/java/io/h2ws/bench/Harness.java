package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;

/**
 * A client kind and its server in a separate JVM, as one JMH trial uses them. Set
 * {@code -Dh2ws.bench.inProcessServer=true} to run the server in the benchmark's JVM instead
 * (debugging only: client and server then share heap, GC and CPU accounting).
 */
public final class Harness implements AutoCloseable {
    private final AutoCloseable server;
    private final int port;
    public final LoadClient client;

    private Harness(AutoCloseable server, int port, LoadClient client) {
        this.server = server;
        this.port = port;
        this.client = client;
    }

    public static Harness start(String clientKind) throws Exception {
        if (!Clients.available(clientKind)) {
            throw new UnsupportedOperationException("client kind '" + clientKind + "' is not available in this build ("
                    + Clients.H2WS_CLIENTS + " is missing); skip it with -p client=...");
        }
        String serverKind = Clients.serverFor(clientKind);
        AutoCloseable server;
        int port;
        if (Boolean.getBoolean("h2ws.bench.inProcessServer")) {
            EchoServers.Running r = EchoServers.start(serverKind, 0);
            server = r;
            port = r.port();
        } else {
            ServerProcess p = ServerProcess.start(serverKind);
            server = p;
            port = p.port();
        }
        try {
            return new Harness(server, port, Clients.create(clientKind, Clients.uriFor(clientKind, port)));
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    public int port() {
        return port;
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
            }
        }
    }
}
