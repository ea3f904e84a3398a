package io.h2ws.server;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Echoes every text and binary message back unchanged, a fragmented message whole, and answers
 * a Close with the peer's code. It asks for the next message only when the echo is written, so
 * a client that stops reading stops this server's reading too. An echo that cannot be sent (the
 * server's memory budget refused it) is retried as queued bytes drain, for up to
 * {@value #RETRY_MILLIS} ms, and never dropped in silence: past that the socket is closed with
 * 1013 (Try Again Later), so the peer knows its message was not echoed.
 */
public class EchoListener implements WebSocket.Listener {

    /** Re-assembly buffers larger than this are dropped after their message, not kept for the socket's life. */
    private static final int KEEP_BELOW = 64 * 1024;
    /** RFC 6455 section 7.4.2 (IANA registry): the server is overloaded, the client may retry. */
    static final int TRY_AGAIN_LATER = 1013;
    private static final Logger LOG = LoggerFactory.getLogger(EchoListener.class);

    // made when first needed: an idle socket holds neither (issue 19: idle socket heap)
    private StringBuilder text;
    private ByteArrayOutputStream binary;
    private BiConsumer<Object, Throwable> afterEcho; // one per socket, not one per message

    /** How long an echo the memory budget refuses is retried before the socket is closed with 1013. */
    public static final long RETRY_MILLIS = 5_000;
    private Object echoing; // the message being echoed (one at a time: the next is asked for when it is sent)
    private long retryDeadline;
    private long retryDelay;

    private BiConsumer<Object, Throwable> afterEcho(WebSocket ws) {
        BiConsumer<Object, Throwable> a = afterEcho;
        if (a == null) {
            a = (r, failure) -> {
                if (failure == null) {
                    echoing = null;
                    retryDeadline = 0;
                    ws.request(1);
                } else {
                    echoFailed(ws, failure);
                }
            };
            afterEcho = a;
        }
        return a;
    }

    private CompletionStage<?> echo(WebSocket ws, Object message) {
        echoing = message;
        return send(ws, message).whenComplete(afterEcho(ws));
    }

    private static java.util.concurrent.CompletableFuture<WebSocket> send(WebSocket ws, Object message) {
        return message instanceof CharSequence t ? ws.sendText(t, true) : ws.sendBinary((ByteBuffer) message, true);
    }

    private void echoFailed(WebSocket ws, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (ws.isOutputClosed()) {
            echoing = null;
            return; // the socket is closing or gone: its close code already tells the peer
        }
        long now = System.nanoTime();
        if (cause instanceof io.h2ws.core.internal.socket.SendRefusedException && echoing != null
                && (retryDeadline == 0 || now < retryDeadline)) {
            // the memory budget is spoken for by queued sends (this connection's or the server's):
            // wait for them to be written and try again, as a slow reader makes any sender wait,
            // rather than drop the message; this socket reads nothing more meanwhile
            if (retryDeadline == 0) {
                retryDeadline = now + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
                retryDelay = 1;
            }
            Object message = echoing;
            long delay = retryDelay;
            retryDelay = Math.min(retryDelay * 2, 100);
            java.util.concurrent.CompletableFuture.delayedExecutor(delay, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .execute(() -> send(ws, message).whenComplete(afterEcho(ws)));
            return;
        }
        echoing = null;
        LOG.debug("echo not sent, closing with {}", TRY_AGAIN_LATER, cause);
        ws.sendClose(TRY_AGAIN_LATER, "echo not sent: server busy");
    }

    /** One listener per socket: it holds that socket's partial message. */
    public EchoListener() {
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        if (!last) {
            if (text == null) {
                text = new StringBuilder();
            }
            text.append(data);
            ws.request(1);
            return null;
        }
        CharSequence whole = data;
        if (text != null && text.length() > 0) {
            whole = text.append(data).toString();
            text = text.capacity() > KEEP_BELOW ? new StringBuilder() : text;
            text.setLength(0);
        }
        return echo(ws, whole);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        if (!last) {
            if (binary == null) {
                binary = new ByteArrayOutputStream();
            }
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            ws.request(1);
            return null;
        }
        ByteBuffer whole = data;
        if (binary != null && binary.size() > 0) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            whole = ByteBuffer.wrap(binary.toByteArray());
            if (binary.size() > KEEP_BELOW) {
                binary = new ByteArrayOutputStream(); // reset() would keep the large array for the socket's life
            } else {
                binary.reset();
            }
        }
        return echo(ws, whole);
    }
}
