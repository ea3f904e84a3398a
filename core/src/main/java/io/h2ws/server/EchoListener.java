package io.h2ws.server;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Echoes every text and binary message back unchanged, a fragmented message whole, and answers
 * a Close with the peer's code. It asks for the next message only when the echo is written, so
 * a client that stops reading stops this server's reading too.
 */
public class EchoListener implements WebSocket.Listener {

    /** Re-assembly buffers larger than this are dropped after their message, not kept for the socket's life. */
    private static final int KEEP_BELOW = 64 * 1024;
    private StringBuilder text = new StringBuilder();
    private ByteArrayOutputStream binary = new ByteArrayOutputStream();

    /** One listener per socket: it holds that socket's partial message. */
    public EchoListener() {
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        if (!last) {
            text.append(data);
            ws.request(1);
            return null;
        }
        CharSequence whole = data;
        if (text.length() > 0) {
            whole = text.append(data).toString();
            text = text.capacity() > KEEP_BELOW ? new StringBuilder() : text;
            text.setLength(0);
        }
        return ws.sendText(whole, true).whenComplete((r, e) -> ws.request(1));
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        if (!last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            ws.request(1);
            return null;
        }
        ByteBuffer whole = data;
        if (binary.size() > 0) {
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
        return ws.sendBinary(whole, true).whenComplete((r, e) -> ws.request(1));
    }
}
