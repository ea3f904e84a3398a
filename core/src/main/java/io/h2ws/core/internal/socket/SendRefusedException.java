package io.h2ws.core.internal.socket;

import java.io.IOException;

/**
 * A send refused for want of memory (the socket's queue limit or the connection's or server's
 * budget), not because the socket failed: the same send may succeed once queued bytes are
 * written, so a caller that can wait (the echo endpoint) retries instead of giving up.
 */
public final class SendRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public SendRefusedException(String message) {
        super(message);
    }
}
