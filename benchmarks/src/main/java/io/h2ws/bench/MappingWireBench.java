package io.h2ws.bench;

import java.net.URI;
import java.util.Locale;

import io.h2ws.H2wsServer;
import io.h2ws.cli.EchoServer;
import io.h2ws.cli.measure.H2wsLoadClients;
import io.h2ws.cli.measure.LoadClient;
import io.h2ws.cli.measure.Workloads.Payload;

/**
 * What the experimental message mapping saves on the wire against RFC 8441 framing (and HTTP/1.1),
 * measured, not computed: every byte of the TCP connection is counted by a loopback relay while
 * one socket echoes uncompressed random messages of 16 B, 1 KiB and 64 KiB, one in flight.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.MappingWireBench [messages]</pre>
 */
public final class MappingWireBench {

    private MappingWireBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int[] sizes = {16, 1024, 64 * 1024};
        String[] kinds = {"h2ws-h1", "h2ws-h2", "h2ws-h2msg"};
        System.out.println("| transport | size | wire B/msg client->server | overhead | wire B/msg server->client | overhead | echoes/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        try (H2wsServer server = EchoServer.start(0, false)) {
            for (int size : sizes) {
                for (String kind : kinds) {
                    try (DeflateWireBench.Relay relay = new DeflateWireBench.Relay(server.port())) {
                        LoadClient client = H2wsLoadClients.create(kind, URI.create("ws://127.0.0.1:" + relay.port() + "/echo"));
                        try {
                            int n = size >= 65536 ? Math.max(50, messages / 20) : messages;
                            DeflateWireBench.Row r = DeflateWireBench.measure(client, relay, Payload.RANDOM, size, Math.max(20, n / 5), n);
                            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.0f |%n", kind.replace("h2ws-", ""),
                                    size, r.upPerMsg(), r.upPerMsg() - size, r.downPerMsg(), r.downPerMsg() - size, r.perSecond());
                        } finally {
                            client.close();
                        }
                    }
                }
            }
        }
    }
}
