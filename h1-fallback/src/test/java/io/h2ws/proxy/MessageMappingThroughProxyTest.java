package io.h2ws.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.client.HandshakeFailedException;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * The experimental message mapping ({@code :protocol h2ws-message}, spec-notes/message-mapping.md)
 * through each proxy. Observed (spec-notes/proxies.md): nghttpx's front end accepts only
 * {@code :protocol websocket} and answers 400; HAProxy with an HTTP/1.1 backend turns the request
 * into {@code Upgrade: h2ws-message}, which our HTTP/1.1 server refuses with 426; HAProxy with an
 * HTTP/2 backend relays the extended CONNECT, DATA and trailers as they are, so the mapping works
 * end to end, Close-in-trailers included. Where it cannot work our client fails the future with a
 * {@link HandshakeFailedException} carrying the status, quickly, instead of hanging.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessageMappingThroughProxyTest {

    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void messageMapping(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        assumeTrue(kind.installed(), kind.missing());
        Proxy p = fx.proxy(kind, backend);
        String label = Proxy.label(kind, tls, backend);
        boolean survives = kind == Proxy.Kind.HAPROXY && backend == Proxy.Backend.H2;
        long t0 = System.nanoTime();
        if (!survives) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> open(p, tls, new Recorder()).get(15, TimeUnit.SECONDS));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            HandshakeFailedException hf = assertInstanceOf(HandshakeFailedException.class, e.getCause());
            assertEquals(kind == Proxy.Kind.NGHTTPX ? 400 : 426, hf.status(), label + ": " + hf);
            assertTrue(ms < 10_000, "refused quickly, not after a timeout: " + ms + " ms");
            record(label + " | message mapping | refused in " + ms + " ms: " + hf.getMessage());
            return;
        }
        // client-initiated close
        Recorder r = new Recorder();
        H2wsSocket s = open(p, tls, r).get(15, TimeUnit.SECONDS);
        assertEquals("h2-message", s.wireMapping());
        s.sendText("whoami", true);
        assertEquals("H2 h2-message", r.next(Rec.Text.class).text(), "the server got the message mapping through " + label);
        byte[] big = new byte[1 << 20];
        new Random(12).nextBytes(big);
        s.sendBinary(ByteBuffer.wrap(big), true).get(30, TimeUnit.SECONDS);
        assertArrayEquals(big, r.next(Rec.Binary.class).data());
        s.sendText("part one, ", false);
        s.sendText("part two", true);
        assertEquals("part one, part two", r.next(Rec.Text.class).text());
        s.sendClose(4004, "client mm bye").get(10, TimeUnit.SECONDS);
        assertEquals(4004, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code(), "Close in trailers both ways");
        // server-initiated close
        Recorder r2 = new Recorder();
        H2wsSocket s2 = open(p, tls, r2).get(15, TimeUnit.SECONDS);
        s2.sendText("close 4003 mm bye", true);
        Rec.Close c = assertInstanceOf(Rec.Close.class, r2.awaitTerminal());
        assertEquals(4003, c.code());
        assertEquals("mm bye", c.reason());
        record(label + " | message mapping | works: 1 MiB echo, fragments, Close 4004/4003 with reason in trailers both ways");
    }

    private static CompletableFuture<H2wsSocket> open(Proxy p, boolean tls, Recorder r) {
        return fx.client.newWebSocketBuilder().messageMapping(true).buildH2ws(URI.create(p.uri(tls, "/ctl")), r);
    }

    static void record(String line) throws Exception {
        System.out.println("OBSERVED " + line);
        Path out = Path.of("target", "proxies-observed.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
