package io.h2ws.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;
import io.h2ws.testing.Recorder;
import io.h2ws.testing.Recorder.Rec;

/**
 * Our client -> nghttpx or HAProxy (front end h2c or TLS, RFC 8441) -> our server (backend leg
 * HTTP/1.1 RFC 6455 or HTTP/2 RFC 8441). Skipped with a message where a proxy is not installed
 * ({@code .ci/install-proxies.sh} installs both). See spec-notes/proxies.md.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyInteropTest {

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

    static Proxy proxy(Proxy.Kind kind, Proxy.Backend backend) throws Exception {
        assumeTrue(kind.installed(), kind.missing());
        return fx.proxy(kind, backend);
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void echoesSixteenBytesToOneMebibyte(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        Proxy p = proxy(kind, backend);
        Recorder r = new Recorder();
        H2wsSocket s = fx.open(p, tls, r);
        assertEquals(Transport.H2, s.transport());
        assertEquals(tls, s.isSecure());
        Random rnd = new Random(8441);
        // 65,535 and 65,536 straddle the proxies' default stream window; 1 MiB needs ~16 WINDOW_UPDATEs each way
        for (int size : new int[] {16, 125, 126, 1024, 16_384, 65_535, 65_536, 262_144, 1 << 20}) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            s.sendBinary(ByteBuffer.wrap(b), true).get(30, TimeUnit.SECONDS);
            assertArrayEquals(b, r.next(Rec.Binary.class).data(), "binary " + size + " via " + p);
            String text = "x\u00e9\u4e2d".repeat(Math.max(1, size / 6));
            s.sendText(text, true).get(30, TimeUnit.SECONDS);
            assertEquals(text, r.next(Rec.Text.class).text(), "text ~" + size + " via " + p);
        }
        s.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        assertEquals(1000, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void hundredSocketsAtOnce(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        Proxy p = proxy(kind, backend);
        List<CompletableFuture<H2wsSocket>> opening = new ArrayList<>();
        List<Recorder> recs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Recorder r = new Recorder();
            recs.add(r);
            opening.add(fx.client.newWebSocketBuilder().transport(Transport.H2)
                    .buildH2ws(java.net.URI.create(p.uri(tls, "/echo")), r));
        }
        List<H2wsSocket> sockets = new ArrayList<>();
        for (CompletableFuture<H2wsSocket> f : opening) {
            sockets.add(f.get(30, TimeUnit.SECONDS));
        }
        int conns = fx.client.h2().connectionCount(java.net.URI.create(p.uri(tls, "/echo")));
        assertTrue(conns >= 1 && conns <= 2, "100 sockets on one or two HTTP/2 connections to the proxy: " + conns);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sockets.size(); i++) {
                sockets.get(i).sendText("socket " + i + " round " + round + " " + "p".repeat(1000), true);
            }
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sockets.size(); i++) {
                assertEquals("socket " + i + " round " + round + " " + "p".repeat(1000), recs.get(i).next(Rec.Text.class).text());
            }
        }
        // then 64 KiB on every socket at once: 6.4 MB each way through the proxy's 65,535-byte windows
        byte[] big = new byte[65_536];
        new Random(100).nextBytes(big);
        List<CompletableFuture<?>> bigSends = new ArrayList<>();
        for (H2wsSocket s : sockets) {
            bigSends.add(s.sendBinary(ByteBuffer.wrap(big), true).toCompletableFuture());
        }
        CompletableFuture.allOf(bigSends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (Recorder r : recs) {
            assertArrayEquals(big, r.next(Rec.Binary.class).data());
        }
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (H2wsSocket s : sockets) {
            closing.add(s.sendClose(1000, "").toCompletableFuture());
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (Recorder r : recs) {
            assertEquals(1000, assertInstanceOf(Rec.Close.class, r.awaitTerminal()).code());
        }
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void closeCodesCarriedEndToEnd(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        Proxy p = proxy(kind, backend);
        // client-initiated: the echo server answers with the client's code
        Recorder r1 = new Recorder();
        H2wsSocket s1 = fx.open(p, tls, "/ctl", r1);
        s1.sendText("whoami", true);
        assertEquals(backend == Proxy.Backend.H2 ? "H2" : "H1", r1.next(Rec.Text.class).text(),
                "the backend leg is " + backend.label() + " as configured");
        s1.sendClose(4001, "client says bye").get(10, TimeUnit.SECONDS);
        assertEquals(4001, assertInstanceOf(Rec.Close.class, r1.awaitTerminal()).code());
        // server-initiated: code and reason arrive unchanged, our client echoes the code
        Recorder r2 = new Recorder();
        H2wsSocket s2 = fx.open(p, tls, "/ctl", r2);
        s2.sendText("close 4002 server says bye", true);
        Rec.Close c = assertInstanceOf(Rec.Close.class, r2.awaitTerminal());
        assertEquals(4002, c.code());
        assertEquals("server says bye", c.reason());
        awaitTrue(s2::isInputClosed);
        awaitTrue(s2::isOutputClosed);
        // 1001 and 1011 too
        for (int code : new int[] {1001, 1011}) {
            Recorder r = new Recorder();
            fx.open(p, tls, "/ctl", r).sendText("close " + code + " code " + code, true);
            Rec.Close cc = assertInstanceOf(Rec.Close.class, r.awaitTerminal());
            assertEquals(code, cc.code());
            assertEquals("code " + code, cc.reason());
        }
    }

    @ParameterizedTest(name = "{0} tls={1} {2}")
    @MethodSource("io.h2ws.proxy.ProxyFixture#matrix")
    void backendThatClosesAbruptly(Proxy.Kind kind, boolean tls, Proxy.Backend backend) throws Exception {
        Proxy p = proxy(kind, backend);
        Recorder r = new Recorder();
        H2wsSocket s = fx.open(p, tls, "/ctl", r);
        Recorder bystander = new Recorder();
        H2wsSocket other = fx.open(p, tls, "/echo", bystander);
        s.sendText("abort", true);
        Rec end = r.awaitTerminal();
        if (end instanceof Rec.Close c) {
            assertEquals(1006, c.code(), "no Close frame crossed the proxy: " + end);
        } else {
            assertInstanceOf(Rec.Error.class, end);
        }
        // later sends complete (exceptionally) instead of hanging
        CompletableFuture<?> late = s.sendText("after abort", true).toCompletableFuture();
        try {
            late.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // a failed send is the expected answer
        }
        assertTrue(late.isDone());
        assertEquals(1, r.events.stream().filter(e -> e instanceof Rec.Close || e instanceof Rec.Error).count(),
                "exactly one terminal event: " + r.events);
        // the other socket on the same client->proxy connection is untouched
        other.sendText("still here", true);
        assertEquals("still here", bystander.next(Rec.Text.class).text());
        other.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        bystander.awaitTerminal();
    }

    static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(20);
        }
    }
}
