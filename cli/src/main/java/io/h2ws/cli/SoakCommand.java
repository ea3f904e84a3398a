package io.h2ws.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.h2ws.H2wsServer;
import io.h2ws.cli.soak.SoakMessage;
import io.h2ws.cli.soak.SoakResult;
import io.h2ws.cli.soak.SoakRun;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.socket.WebSocketOptions;

/**
 * {@code h2ws soak}: many sockets per transport for a long time, every message sequence-numbered
 * and checksummed end to end, against an embedded echo server or a running {@code serve}. Exit
 * code 1 when anything was lost, duplicated, reordered or corrupted, or a socket ended badly.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Run many checked sockets per transport for a while; count lost, duplicated, reordered and corrupted messages.")
final class SoakCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--transports", split = ",", defaultValue = "h1,h2,h2msg",
            description = "Transports: h1, h2 (RFC 8441), h2msg (HTTP/2 message mapping). Default ${DEFAULT-VALUE}.")
    List<String> transports;

    @Option(names = "--sockets", defaultValue = "1000", description = "Sockets per transport (default ${DEFAULT-VALUE}).")
    int sockets;

    @Option(names = "--seconds", defaultValue = "60", description = "Seconds of traffic per transport (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--drain", defaultValue = "30", description = "Seconds to wait for the last echoes (default ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--window", defaultValue = "4", description = "Messages in flight per socket (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--max-size", defaultValue = "1048576",
            description = "Largest payload in bytes; 90%% are below 4 KiB, 9%% below 64 KiB (default ${DEFAULT-VALUE}).")
    int maxSize;

    @Option(names = "--ping-chance", defaultValue = "0.02", description = "Chance of a Ping after each message (default ${DEFAULT-VALUE}).")
    double pingChance;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed for sizes, payloads, fragmentation (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--settle", defaultValue = "0",
            description = "Seconds to wait after the last close before the final heap figure (default ${DEFAULT-VALUE}).")
    double settle;

    @Option(names = "--url", paramLabel = "URL", description = "Echo endpoint of a running server (e.g. ws://127.0.0.1:8080/echo); default: an embedded one.")
    URI url;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (String t : transports) {
            if (!List.of("h1", "h2", "h2msg").contains(t)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown transport " + t + " (h1, h2, h2msg)");
            }
        }
        if (sockets <= 0 || seconds <= 0 || drain < 0 || settle < 0 || window <= 0 || maxSize < 0 || pingChance < 0 || pingChance > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "sockets, seconds and window must be positive; drain and max-size not negative; ping-chance in [0, 1]");
        }
        SoakRun.Config cfg = new SoakRun.Config(sockets, Duration.ofMillis((long) (seconds * 1000)),
                Duration.ofMillis((long) (drain * 1000)), window, maxSize, seed, pingChance, 64,
                Duration.ofMillis((long) (settle * 1000)));
        SoakMessage messages = new SoakMessage(maxSize, seed);
        List<SoakResult> results = new ArrayList<>();
        H2wsServer server = null;
        String budget = null;
        try {
            URI uri = url;
            if (uri == null) {
                long limit = SoakMessage.HEADER + (long) maxSize + 1024;
                server = H2wsServer.builder().port(0)
                        .maxConcurrentStreams(Math.max(1024, sockets + 16))
                        .endpoint(Endpoint.builder("/echo").listener(EchoListener::new)
                                .options(WebSocketOptions.builder().maxMessageSize(limit).maxFrameSize(limit).build())
                                .build())
                        .build().start();
                uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            }
            H2wsServer s = server;
            for (int i = 0; i < transports.size(); i++) {
                results.add(SoakRun.run(transports.get(i), i + 1, uri, cfg, messages, s == null ? null : s::openSockets,
                        io.h2ws.cli.soak.ServerPool.of(s), err));
            }
        } finally {
            if (server != null) {
                budget = String.format(Locale.ROOT, "server memory budget: peak %d KiB of %d KiB per connection, %d B still counted",
                        server.peakBufferedBytes() >> 10, server.limits().connectionBudget() >> 10, server.bufferedBytes());
                server.close();
            }
        }
        Runtime rt = Runtime.getRuntime();
        out.printf(Locale.ROOT, "h2ws soak: %d sockets per transport, %.0f s each, window %d, payload 0..%d B, seed %d, %s%n",
                sockets, seconds, window, maxSize, seed, url == null ? "embedded server" : url.toString());
        out.printf(Locale.ROOT, "%s %s, %d CPUs, max heap %d MiB%n%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), rt.availableProcessors(), rt.maxMemory() >> 20);
        SoakResult.print(out, results);
        if (budget != null) {
            out.println(budget);
        }
        boolean clean = results.stream().allMatch(SoakResult::clean);
        out.println(clean ? "soak: clean" : "soak: FAILED");
        out.flush();
        return clean ? 0 : 1;
    }
}
