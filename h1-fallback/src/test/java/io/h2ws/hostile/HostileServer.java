package io.h2ws.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.WebSocketOptions;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * The one-port server under attack, with a well-behaved client that must still be served
 * (the "sentinel"): /echo echoes, /rec records what each socket receives (server side),
 * /small is /rec with a 50,000-byte message limit.
 */
final class HostileServer implements AutoCloseable {

    final H2wsServer server;
    final H2wsClient client = H2wsClient.create();
    /** The server-side recorders of /rec and /small sockets, in the order they opened. */
    final BlockingQueue<Recorder> recorders = new LinkedBlockingQueue<>();

    HostileServer(UnaryOperator<H2wsServer.Builder> tune) throws Exception {
        H2wsServer.Builder b = H2wsServer.builder()
                .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                .endpoint(Endpoint.builder("/rec").listener(this::recorder).build())
                .endpoint(Endpoint.builder("/stall").listener(() -> new java.net.http.WebSocket.Listener() {
                    @Override
                    public void onOpen(java.net.http.WebSocket ws) {
                        // never requests: nothing is read, so the stream window is never credited
                    }
                }).build())
                .endpoint(Endpoint.builder("/small").options(WebSocketOptions.builder().maxMessageSize(50_000).build())
                        .listener(this::recorder).build());
        server = tune.apply(b).build().start();
    }

    private Recorder recorder() {
        Recorder r = new Recorder();
        recorders.add(r);
        return r;
    }

    Recorder nextRecorder() throws InterruptedException {
        Recorder r = recorders.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no server socket opened");
        }
        return r;
    }

    int port() {
        return server.port();
    }

    /**
     * A well-behaved client opens a socket on {@code t}, gets an echo and closes cleanly;
     * returns the milliseconds it took. Fails the test if it is not served within 10 s.
     */
    long sentinel(Transport t) throws Exception {
        long t0 = System.nanoTime();
        Recorder r = new Recorder();
        H2wsSocket s = client.newWebSocketBuilder().transport(t).connectTimeout(Duration.ofSeconds(10))
                .buildH2ws(URI.create("ws://127.0.0.1:" + port() + "/echo"), r).get(10, TimeUnit.SECONDS);
        s.sendText("sentinel", true);
        assertEquals("sentinel", r.next(Rec.Text.class).text());
        s.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        assertEquals(1000, ((Rec.Close) r.awaitTerminal()).code());
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The sentinel on both transports; returns the slower time. */
    long sentinels() throws Exception {
        return Math.max(sentinel(Transport.H1), sentinel(Transport.H2));
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.stop(Duration.ofSeconds(2));
    }
}
