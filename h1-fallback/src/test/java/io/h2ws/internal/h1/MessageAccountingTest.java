package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * Every accepted message arrives, once, in order, byte for byte, on every transport: many new
 * sockets each send messages of 1 B to 20 KB (across the 4 KiB and 64 KiB boundaries of the write
 * path) round-robin from one thread, and every echo is compared with what was sent. This is the
 * check that found the lost HTTP/2 message (spec-notes/soak.md, "The lost message"), applied to
 * HTTP/1.1 and the message mapping as well as RFC 8441.
 */
class MessageAccountingTest {

    private static final int MESSAGES = 20;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"H1, false, 100", "H2, false, 200", "H2, true, 200"})
    @Timeout(120)
    void everySentMessageIsEchoedOnceInOrderIntact(Transport transport, boolean messageMapping, int sockets) throws Exception {
        try (H2wsServer server = H2wsServer.builder()
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build()).build().start();
             H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            List<Recorder> recorders = new ArrayList<>();
            List<CompletableFuture<H2wsSocket>> opening = new ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                Recorder r = new Recorder();
                recorders.add(r);
                opening.add(client.newWebSocketBuilder().transport(transport).messageMapping(messageMapping).buildH2ws(uri, r));
            }
            CompletableFuture.allOf(opening.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            Random random = new Random(17);
            byte[][] sent = new byte[sockets * MESSAGES][];
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int m = 0; m < MESSAGES; m++) {
                for (int i = 0; i < sockets; i++) {
                    byte[] b = new byte[1 + random.nextInt(20_000)];
                    random.nextBytes(b);
                    sent[i * MESSAGES + m] = b;
                    sends.add(opening.get(i).join().sendBinary(ByteBuffer.wrap(b), true));
                }
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < sockets; i++) {
                for (int m = 0; m < MESSAGES; m++) {
                    Rec r = recorders.get(i).events.poll(10, TimeUnit.SECONDS);
                    assertNotNull(r, "socket " + i + ": message " + m + " of " + MESSAGES + " never came back");
                    assertArrayEquals(sent[i * MESSAGES + m], assertInstanceOf(Rec.Binary.class, r).data(),
                            "socket " + i + " message " + m);
                }
            }
            for (CompletableFuture<H2wsSocket> f : opening) {
                f.join().sendClose(1000, "");
            }
            for (int i = 0; i < sockets; i++) {
                recorders.get(i).awaitTerminal();
                Rec extra = recorders.get(i).events.poll();
                assertNull(extra == null || extra instanceof Rec.Close ? null : extra, "socket " + i + ": a duplicate after the last echo");
            }
        }
    }
}
