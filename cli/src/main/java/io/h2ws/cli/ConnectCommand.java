package io.h2ws.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.h2ws.H2wsClient;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.client.ClientBuilder;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.socket.RealWebSocket;

/** {@code h2ws connect}: lines of stdin become text messages; messages received are printed. */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Interactive client: each stdin line is sent as a text message; EOF closes.")
final class ConnectCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "ws:// or wss:// URL")
    URI url;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|h1|h2|h2msg",
            description = "auto, h1, h2 or h2msg (HTTP/2 with the experimental message mapping); default ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = "--subprotocol", description = "Offer this subprotocol (repeatable; default: none).")
    List<String> subprotocols = new ArrayList<>();

    @Option(names = "--header", description = "Add a request header 'Name: value' (repeatable; default: none).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--insecure", description = "Trust any TLS certificate (for self-signed test servers).")
    boolean insecure;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Trust the TLS certificate(s) in FILE (PEM) instead of the JVM's default authorities (default: the JDK's trust store).")
    java.nio.file.Path cacert;

    @Option(names = "--deflate", description = "Offer permessage-deflate (RFC 7692) with the default settings.")
    boolean deflate;

    @Option(names = "--connect-timeout", defaultValue = "10", paramLabel = "SECONDS", description = "Seconds to connect and handshake (default ${DEFAULT-VALUE}).")
    int connectTimeout;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write a JSON-lines trace of the connection (spec-notes/trace.md; default: no trace).")
    java.nio.file.Path trace;

    @Option(names = "--pings", defaultValue = "0", paramLabel = "N",
            description = "Before closing, send N WebSocket pings one after another and report their round trip in the stats line"
                    + " (default: ${DEFAULT-VALUE}).")
    int pings;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (url.getScheme() == null || !url.getScheme().matches("(?i)wss?")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "URL must start with ws:// or wss://: " + url);
        }
        if (insecure && cacert != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--insecure trusts any certificate: drop --cacert, or drop --insecure");
        }
        SSLContext tls;
        try {
            tls = insecure ? trustAll() : cacert != null ? ConnectErrors.trusting(cacert) : null;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cacert " + cacert + ": " + e.getMessage());
        }
        try (io.h2ws.trace.JsonLinesTraceWriter traceWriter = trace == null ? null : new io.h2ws.trace.JsonLinesTraceWriter(trace, "client");
             H2wsClient client = H2wsClient.create(tls, traceWriter, true)) {
            ClientBuilder b = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(connectTimeout));
            switch (transport.toLowerCase()) {
                case "auto" -> b.transport(Transport.AUTO);
                case "h1" -> b.transport(Transport.H1);
                case "h2" -> b.transport(Transport.H2);
                case "h2msg" -> b.messageMapping(true);
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--transport is auto, h1, h2 or h2msg, not " + transport);
            }
            if (deflate) {
                b.deflate(DeflateConfig.defaults());
            }
            if (!subprotocols.isEmpty()) {
                b.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(new String[0]));
            }
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--header needs 'Name: value', got " + h);
                }
                b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            CompletableFuture<String> closed = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> pongs =
                    new java.util.concurrent.atomic.AtomicReference<>(new CompletableFuture<>());
            WebSocket.Listener printer = new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    received.incrementAndGet();
                    text.append(data);
                    if (last) {
                        synchronized (out) {
                            out.println(text);
                            out.flush();
                        }
                        text.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                    received.incrementAndGet();
                    synchronized (out) {
                        out.println("[binary " + data.remaining() + " bytes" + (last ? "" : ", more follows") + "]");
                        out.flush();
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
                    pongs.get().complete(null);
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + (reason.isEmpty() ? "" : " " + reason));
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    closed.completeExceptionally(error);
                }
            };
            H2wsSocket ws;
            try {
                ws = b.buildH2ws(url, printer).get(connectTimeout + 5L, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                err.println(ConnectErrors.explain(url, transport.toLowerCase(), e.getCause()));
                err.flush();
                return 1;
            }
            err.println("connected to " + url + " over " + (ws.transport() == Transport.H2 ? "HTTP/2" : "HTTP/1.1")
                    + (ws.isSecure() ? " with TLS" : "") + ", mapping " + ws.wireMapping()
                    + ", subprotocol " + (ws.getSubprotocol().isEmpty() ? "(none)" : ws.getSubprotocol())
                    + ", compression " + (ws instanceof RealWebSocket r && r.isCompressing() ? "permessage-deflate" : "(none)"));
            err.flush();
            // stdin is read on its own thread so a close from the server ends the command at once
            CompletableFuture<Void> eof = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String line;
                    while (!closed.isDone() && (line = in.readLine()) != null) {
                        ws.sendText(line, true).get(30, TimeUnit.SECONDS);
                    }
                    eof.complete(null);
                } catch (Exception e) {
                    eof.completeExceptionally(e);
                }
            }, "h2ws-connect-stdin");
            reader.setDaemon(true);
            reader.start();
            CompletableFuture.anyOf(closed, eof).exceptionally(e -> null).get();
            if (!closed.isDone() && "h2-message".equals(ws.wireMapping())) {
                // message mapping section 4: after our Close the peer's messages are discarded, so
                // let the replies to what we sent arrive first (quiet for 300 ms, at most 3 s)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                long seen = -1;
                while (System.nanoTime() < deadline && !closed.isDone() && received.get() != seen) {
                    seen = received.get();
                    Thread.sleep(300);
                }
            }
            for (int i = 0; i < pings && !closed.isDone() && !ws.isOutputClosed(); i++) {
                pongs.set(new CompletableFuture<>());
                ws.sendPing(ByteBuffer.wrap(("rtt" + i).getBytes(StandardCharsets.US_ASCII))).get(10, TimeUnit.SECONDS);
                try {
                    pongs.get().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    err.println("h2ws: no pong within 10 s");
                    break;
                }
            }
            String h2Line = null;
            if (ws.transport() == Transport.H2 && !closed.isDone()) {
                // one HTTP/2 PING for the connection's round trip (it adds no WebSocket frame)
                try {
                    client.h2().ping(url).get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    err.println("h2ws: HTTP/2 PING unanswered: " + e);
                }
                h2Line = client.h2().connectionStats().stream().map(io.h2ws.trace.ConnectionStats::describe)
                        .reduce((a, c) -> a + System.lineSeparator() + "h2: " + c).orElse(null);
            }
            if (!closed.isDone() && !ws.isOutputClosed()) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            }
            String how;
            try {
                how = closed.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                err.println("h2ws: connection failed: " + e.getCause().getMessage());
                err.println("stats: " + ws.stats().describe());
                return 1;
            }
            err.println("stats: " + ws.stats().describe());
            if (h2Line != null) {
                err.println("h2: " + h2Line);
            }
            err.println("closed: " + how);
            err.flush();
            return how.startsWith("1000") || how.startsWith("1001") ? 0 : 1;
        }
    }

    private static SSLContext trustAll() throws Exception {
        // an extended trust manager: the JDK then skips its own host-name check, as --insecure asks
        TrustManager tm = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
        return ctx;
    }
}
