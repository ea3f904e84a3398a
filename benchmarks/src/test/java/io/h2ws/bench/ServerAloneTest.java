package io.h2ws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server-alone comparison's moving parts against real servers on loopback: the gate that
 * lets one server's round run while the other's sockets are quiet, the {@code client@server}
 * kinds, and the table's figures. Servers run in this JVM here; the runner forks them.
 */
class ServerAloneTest {

    @ParameterizedTest
    @ValueSource(strings = {"jetty-h1", "jetty-h2", "netty-h1"})
    @Timeout(30)
    void oneLoadClientDrivesBothServersInTurnAndIsQuietBetweenRounds(String clientKind) throws Exception {
        try (EchoServers.Running h2ws = EchoServers.start("h2ws", 0);
             EchoServers.Running jetty = EchoServers.start(ServerAlone.jettyServerFor(clientKind), 0);
             LoadClient toH2ws = Clients.create(clientKind, Clients.uriFor(clientKind, h2ws.port()));
             LoadClient toJetty = Clients.create(clientKind, Clients.uriFor(clientKind, jetty.port()));
             ServerAlone.GatedPump a = ServerAlone.GatedPump.open(toH2ws, 3, 1024, 8);
             ServerAlone.GatedPump b = ServerAlone.GatedPump.open(toJetty, 3, 1024, 8)) {
            for (int i = 0; i < 2; i++) {
                for (ServerAlone.GatedPump p : List.of(a, b)) {
                    ServerAlone.Round r = p.round(150_000_000L);
                    assertTrue(r.echoes() > 0, clientKind + ": no echoes in round " + i);
                    assertTrue(r.nanos() >= 150_000_000L, "the round lasted what was asked");
                    // paused: nothing in flight, so nothing more arrives while the other server runs
                    long after = p.received();
                    Thread.sleep(50);
                    assertEquals(after, p.received(), clientKind + ": echoes arrived while paused");
                }
            }
            // a round may be too short for every socket on a loaded machine; over all rounds none is dead
            for (ServerAlone.GatedPump p : List.of(a, b)) {
                for (long n : p.perSocket()) {
                    assertTrue(n > 0, clientKind + ": a socket got no echo in any round");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty-h1@h2ws", "jetty-h2@h2ws"})
    @Timeout(20)
    void jettysClientDrivesH2wsServerThroughTheAtKinds(String kind) throws Exception {
        assertEquals("h2ws", Clients.serverFor(kind));
        assertEquals("ws", Clients.uriFor(kind, 1).getScheme());
        try (EchoServers.Running server = EchoServers.start(Clients.serverFor(kind), 0);
             LoadClient client = Clients.create(kind, Clients.uriFor(kind, server.port()))) {
            assertTrue(client.name().startsWith("jetty-"), client.name());
            Workloads.Throughput t = Workloads.throughput(client, 2, 1024, 16, Duration.ofMillis(200), Duration.ofMillis(300));
            assertTrue(t.messages() > 0, kind + ": no echoes");
            assertEquals(0, t.stalledSockets(), kind + ": stalled sockets");
        }
        assertThrows(IllegalArgumentException.class, () -> Clients.serverFor("jetty-h1@nope"));
    }

    @Test
    void tableGivesMediansAndTheSpreadOfPairedRatios() {
        ServerAlone.Options o = ServerAlone.Options.parse(new String[] {"--rounds", "3", "--seconds", "1", "--sizes", "16"});
        ServerAlone.Point p = new ServerAlone.Point("jetty-h2", 1, 16,
                new double[] {300, 100, 200}, new double[] {100, 100, 100}, true, 0, 0);
        ServerAlone.Point q = new ServerAlone.Point("jetty-h1", 100, 65536,
                new double[] {90, 120}, new double[] {100, 100}, false, 2, 0);
        String md = ServerAlone.markdown(o, List.of(p, q), "1.00 1.00 1.00", "2.00 2.00 2.00", "--rounds 3");
        assertTrue(md.contains("| jetty-h2 | 1 | 16 B | 200 (100-300) | 100 (100-100) | **2.00** (1.00-3.00) |"), md);
        assertTrue(md.contains("| jetty-h1 | 100 | 64 KiB ¹ ² | 105 (90-120) | 100 (100-100) | **1.05** (0.90-1.20) |"), md);
        assertTrue(md.contains("load average before 1.00 1.00 1.00, after 2.00 2.00 2.00"), md);
    }

    @Test
    void refusesH2wsOwnClientAsTheLoadClient() {
        assertThrows(IllegalArgumentException.class, () -> ServerAlone.Options.parse(new String[] {"--clients", "h2ws-h1"}));
        assertThrows(IllegalArgumentException.class, () -> ServerAlone.Options.parse(new String[] {"--bogus", "1"}));
        assertEquals(Path.of("x.md"), ServerAlone.Options.parse(new String[] {"--out", "x.md"}).out());
    }
}
