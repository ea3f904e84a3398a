package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** Many sockets share one HTTP/2 connection (RFC 8441 section 1: one stream per WebSocket). */
class H2ManySocketsTest {

    private static final Logger LOG = LoggerFactory.getLogger(H2ManySocketsTest.class);
    private static final int SOCKETS = 1000;

    H2Fixture fixture;
    H2Connector connector;

    @BeforeEach
    void start() throws Exception {
        fixture = new H2Fixture();
        connector = H2Fixture.connector().build();
    }

    @AfterEach
    void stop() throws Exception {
        connector.close();
        fixture.close();
    }

    private List<H2wsSocket> openAll(URI uri, List<Recorder> recorders, int n) throws Exception {
        List<CompletableFuture<H2wsSocket>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            futures.add(new ClientBuilder(connector).transport(Transport.H2).buildH2ws(uri, r));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
        List<H2wsSocket> sockets = new ArrayList<>();
        for (CompletableFuture<H2wsSocket> f : futures) {
            sockets.add(f.join());
        }
        return sockets;
    }

    @Test
    @Timeout(60)
    void thousandSocketsEchoOnOneConnectionThenCloseInABurst() throws Exception {
        URI uri = fixture.ws("/echo");
        List<Recorder> recorders = new ArrayList<>();
        long t0 = System.nanoTime();
        List<H2wsSocket> sockets = openAll(uri, recorders, SOCKETS);
        long opened = System.nanoTime();
        assertEquals(1, connector.connectionCount(uri), "every socket shares one HTTP/2 connection");
        awaitOpenSockets(SOCKETS); // the server tracks a socket once its 200 is written, maybe after the client saw it

        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < SOCKETS; i++) {
            for (int j = 0; j < 3; j++) {
                sends.add(sockets.get(i).sendText("socket " + i + " message " + j, true));
            }
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < SOCKETS; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(new Rec.Text("socket " + i + " message " + j), recorders.get(i).next());
            }
        }
        long echoed = System.nanoTime();

        // the burst: every socket closes at once; none of it may cost the connection (no GOAWAY)
        Recorder sentinel = new Recorder();
        H2wsSocket survivor = new ClientBuilder(connector).transport(Transport.H2).buildH2ws(uri, sentinel).get(10, TimeUnit.SECONDS);
        for (H2wsSocket ws : sockets) {
            ws.sendClose(1000, "burst");
        }
        for (Recorder r : recorders) {
            assertEquals(new Rec.Close(1000, ""), r.awaitTerminal());
        }
        long closed = System.nanoTime();
        survivor.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Text("still here"), sentinel.next());
        assertEquals(1, connector.connectionCount(uri));
        LOG.info("{} sockets on one connection: open {} ms, 3 echoes each {} ms, close burst {} ms", SOCKETS,
                ms(opened - t0), ms(echoed - opened), ms(closed - echoed));
        survivor.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }

    /** Aborting a full connection's sockets at once sends 1,000 RST_STREAMs; Jetty's default rate control would GOAWAY. */
    @Test
    @Timeout(60)
    void burstOfThousandAbortsKeepsTheConnection() throws Exception {
        URI uri = fixture.ws("/echo");
        List<Recorder> recorders = new ArrayList<>();
        List<H2wsSocket> sockets = openAll(uri, recorders, SOCKETS);
        Recorder sentinel = new Recorder();
        H2wsSocket survivor = new ClientBuilder(connector).transport(Transport.H2).buildH2ws(uri, sentinel).get(10, TimeUnit.SECONDS);
        // streams reset within StreamChurnControl.EARLY of opening count as rapid reset (CVE-2023-44487),
        // of which a connection may send 200 in 10 s: sockets that lived a little are aborted freely
        Thread.sleep(StreamChurnControl.EARLY.toMillis() + 200);
        long t0 = System.nanoTime();
        for (H2wsSocket ws : sockets) {
            ws.abort();
        }
        // the server side sees each reset as an abnormal end
        awaitOpenSockets(1);
        LOG.info("{} aborts processed by the server in {} ms", SOCKETS, ms(System.nanoTime() - t0));
        survivor.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Text("still here"), sentinel.next());
        assertEquals(1, connector.connectionCount(uri));
        survivor.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }

    private void awaitOpenSockets(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (fixture.openSockets.size() != n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, fixture.openSockets.size(), "server sockets");
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
