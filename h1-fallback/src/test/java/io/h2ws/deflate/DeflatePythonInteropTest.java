package io.h2ws.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.socket.RealWebSocket;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * permessage-deflate (RFC 7692) against Python's {@code websockets} over HTTP/1.1, both ways.
 * {@code websockets} enables the extension by default; its server answers with
 * {@code server_max_window_bits=12; client_max_window_bits=12} (section 7.1.2), so our client
 * must compress for a 4 KiB window. Skipped when no python3 with the module is found
 * ({@code .ci/install-python-websockets.sh} installs Debian's python3-websockets).
 */
class DeflatePythonInteropTest {

    static final String CLIENT = """
            import asyncio, sys, websockets
            async def main(uri, files):
                async with websockets.connect(uri, max_size=2**22) as ws:
                    headers = getattr(ws, "response_headers", None) or ws.response.headers
                    print("EXT " + headers.get("Sec-WebSocket-Extensions", "(none)"), flush=True)
                    for f in files:
                        data = open(f, "rb").read()
                        msg = data.decode("utf-8") if f.endswith(".txt") else data
                        await ws.send(msg)
                        echo = await asyncio.wait_for(ws.recv(), 10)
                        print(("OK " if echo == msg else "MISMATCH ") + f, flush=True)
                    await ws.close()
                    print("CLOSED %s" % ws.close_code, flush=True)
            asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2:]), 30))
            """;

    static final String SERVER = """
            import asyncio, sys, websockets
            async def echo(ws, path=None):
                exts = getattr(ws, "extensions", None)
                if exts is None:
                    exts = ws.protocol.extensions
                print("EXT " + (",".join(e.name for e in exts) or "(none)"), flush=True)
                async for msg in ws:
                    await ws.send(msg)
            async def main():
                async with websockets.serve(echo, "127.0.0.1", 0, max_size=2**22) as server:
                    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
                    await asyncio.sleep(60)
            asyncio.run(main())
            """;

    static String python;
    @TempDir
    static Path dir;
    static List<Path> payloads = new ArrayList<>();

    @BeforeAll
    static void findPython() throws Exception {
        python = io.h2ws.conformance.PythonWithModule.find("websockets");
        Assumptions.assumeTrue(python != null,
                "skipped: no python3 with the 'websockets' module (run .ci/install-python-websockets.sh)");
        payloads.add(Files.writeString(dir.resolve("json1k.txt"), Payloads.json(1024, 1)));
        payloads.add(Files.writeString(dir.resolve("json64k.txt"), Payloads.json(64 * 1024, 2)));
        payloads.add(Files.writeString(dir.resolve("json1k-again.txt"), Payloads.json(1024, 1)));
        payloads.add(Files.write(dir.resolve("random.bin"), Payloads.random(100_000, 3)));
    }

    static H2wsServer ours;
    static final BlockingQueue<WebSocket> serverSockets = new LinkedBlockingQueue<>();

    @AfterAll
    static void stop() throws Exception {
        if (ours != null) {
            ours.close();
        }
    }

    static List<String> run(Process p) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python finished");
        return lines;
    }

    @Test
    @DisplayName("RFC 7692 over RFC 6455: Python websockets client (deflate by default) against our server")
    void pythonClientAgainstOurServer() throws Exception {
        ours = H2wsServer.builder().port(0)
                .endpoint(Endpoint.builder("/echo").acceptor(req -> new EchoListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        serverSockets.add(ws);
                        ws.request(1);
                    }
                }).build())
                .build().start();
        Path script = Files.writeString(dir.resolve("client.py"), CLIENT);
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "ws://127.0.0.1:" + ours.port() + "/echo"));
        payloads.forEach(p -> cmd.add(p.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = run(p);
        assertEquals(0, p.exitValue(), "python client: " + out);
        assertTrue(out.get(0).startsWith("EXT permessage-deflate"), "python sees the extension accepted: " + out);
        for (Path f : payloads) {
            assertTrue(out.contains("OK " + f), "echo of " + f.getFileName() + ": " + out);
        }
        assertTrue(out.contains("CLOSED 1000"), out.toString());
        WebSocket s = serverSockets.poll(5, TimeUnit.SECONDS);
        assertNotNull(s);
        assertEquals(Transport.H1, ((H2wsSocket) s).transport());
        assertTrue(((RealWebSocket) s).isCompressing(), "our server socket compresses");
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: our client against a Python websockets server that limits client_max_window_bits=12")
    void ourClientAgainstPythonServer() throws Exception {
        Path script = Files.writeString(dir.resolve("server.py"), SERVER);
        Process p = new ProcessBuilder(python, script.toString()).redirectErrorStream(true).start();
        // the reader thread owns the stream: closing it here would wait for a blocked readLine
        try (H2wsClient client = H2wsClient.create()) {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            }, "python-server-out");
            t.setDaemon(true);
            t.start();
            String first = lines.poll(20, TimeUnit.SECONDS);
            assertNotNull(first, "python server started");
            assertTrue(first.startsWith("PORT "), first);
            int port = Integer.parseInt(first.substring(5).trim());

            Recorder r = new Recorder();
            H2wsSocket ws = client.newWebSocketBuilder().transport(Transport.H1).deflate(DeflateConfig.defaults())
                    .buildH2ws(URI.create("ws://127.0.0.1:" + port + "/"), r).get(10, TimeUnit.SECONDS);
            assertTrue(((RealWebSocket) ws).isCompressing(), "our client negotiated permessage-deflate");
            assertEquals("EXT permessage-deflate", lines.poll(10, TimeUnit.SECONDS), "python's side of the negotiation");
            for (Path f : payloads) {
                byte[] data = Files.readAllBytes(f);
                if (f.toString().endsWith(".txt")) {
                    String text = new String(data, StandardCharsets.UTF_8);
                    ws.sendText(text, true).get(10, TimeUnit.SECONDS);
                    assertEquals(text, r.next(Rec.Text.class).text(), f.getFileName().toString());
                } else {
                    ws.sendBinary(ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
                    assertArrayEquals(data, r.next(Rec.Binary.class).data());
                }
            }
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            assertEquals(1000, ((Rec.Close) r.awaitTerminal()).code());
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
