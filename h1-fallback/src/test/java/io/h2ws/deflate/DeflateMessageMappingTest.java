package io.h2ws.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
import io.h2ws.h2.internal.tls.SelfSignedCertificate;

/**
 * permessage-deflate over the message mapping, end to end on real sockets: negotiated with
 * Sec-WebSocket-Extensions in the extended CONNECT (RFC 8441 section 5, :protocol h2ws-message),
 * RSV1 in the part header exactly as RFC 7692 section 6 puts it in the frame header.
 */
class DeflateMessageMappingTest {

    static final SelfSignedCertificate CERT = SelfSignedCertificate.generate();
    static H2wsServer server;
    static H2wsClient client;
    static final BlockingQueue<WebSocket> serverSockets = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        server = H2wsServer.builder().port(0).tlsPort(0).keyStore(CERT.keyStore(), SelfSignedCertificate.PASSWORD)
                .endpoint(Endpoint.builder("/echo").acceptor(req -> new EchoListener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        serverSockets.add(ws);
                        ws.request(1);
                    }
                }).build())
                .build().start();
        client = H2wsClient.create(CERT.clientContext());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    @DisplayName("message mapping + RFC 7692: negotiated on h2c and TLS h2, both sides compress, text 1 KiB/64 KiB and random binary echo")
    void mappingWithDeflate() throws Exception {
        for (String uri : List.of("ws://127.0.0.1:" + server.port() + "/echo", "wss://localhost:" + server.tlsPort() + "/echo")) {
            serverSockets.clear();
            Recorder r = new Recorder();
            H2wsSocket ws = client.newWebSocketBuilder().messageMapping(true).deflate(DeflateConfig.defaults())
                    .buildH2ws(URI.create(uri), r).get(10, TimeUnit.SECONDS);
            assertEquals(Transport.H2, ws.transport());
            assertEquals("h2-message", ws.wireMapping(), uri);
            assertTrue(((RealWebSocket) ws).isCompressing(), "client compresses: " + uri);
            WebSocket s = serverSockets.poll(10, TimeUnit.SECONDS);
            assertNotNull(s);
            assertTrue(((RealWebSocket) s).isCompressing(), "server compresses: " + uri);
            assertEquals("h2-message", ((H2wsSocket) s).wireMapping());

            for (String text : List.of("small", Payloads.json(1024, 1), Payloads.json(64 * 1024, 2), Payloads.json(1024, 1))) {
                ws.sendText(text, true).get(10, TimeUnit.SECONDS);
                assertEquals(text, r.next(Rec.Text.class).text(), uri + " " + text.length());
            }
            byte[] bin = Payloads.random(100_000, 3);
            ws.sendBinary(ByteBuffer.wrap(bin), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(bin, r.next(Rec.Binary.class).data());
            // a fragmented compressed message: RSV1 on the first part only (RFC 7692 section 6.1)
            String whole = Payloads.json(20_000, 4);
            ws.sendText(whole.substring(0, 7000), false).get(10, TimeUnit.SECONDS);
            ws.sendText(whole.substring(7000), true).get(10, TimeUnit.SECONDS);
            assertEquals(whole, r.next(Rec.Text.class).text());
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            assertEquals(1000, ((Rec.Close) r.awaitTerminal()).code());
        }
    }

    @Test
    @DisplayName("RFC 6455 section 5.5.1 + RFC 7692 on h1 and h2: compressed echoes sent before the server's Close still arrive after our Close (unlike the mapping, which discards them)")
    void closeRightAfterCompressedMessages() throws Exception {
        for (Transport t : new Transport[] {Transport.H1, Transport.H2}) {
            Recorder r = new Recorder();
            H2wsSocket ws = client.newWebSocketBuilder().transport(t).deflate(DeflateConfig.defaults())
                    .buildH2ws(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), r).get(10, TimeUnit.SECONDS);
            assertEquals(t, ws.transport());
            String big = Payloads.json(8192, 5);
            ws.sendText("small", true);
            ws.sendText(big, true);
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
            assertEquals("small", r.next(Rec.Text.class).text(), t.name());
            assertEquals(big, r.next(Rec.Text.class).text(), t.name());
            assertEquals(1000, ((Rec.Close) r.awaitTerminal()).code());
        }
    }
}
