package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.WebSocket;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * RFC 8441 section 5.1: an aborted socket's stream ends with RST_STREAM(CANCEL); the reset ends
 * that socket alone (its peer reports 1006) and its siblings on the connection carry on.
 */
class H2ResetTest {

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

    private static void assertEchoes(H2wsSocket ws, Recorder r, String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        assertEquals(new Rec.Text(text), r.next());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientAbortEndsOnlyThatSocket(boolean secure) throws Exception {
        Recorder b = new Recorder();
        Recorder c = new Recorder();
        H2wsSocket sibling1 = open(fixture.uri(secure, "/echo"), b);
        Recorder a = new Recorder();
        H2wsSocket victim = open(fixture.uri(secure, "/record"), a);
        H2wsSocket sibling2 = open(fixture.uri(secure, "/echo"), c);
        Recorder serverSide = fixture.recorders.get(0);
        serverSide.opened.get(10, TimeUnit.SECONDS);
        assertEchoes(sibling1, b, "before");

        victim.abort();
        assertEquals(1006, ((Rec.Close) serverSide.awaitTerminal()).code(), "the server socket sees an abnormal close");

        assertEchoes(sibling1, b, "after 1");
        assertEchoes(sibling2, c, "after 2");
        assertEquals(1, connector.connectionCount(fixture.uri(secure, "/")));
        sibling1.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        sibling2.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverAbortEndsOnlyThatSocket(boolean secure) throws Exception {
        Recorder b = new Recorder();
        H2wsSocket sibling = open(fixture.uri(secure, "/echo"), b);
        Recorder a = new Recorder();
        open(fixture.uri(secure, "/record"), a);
        WebSocket serverSocket = fixture.recorders.get(0).opened.get(10, TimeUnit.SECONDS);

        serverSocket.abort();
        Rec end = a.awaitTerminal();
        assertEquals(1006, ((Rec.Close) end).code(), "the client socket reports 1006: " + end);

        assertEchoes(sibling, b, "still fine");
        sibling.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }
}
