package io.h2ws.bench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.h2ws.H2wsServer;
import io.h2ws.server.Endpoint;
import io.h2ws.server.ServerLimits;

/**
 * The server of {@link ScaleRun}, in its own JVM ({@code EchoServers h2ws-scale 0}): {@code /idle}
 * keeps every socket and sends nothing until asked; {@code /control} answers {@code stats} with
 * the server's heap after a full GC and its direct memory, and {@code broadcast} by sending one
 * 16-byte text to every idle socket, then replying how long handing them out took.
 */
final class ScaleServer {

    private ScaleServer() {}

    static EchoServers.Running start(int port) throws Exception {
        Set<WebSocket> idle = ConcurrentHashMap.newKeySet();
        H2wsServer server = H2wsServer.builder().port(port).maxConcurrentStreams(1000)
                // a scale run holds 100,000 silent sockets longer than the default idle timeout
                .limits(new ServerLimits(Duration.ZERO, 1_000_000, 1_000_000, 256L << 20,
                        Runtime.getRuntime().maxMemory() / 2))
                .endpoint(Endpoint.builder("/idle").listener(() -> new WebSocket.Listener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        idle.add(ws);
                        ws.request(1);
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                        idle.remove(ws);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        idle.remove(ws);
                    }
                }).build())
                .endpoint(Endpoint.builder("/control").listener(() -> new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        String cmd = data.toString();
                        String reply;
                        if (cmd.equals("stats")) {
                            System.gc();
                            System.gc();
                            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                            long direct = 0;
                            for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                                if (b.getName().equals("direct")) {
                                    direct = b.getMemoryUsed();
                                }
                            }
                            reply = "stats " + idle.size() + " " + heap + " " + direct;
                        } else if (cmd.equals("broadcast")) {
                            long t0 = System.nanoTime();
                            int n = 0;
                            for (WebSocket s : idle) {
                                s.sendText("0123456789abcdef", true);
                                n++;
                            }
                            reply = "broadcast " + n + " " + (System.nanoTime() - t0) / 1_000;
                        } else {
                            reply = "unknown " + cmd;
                        }
                        ws.sendText(reply, true);
                        ws.request(1);
                        return null;
                    }
                }).build())
                .build().start();
        return new EchoServers.Running() {
            @Override
            public int port() {
                return server.port();
            }

            @Override
            public void close() {
                try {
                    server.stop(Duration.ofSeconds(5));
                } catch (Exception e) {
                    System.err.println("scale server close: " + e);
                }
            }
        };
    }
}
