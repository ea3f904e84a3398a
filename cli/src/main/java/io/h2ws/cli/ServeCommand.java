package io.h2ws.cli;

import java.io.FileInputStream;
import java.io.PrintWriter;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.h2ws.H2wsServer;

/** {@code h2ws serve}: one cleartext port (HTTP/1.1 and h2c) and one TLS port (ALPN h2, http/1.1). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve /echo and the demo page over HTTP/1.1, h2c and TLS (h2, http/1.1).")
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Cleartext port, 0 for any (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--tls-port", paramLabel = "PORT", defaultValue = "8443", description = "TLS port, 0 for any (default: ${DEFAULT-VALUE}).")
    int tlsPort;

    @Option(names = "--no-tls", description = "Serve cleartext only (default: TLS too, on --tls-port).")
    boolean noTls;

    @Option(names = "--keystore", paramLabel = "FILE", description = "PKCS12 key store for TLS (default: a self-signed certificate made at start).")
    String keystore;

    @Option(names = "--keystore-password", paramLabel = "PASSWORD", description = "Password of --keystore (default: empty).", defaultValue = "")
    String keystorePassword;

    @Option(names = "--max-streams", paramLabel = "N", defaultValue = "1024", description = "Sockets per HTTP/2 connection (default: ${DEFAULT-VALUE}).")
    int maxStreams;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write a JSON-lines trace of every connection (spec-notes/trace.md; default: no trace).")
    java.nio.file.Path trace;

    @Option(names = "--trace-max-size", defaultValue = "100M", paramLabel = "SIZE",
            description = "With --trace: when FILE reaches SIZE bytes (suffix k, M or G: 1024-based), it becomes FILE.1, older"
                    + " ones FILE.2...; 0 for no limit (default: ${DEFAULT-VALUE}).")
    String traceMaxSize;

    @Option(names = "--trace-keep", defaultValue = "2", paramLabel = "N",
            description = "With --trace: rotated files kept besides FILE; disk use stays under (N + 1) x --trace-max-size"
                    + " (default: ${DEFAULT-VALUE}).")
    int traceKeep;

    @Option(names = "--trace-sample", defaultValue = "1", paramLabel = "N",
            description = "With --trace: record about 1 socket in N, each whole (HTTP/2 connection frames always);"
                    + " 1 records all (default: ${DEFAULT-VALUE}).")
    int traceSample;

    @Option(names = "--no-deflate", description = "Decline permessage-deflate (RFC 7692) on /echo; accepted by default.")
    boolean noDeflate;

    @Option(names = "--h2-ping-interval", defaultValue = "0", paramLabel = "SECONDS",
            description = "Send an HTTP/2 PING on each connection with open sockets this long after the last one was"
                    + " answered, to find clients that vanished; 0 for off (default: ${DEFAULT-VALUE}). E.g. 30.")
    double h2PingInterval;

    @Option(names = "--h2-ping-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "With --h2-ping-interval: a PING not answered within this closes the connection and its"
                    + " sockets with 1006 (default: ${DEFAULT-VALUE}).")
    double h2PingTimeout;

    @Option(names = "--h2-max-frame-size", defaultValue = "" + io.h2ws.h2.internal.H2FrameSettings.MIN_MAX_FRAME_SIZE,
            paramLabel = "BYTES",
            description = "SETTINGS_MAX_FRAME_SIZE advertised on h2 and h2c: the largest DATA frame a client may send,"
                    + " 16384..16777215. Larger frames help a bulk upload a little and make the small messages of the"
                    + " connection's other sockets wait behind them (default: ${DEFAULT-VALUE}).")
    int h2MaxFrameSize;

    @Option(names = "--h2-stream-window", defaultValue = "" + io.h2ws.h2.internal.H2ServerConnectionFactory.DEFAULT_STREAM_RECV_WINDOW,
            paramLabel = "BYTES",
            description = "SETTINGS_INITIAL_WINDOW_SIZE: what a client may have in flight on one HTTP/2 socket, and what"
                    + " one socket that is not read leaves buffered; the connection window follows it"
                    + " (default: ${DEFAULT-VALUE}).")
    int h2StreamWindow;

    @Option(names = "--idle-timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "Close a socket with 1001 after this long with no frame either way, on both transports;"
                    + " 0 for never (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Option(names = "--max-sockets", defaultValue = "" + io.h2ws.server.ServerLimits.DEFAULT_MAX_SOCKETS,
            description = "Open sockets on all transports; beyond it a handshake gets 503 (default: ${DEFAULT-VALUE}).")
    int maxSockets;

    @Option(names = "--max-connections", defaultValue = "" + io.h2ws.server.ServerLimits.DEFAULT_MAX_CONNECTIONS,
            description = "TCP connections held; beyond it new ones wait in the accept queue (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--connection-memory", defaultValue = "0", paramLabel = "MIB",
            description = "MiB one connection may make the server buffer (send queues, received data, HTTP/2 windows);"
                    + " a connection over it is no longer read and its sends are refused. 0: the smaller of 256 MiB"
                    + " and an eighth of the heap (default: ${DEFAULT-VALUE}).")
    long connectionMemoryMib;

    @Option(names = "--server-memory", defaultValue = "0", paramLabel = "MIB",
            description = "MiB all sockets together may hold in send queues and received data. 0: half the heap"
                    + " (default: ${DEFAULT-VALUE}).")
    long serverMemoryMib;

    @Option(names = "--buffer-pool-memory", defaultValue = "0", paramLabel = "MIB",
            description = "MiB Jetty's buffer pool may keep for reuse, each of heap and direct. 0: Jetty's choice,"
                    + " an eighth of the heap each (default: ${DEFAULT-VALUE}).")
    long bufferPoolMib;

    @Option(names = "--max-accept-rate", defaultValue = "0", paramLabel = "PER_SECOND",
            description = "New connections accepted per second at most; 0 for no limit (default: ${DEFAULT-VALUE}).")
    int maxAcceptRate;

    private io.h2ws.server.ServerLimits limits() {
        io.h2ws.server.ServerLimits d = io.h2ws.server.ServerLimits.defaults();
        if (!(idleTimeout >= 0) || idleTimeout > 86_400 * 365) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--idle-timeout is 0.. seconds: " + idleTimeout);
        }
        if (maxSockets < 1 || maxConnections < 1 || connectionMemoryMib < 0 || serverMemoryMib < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-sockets and --max-connections must be positive, memory limits 0 (default) or positive");
        }
        return new io.h2ws.server.ServerLimits(Duration.ofMillis(Math.round(idleTimeout * 1000)), maxSockets, maxConnections,
                connectionMemoryMib == 0 ? d.connectionMemory() : connectionMemoryMib << 20,
                serverMemoryMib == 0 ? d.serverMemory() : serverMemoryMib << 20);
    }

    /** The server's trace: a size-limited file, sampled, or null without --trace. */
    private io.h2ws.trace.TraceListener traceListener() throws java.io.IOException {
        long max = size(traceMaxSize, "--trace-max-size");
        if (traceKeep < 0 || traceSample < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--trace-keep is 0 or more, --trace-sample 1 or more");
        }
        if (trace == null) {
            return null;
        }
        return io.h2ws.trace.TraceSampler.oneIn(traceSample, new io.h2ws.trace.JsonLinesTraceWriter(trace, "server", max, traceKeep));
    }

    /** "100M", "64k", "1G" (1024-based) or plain bytes. */
    long size(String text, String option) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kKmMgG]?)").matcher(text.trim());
        if (!m.matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " is bytes with an optional k, M or G: " + text);
        }
        int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
        } catch (ArithmeticException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " is too large: " + text);
        }
    }

    /** Seconds (decimals allowed) as a Duration; zero stays zero (off for the interval). */
    private Duration h2Keepalive(double seconds, String option) {
        if (!(seconds >= 0) || seconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " is 0..86400 seconds: " + seconds);
        }
        Duration d = Duration.ofNanos(Math.round(seconds * 1e9));
        if (option.equals("--h2-ping-interval") && !d.isZero() && d.toMillis() < 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " is 0 (off) or at least 0.02 seconds: " + seconds);
        }
        if (option.equals("--h2-ping-timeout") && d.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be positive");
        }
        return d;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (port < 0 || port > 65535 || tlsPort < 0 || tlsPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "ports are 0..65535");
        }
        try { // the builder's own checks, reported as a usage error with the option's name
            io.h2ws.h2.internal.H2FrameSettings.requireMaxFrameSize(h2MaxFrameSize, "--h2-max-frame-size");
            io.h2ws.h2.internal.H2FrameSettings.requireStreamWindow(h2StreamWindow, "--h2-stream-window");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        H2wsServer.Builder b = H2wsServer.builder().host(host).port(port).tlsPort(noTls ? -1 : tlsPort)
                .maxConcurrentStreams(maxStreams)
                .h2MaxFrameSize(h2MaxFrameSize)
                .h2InitialStreamWindow(h2StreamWindow)
                .limits(limits())
                .bufferPoolMemory(bufferPoolMib << 20)
                .maxAcceptRate(maxAcceptRate)
                .h2Keepalive(h2Keepalive(h2PingInterval, "--h2-ping-interval"), h2Keepalive(h2PingTimeout, "--h2-ping-timeout"))
                .trace(traceListener())
                .endpoint(DemoEndpoint.echo(!noDeflate))
                .page("/", DemoEndpoint.page());
        if (keystore != null && !noTls) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(keystore)) {
                ks.load(in, keystorePassword.toCharArray());
            }
            b.keyStore(ks, keystorePassword.toCharArray());
        }
        H2wsServer server = b.build().start();

        String shown = host.contains(":") ? "[" + host + "]" : host;
        out.println("listening http://" + shown + ":" + server.port() + " (http/1.1, h2c)");
        if (server.tlsPort() > 0) {
            out.println("listening https://" + shown + ":" + server.tlsPort() + " (h2, http/1.1)");
            if (server.certificateFingerprint() != null) {
                out.println("self-signed certificate for localhost, 127.0.0.1; SHA-256 fingerprint " + server.certificateFingerprint());
            }
        }
        // after the "listening" lines, which scripts read first
        io.h2ws.server.ServerLimits l = server.limits();
        out.println("limits: idle " + l.idleTimeout().toMillis() / 1000.0 + " s, " + l.maxSockets() + " sockets, "
                + l.maxConnections() + " connections, " + (l.connectionMemory() >> 20) + " MiB per connection, "
                + (l.serverMemory() >> 20) + " MiB for all sockets");
        out.flush();
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int code = 0;
            try {
                server.stop(Duration.ofSeconds(5));
                out.println("stopped: every socket closed with 1001");
            } catch (Exception e) {
                code = 1;
            }
            out.flush();
            // SIGTERM and Ctrl-C are the normal way to stop a server: exit 0, not the JVM's 143/130
            Runtime.getRuntime().halt(code);
        }, "h2ws-serve-stop"));
        forever.await();
        return 0;
    }
}
