package io.h2ws.h2.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.client.ClientBuilder;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * request(n) is HTTP/2 flow control (RFC 9113 section 5.2): a socket whose reader stalls closes
 * its own stream window, so the sender stops, its queue stays bounded, and siblings on the same
 * connection are not slowed.
 */
class H2FlowControlTest {

    private static final Logger LOG = LoggerFactory.getLogger(H2FlowControlTest.class);
    private static final int MESSAGE = 64 * 1024;

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

    @Test
    @Timeout(60)
    void stalledReaderStopsItsSenderOnlyAndTheQueueStaysBounded() throws Exception {
        long maxQueued = 1 << 20;
        H2wsSocket stalled = new ClientBuilder(connector).transport(Transport.H2)
                .options(WebSocketOptions.builder().maxQueuedBytes(maxQueued).build())
                .buildH2ws(fixture.ws("/stall"), new Recorder()).get(10, TimeUnit.SECONDS);
        Recorder echoRec = new Recorder();
        H2wsSocket sibling = new ClientBuilder(connector).transport(Transport.H2)
                .buildH2ws(fixture.ws("/echo"), echoRec).get(10, TimeUnit.SECONDS);

        List<CompletableFuture<?>> sends = new ArrayList<>();
        int failedFast = 0;
        for (int i = 0; i < 64; i++) { // 4 MiB against a 256 KiB stream window and a 1 MiB queue
            CompletableFuture<WebSocket> f = stalled.sendBinary(ByteBuffer.allocate(MESSAGE), true);
            if (f.isCompletedExceptionally()) {
                failedFast++;
                assertTrue(f.handle((w, e) -> e.getMessage()).join().contains("send queue full"));
            } else {
                sends.add(f);
            }
        }
        assertTrue(failedFast > 0, "with the queue full, sends fail at once instead of growing the heap");

        // the sibling shares the connection and is not held up by the stalled stream
        Random random = new Random(7);
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            byte[] bytes = new byte[MESSAGE];
            random.nextBytes(bytes);
            sibling.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(bytes, echoRec.next(Rec.Binary.class).data());
        }
        long siblingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        long completed = sends.stream().filter(CompletableFuture::isDone).count();
        LOG.info("stalled socket: {} of 64 sends completed, {} failed fast; sibling 20 x 64 KiB echoes in {} ms",
                completed, failedFast, siblingMs);
        // the stream window (256 KiB) bounds what can be written while nobody reads, plus one message in flight
        assertTrue(completed * MESSAGE <= H2ServerConnectionFactory.DEFAULT_STREAM_RECV_WINDOW + 2L * MESSAGE,
                "sends stop completing at the stream window: " + completed);

        // the reader resumes: everything queued is delivered
        WebSocket serverSide = fixture.stalled.get(0);
        serverSide.request(Long.MAX_VALUE);
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
        stalled.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        sibling.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        assertEquals(1, connector.connectionCount(fixture.ws("/")));
    }
}
