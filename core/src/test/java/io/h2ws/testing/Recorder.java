package io.h2ws.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A listener that records what it receives as whole messages, for tests on every transport.
 * Demand is automatic ({@code request(1)} after each call) unless constructed with {@code false}.
 */
public class Recorder implements WebSocket.Listener {

    /** What a socket received, one entry per message or terminal event. */
    public sealed interface Rec {
        record Text(String text) implements Rec {}
        record Binary(byte[] data) implements Rec {}
        record Ping(byte[] data) implements Rec {}
        record Pong(byte[] data) implements Rec {}
        record Close(int code, String reason) implements Rec {}
        record Error(Throwable error) implements Rec {}
    }

    public final BlockingQueue<Rec> events = new LinkedBlockingQueue<>();
    public final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    public final CompletableFuture<Rec> terminal = new CompletableFuture<>();
    private final boolean autoDemand;
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    public volatile int parts;

    public Recorder() {
        this(true);
    }

    public Recorder(boolean autoDemand) {
        this.autoDemand = autoDemand;
    }

    @Override
    public void onOpen(WebSocket ws) {
        opened.complete(ws);
        if (autoDemand) {
            ws.request(1);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        parts++;
        text.append(data);
        if (last) {
            events.add(new Rec.Text(text.toString()));
            text.setLength(0);
        }
        more(ws);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        parts++;
        byte[] b = new byte[data.remaining()];
        data.get(b);
        binary.writeBytes(b);
        if (last) {
            events.add(new Rec.Binary(binary.toByteArray()));
            binary.reset();
        }
        more(ws);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
        events.add(new Rec.Ping(bytes(message)));
        more(ws);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
        events.add(new Rec.Pong(bytes(message)));
        more(ws);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        Rec r = new Rec.Close(statusCode, reason);
        events.add(r);
        terminal.complete(r);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        Rec r = new Rec.Error(error);
        events.add(r);
        terminal.complete(r);
    }

    private void more(WebSocket ws) {
        if (autoDemand) {
            ws.request(1);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** The next record within 10 s, or the test fails. */
    public Rec next() {
        return next(10_000);
    }

    /** The next record within {@code millis}, or the test fails. */
    public Rec next(long millis) {
        try {
            Rec r = events.poll(millis, TimeUnit.MILLISECONDS);
            assertNotNull(r, "nothing received within " + millis + " ms");
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(e);
        }
    }

    /** The next record, which must be of {@code type}. */
    public <T extends Rec> T next(Class<T> type) {
        Rec r = next();
        if (!type.isInstance(r)) {
            fail("expected " + type.getSimpleName() + " but got " + r);
        }
        return type.cast(r);
    }

    /** The terminal record within 10 s. */
    public Rec awaitTerminal() {
        try {
            return terminal.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return fail("no terminal event: " + e);
        }
    }
}
