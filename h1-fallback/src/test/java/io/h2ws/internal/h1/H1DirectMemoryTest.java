package io.h2ws.internal.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.JdkTempBuffers;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * Large messages over HTTP/1.1 do not leave message-sized direct buffers in every thread that
 * wrote one: the JDK copies a heap buffer written to a socket into a temporary direct buffer as
 * large as the buffer and keeps it cached in the thread ({@code sun.nio.ch.Util}); the h1 soak
 * kept ~400 MB that way. {@link EndPointCarrier} copies into pooled 64 KiB direct buffers instead.
 */
class H1DirectMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(H1DirectMemoryTest.class);

    @Test
    @Timeout(120)
    void largeMessagesLeaveNoMessageSizedBuffersInTheWritingThreads() throws Exception {
        Set<Thread> threads = Set.copyOf(Thread.getAllStackTraces().keySet());
        JdkTempBuffers.Cached before = JdkTempBuffers.cachedInThreadsNotIn(threads);
        try (H2wsServer server = H2wsServer.builder()
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build()).build().start();
             H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            Random random = new Random(11);
            List<Recorder> recorders = new ArrayList<>();
            List<H2wsSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Recorder r = new Recorder();
                recorders.add(r);
                sockets.add(client.newWebSocketBuilder().transport(Transport.H1).buildH2ws(uri, r).get(10, TimeUnit.SECONDS));
            }
            List<byte[]> sent = new ArrayList<>();
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int m = 0; m < 8; m++) {
                for (H2wsSocket s : sockets) {
                    byte[] b = new byte[200_000 + random.nextInt(100_000)];
                    random.nextBytes(b);
                    sent.add(b);
                    sends.add(s.sendBinary(ByteBuffer.wrap(b), true));
                }
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            for (int m = 0; m < 8; m++) {
                for (int i = 0; i < sockets.size(); i++) {
                    Rec r = recorders.get(i).next();
                    assertArrayEquals(sent.get(m * sockets.size() + i), assertInstanceOf(Rec.Binary.class, r).data());
                }
            }
            JdkTempBuffers.Cached after = JdkTempBuffers.cachedInThreadsNotIn(threads);
            long kib = (after.bytes() - before.bytes()) / 1024;
            LOG.info("16 sockets x 8 messages of 200-300 KB over HTTP/1.1: JDK temporary buffers cached in threads: {} ({} KiB, largest {} B)",
                    after.buffers() - before.buffers(), kib, after.largest());
            // Reads into 32 KiB heap buffers leave one such buffer per reading thread (bounded, by design);
            // before the fix each thread that wrote a message also kept one as large as the message.
            assertTrue(after.largest() <= 64 * 1024, "largest JDK temporary buffer cached: " + after.largest() + " bytes");
            for (H2wsSocket s : sockets) {
                s.sendClose(1000, "");
            }
            for (Recorder r : recorders) {
                r.awaitTerminal();
            }
        }
    }
}
