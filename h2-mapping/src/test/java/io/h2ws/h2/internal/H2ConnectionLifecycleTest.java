package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.SessionContainer;
import org.eclipse.jetty.http2.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** GOAWAY and connection loss (RFC 9113 sections 6.8 and 5.4.1) as the sockets on a connection see them. */
class H2ConnectionLifecycleTest {

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

    private H2wsSocket open(URI uri, Recorder r) throws Exception {
        return new ClientBuilder(connector).transport(Transport.H2).buildH2ws(uri, r).get(10, TimeUnit.SECONDS);
    }

    /** GOAWAY(last stream = the open socket's) from the server's only session: no new streams there, the open one may finish. */
    private void goAwayFromTheServer() {
        List<Session> sessions = new ArrayList<>(fixture.clearH2.getBean(SessionContainer.class).getSessions());
        assertEquals(1, sessions.size());
        sessions.get(0).close(org.eclipse.jetty.http2.ErrorCode.NO_ERROR.code, "maintenance", org.eclipse.jetty.util.Callback.NOOP);
    }

    private static void assertEchoes(H2wsSocket ws, Recorder r, String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Text(text), r.next());
    }

    /** After a graceful GOAWAY the open socket finishes on the old connection; a new socket gets a new one. */
    @Test
    void goAwayMovesNewSocketsToANewConnection() throws Exception {
        URI uri = fixture.ws("/echo");
        Recorder a = new Recorder();
        H2wsSocket old = open(uri, a);
        goAwayFromTheServer();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Recorder b = new Recorder();
        H2wsSocket fresh = null;
        while (fresh == null) {
            try {
                fresh = open(uri, b); // may race the GOAWAY on its way; then it is refused and we retry
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                b = new Recorder();
            }
        }
        assertEchoes(fresh, b, "new connection");
        assertEchoes(old, a, "old connection still carries its socket");
        assertEquals(2, connector.connectionCount(uri));

        old.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        a.awaitTerminal();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connector.connectionCount(uri) != 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, connector.connectionCount(uri), "the drained connection closes");
        assertEchoes(fresh, b, "still fine");
    }

    /**
     * The last stream of a connection under GOAWAY completes its close handshake; the server then
     * closes the connection. The server's Close (with END_STREAM) reached the client just before
     * the connection's end, which Jetty reports at once while the Close is still on its way to the
     * socket: that must not turn the clean close into 1006 (RFC 6455 section 7.1.5: the closing
     * handshake completed, so the close is 1000). Failed on every run before the fix.
     */
    @Test
    void closeHandshakeFinishedBeforeTheConnectionClosesIsClean() throws Exception {
        URI uri = fixture.ws("/echo");
        Recorder a = new Recorder();
        H2wsSocket ws = open(uri, a);
        goAwayFromTheServer();

        ws.sendClose(1000, "bye").get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connector.connectionCount(uri) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, connector.connectionCount(uri), "the server closed the drained connection");
        Rec end = a.awaitTerminal();
        assertEquals(1000, assertInstanceOf(Rec.Close.class, end).code(), "a clean close: " + end);
    }

    /** Losing the connection ends every socket on it with 1006, on both sides (RFC 6455 section 7.1.5). */
    @Test
    void connectionLossIs1006ForEverySocket() throws Exception {
        URI uri = fixture.ws("/record");
        Recorder c1 = new Recorder();
        Recorder c2 = new Recorder();
        open(uri, c1);
        open(uri, c2);
        Recorder s1 = H2EchoTestSupport.awaitRecorder(fixture, 0);
        Recorder s2 = H2EchoTestSupport.awaitRecorder(fixture, 1);
        s1.opened.get(10, TimeUnit.SECONDS);
        s2.opened.get(10, TimeUnit.SECONDS);

        connector.close();
        for (Recorder r : List.of(c1, c2, s1, s2)) {
            Rec end = r.awaitTerminal();
            assertEquals(1006, ((Rec.Close) end).code(), "abnormal closure: " + end);
        }
    }
}
