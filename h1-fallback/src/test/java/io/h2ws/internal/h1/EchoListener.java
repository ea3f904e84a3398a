package io.h2ws.internal.h1;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A server listener for tests: echoes every fragment as it comes (so fragmentation is mirrored),
 * and obeys the text command {@code close:<code>:<reason>} by starting the close handshake.
 * What it saw of the close is recorded in {@link #closes}.
 */
final class EchoListener implements WebSocket.Listener {

    /** "code reason" of each onClose, and "error ..." of each onError, across all sockets using the queue. */
    final BlockingQueue<String> closes;

    EchoListener(BlockingQueue<String> closes) {
        this.closes = closes;
    }

    EchoListener() {
        this(new LinkedBlockingQueue<>());
    }

    @Override
    public void onOpen(WebSocket ws) {
        ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        String s = data.toString();
        if (s.startsWith("close:")) {
            String[] parts = s.split(":", 3);
            ws.sendClose(Integer.parseInt(parts[1]), parts[2]);
            ws.request(1);
            return null;
        }
        return ws.sendText(s, last).whenComplete((w, e) -> ws.request(1));
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data).flip();
        return ws.sendBinary(copy, last).whenComplete((w, e) -> ws.request(1));
    }

    @Override
    public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closes.add(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closes.add("error " + error);
    }
}
