package io.h2ws.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every competitor's echo server and LoadClient still work: a few messages of several sizes
 * come back whole and intact. Servers run in-process on port 0 of the loopback interface,
 * except one that goes through the forked-JVM path the JMH benchmarks use.
 */
class CompetitorsEchoTest {

    @ParameterizedTest
    @ValueSource(strings = {"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw"})
    @Timeout(20)
    void echoesWholeMessages(String kind) throws Exception {
        try (EchoServers.Running server = EchoServers.start(Clients.serverFor(kind), 0);
             LoadClient client = Clients.create(kind, Clients.uriFor(kind, server.port()))) {
            echoIntact(kind, client, new int[] {0, 16, 125, 126, 1024, 65_535, 65_536, 70_000, 1 << 20});
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty-h1-tls", "jetty-h2-tls", "h2ws-h1-tls", "h2ws-h2-tls", "h2ws-h2msg-tls"})
    @Timeout(30)
    void echoesOverTls(String kind) throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate();
        try (EchoServers.Running server = EchoServers.start(Clients.serverFor(kind), 0, cert.keyStore());
             LoadClient client = Clients.create(kind, Clients.uriFor(kind, server.port()), cert.clientContext())) {
            assertTrue(Clients.uriFor(kind, server.port()).getScheme().equals("wss"), kind);
            echoIntact(kind, client, new int[] {0, 16, 65_536, 1 << 20});
            Workloads.Throughput t = Workloads.throughput(client, 2, 1024, 16, Duration.ofMillis(200), Duration.ofMillis(300));
            assertTrue(t.messages() > 0, kind + ": no echoes");
            assertEquals(0, t.stalledSockets(), kind + ": stalled sockets");
        }
    }

    @Test
    @Timeout(60)
    void forkedTlsServerGetsTheKeyAndEchoes() throws Exception {
        System.setProperty("h2ws.bench.serverJvm", "-Xmx128m");
        try (Harness h = Harness.start("h2ws-h2-tls")) {
            echoIntact("h2ws-h2-tls", h.client, new int[] {100});
            try (LoadClient other = h.newClient()) {
                echoIntact("h2ws-h2-tls, new client", other, new int[] {100});
            }
        } finally {
            System.clearProperty("h2ws.bench.serverJvm");
        }
    }

    private static void echoIntact(String kind, LoadClient client, int[] sizes) throws Exception {
        LinkedBlockingQueue<ByteBuffer> echoes = new LinkedBlockingQueue<>();
        LoadClient.LoadSocket socket = client.open(echoes::add).get(10, TimeUnit.SECONDS);
        try {
            for (int size : sizes) {
                socket.send(Workloads.payload(size)).get(10, TimeUnit.SECONDS);
            }
            for (int size : sizes) {
                ByteBuffer echo = echoes.poll(10, TimeUnit.SECONDS);
                assertTrue(echo != null, kind + ": no echo for " + size + " bytes");
                assertEquals(size, echo.remaining(), kind + ": echo size");
                byte[] want = new byte[size];
                Workloads.payload(size).get(want);
                byte[] got = new byte[size];
                echo.get(got);
                assertArrayEquals(want, got, kind + ": echo content for " + size + " bytes");
            }
        } finally {
            socket.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty-h1", "jetty-h2", "netty-h1", "jdk-h1", "raw"})
    @Timeout(20)
    void keepsAWindowInFlightOnSeveralSockets(String kind) throws Exception {
        try (EchoServers.Running server = EchoServers.start(Clients.serverFor(kind), 0);
             LoadClient client = Clients.create(kind, Clients.uriFor(kind, server.port()))) {
            Workloads.Throughput t = Workloads.throughput(client, 3, 1024, 16, Duration.ofMillis(200), Duration.ofMillis(300));
            assertTrue(t.messages() > 0, kind + ": no echoes");
            assertEquals(0, t.stalledSockets(), kind + ": stalled sockets");
        }
    }

    @Test
    @Timeout(30)
    void forkedServerPrintsReadyAndEchoes() throws Exception {
        System.setProperty("h2ws.bench.serverJvm", "-Xmx128m");
        try (ServerProcess server = ServerProcess.start("raw");
             LoadClient client = Clients.create("raw", Clients.uriFor("raw", server.port()))) {
            LinkedBlockingQueue<ByteBuffer> echoes = new LinkedBlockingQueue<>();
            LoadClient.LoadSocket socket = client.open(echoes::add).get(10, TimeUnit.SECONDS);
            socket.send(Workloads.payload(100));
            ByteBuffer echo = echoes.poll(10, TimeUnit.SECONDS);
            assertTrue(echo != null && echo.remaining() == 100, "echo from the forked server");
        } finally {
            System.clearProperty("h2ws.bench.serverJvm");
        }
    }

    @Test
    void h2wsKindsFailClearlyWhenAbsent() {
        if (!Clients.available("h2ws-h2")) {
            Exception e = assertThrows(UnsupportedOperationException.class,
                    () -> Clients.create("h2ws-h2", Clients.uriFor("h2ws-h2", 1)));
            assertTrue(e.getMessage().contains(Clients.H2WS_CLIENTS));
        }
    }
}
