package io.h2ws.cli.trace;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.trace.JsonLinesTraceWriter;

/**
 * {@code h2ws trace demo --out FILE}: three sockets on one HTTP/2 connection to an embedded
 * server, traced on the client. Two ping-pong small text messages with /echo all along; the
 * third sends 640 KiB at once to /slow, whose listener reads nothing for {@code --pause}
 * seconds: its stream's send window (256 KiB) runs dry while the siblings go on.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Trace 3 sockets on one HTTP/2 connection, one of them starved by a reader that pauses.")
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "h2ws-demo-trace.jsonl", description = "Trace file to write (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--pause", paramLabel = "SECONDS", defaultValue = "1.0", description = "Seconds the slow reader reads nothing (default ${DEFAULT-VALUE}).")
    double pause;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "2.0", description = "Seconds the siblings ping-pong (default ${DEFAULT-VALUE}).")
    double seconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "h2ws-demo-slow-reader");
            t.setDaemon(true);
            return t;
        });
        long pauseMillis = Math.round(pause * 1000);
        Endpoint slow = Endpoint.builder("/slow").listener(() -> new WebSocket.Listener() {
            @Override
            public void onOpen(WebSocket ws) {
                // read nothing for a while, then everything
                timer.schedule(() -> ws.request(Long.MAX_VALUE), pauseMillis, TimeUnit.MILLISECONDS);
            }
        }).build();
        try (JsonLinesTraceWriter trace = new JsonLinesTraceWriter(out, "client");
             H2wsServer server = H2wsServer.builder().endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                     .endpoint(slow).build().start();
             H2wsClient client = H2wsClient.create(null, trace)) {
            URI base = URI.create("ws://127.0.0.1:" + server.port());
            List<H2wsSocket> siblings = new ArrayList<>();
            List<PingPong> players = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                PingPong p = new PingPong("sibling " + i);
                siblings.add(client.newWebSocketBuilder().transport(Transport.H2).buildH2ws(base.resolve("/echo"), p).get(10, TimeUnit.SECONDS));
                players.add(p);
            }
            H2wsSocket starved = client.newWebSocketBuilder().transport(Transport.H2)
                    .buildH2ws(base.resolve("/slow"), new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < siblings.size(); i++) {
                players.get(i).start(siblings.get(i));
            }
            Thread.sleep(100);
            byte[] chunk = new byte[16 * 1024];
            CompletableFuture<?> last = null;
            for (int i = 0; i < 40; i++) {
                last = starved.sendBinary(ByteBuffer.wrap(chunk), true);
            }
            Thread.sleep(Math.round(seconds * 1000));
            last.get(10, TimeUnit.SECONDS);
            for (PingPong p : players) {
                p.stop();
            }
            List<CompletableFuture<?>> closes = new ArrayList<>();
            for (H2wsSocket s : siblings) {
                closes.add(s.sendClose(1000, "demo over"));
            }
            closes.add(starved.sendClose(1000, "demo over"));
            CompletableFuture.allOf(closes.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
            Thread.sleep(200); // the server's Close replies
            console.println("starved socket: " + starved.stats().describe());
            console.println("sibling socket: " + siblings.get(0).stats().describe());
        } finally {
            timer.shutdownNow();
        }
        console.println("wrote " + out + "; next: ./h2ws trace summarize " + out + "; ./h2ws trace timeline " + out + " --out trace-timeline.svg");
        console.flush();
        return 0;
    }

    /** Sends a short text, waits for its echo, sends the next, every 20 ms. */
    static final class PingPong implements WebSocket.Listener {
        private final String name;
        private volatile boolean running;
        private volatile WebSocket ws;
        private int n;

        PingPong(String name) {
            this.name = name;
        }

        void start(WebSocket socket) {
            ws = socket;
            running = true;
            socket.sendText(name + " #" + n++, true);
        }

        void stop() {
            running = false;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            socket.request(1);
            if (running) {
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS).execute(() -> {
                    if (running) {
                        socket.sendText(name + " #" + n++, true);
                    }
                });
            }
            return null;
        }
    }
}
