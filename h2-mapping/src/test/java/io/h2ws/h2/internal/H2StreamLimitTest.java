package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/** At the server's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 section 5.1.2) new sockets wait or use another connection. */
class H2StreamLimitTest {

    H2Fixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new H2Fixture(f -> f.setMaxConcurrentStreams(2));
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static CompletableFuture<H2wsSocket> open(H2Connector c, URI uri, Recorder r) {
        return new ClientBuilder(c).transport(Transport.H2).buildH2ws(uri, r);
    }

    @Test
    void thirdSocketWaitsForAFreeStream() throws Exception {
        try (H2Connector c = H2Fixture.connector().build()) {
            URI uri = fixture.ws("/echo");
            Recorder r1 = new Recorder();
            H2wsSocket s1 = open(c, uri, r1).get(10, TimeUnit.SECONDS);
            H2wsSocket s2 = open(c, uri, new Recorder()).get(10, TimeUnit.SECONDS);
            Recorder r3 = new Recorder();
            CompletableFuture<H2wsSocket> third = open(c, uri, r3);
            assertThrows(TimeoutException.class, () -> third.get(300, TimeUnit.MILLISECONDS), "no stream free yet");

            s1.sendClose(1000, "make room").get(10, TimeUnit.SECONDS);
            r1.awaitTerminal();
            H2wsSocket s3 = third.get(10, TimeUnit.SECONDS);
            s3.sendText("in", true).get(10, TimeUnit.SECONDS);
            assertEquals(new Rec.Text("in"), r3.next());
            assertEquals(1, c.connectionCount(uri));
            s2.abort();
            s3.abort();
        }
    }

    @Test
    void waitingIsBoundedByTheConnectTimeout() throws Exception {
        try (H2Connector c = H2Fixture.connector().connectTimeout(Duration.ofMillis(500)).build()) {
            URI uri = fixture.ws("/echo");
            open(c, uri, new Recorder()).get(10, TimeUnit.SECONDS);
            open(c, uri, new Recorder()).get(10, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> open(c, uri, new Recorder()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(HttpConnectTimeoutException.class, e.getCause());
        }
    }

    @Test
    void newConnectionPolicyOpensASecondConnection() throws Exception {
        try (H2Connector c = H2Fixture.connector().streamLimitPolicy(H2Connector.StreamLimitPolicy.NEW_CONNECTION).build()) {
            URI uri = fixture.ws("/echo");
            Recorder[] r = new Recorder[5];
            H2wsSocket[] s = new H2wsSocket[5];
            for (int i = 0; i < 5; i++) {
                r[i] = new Recorder();
                s[i] = open(c, uri, r[i]).get(10, TimeUnit.SECONDS);
            }
            assertEquals(3, c.connectionCount(uri), "2 + 2 + 1 streams");
            for (int i = 0; i < 5; i++) {
                s[i].sendText("n" + i, true).get(10, TimeUnit.SECONDS);
                assertEquals(new Rec.Text("n" + i), r[i].next());
            }
        }
    }
}
