package io.h2ws.core.internal.session;

import java.nio.ByteBuffer;

import io.h2ws.socket.ProtocolViolation;

/** What a session reports after receiving bytes; named as nouns, one per listener call. */
public sealed interface Event {

    /** A part of a text message; {@code last} marks its end. */
    record Text(String text, boolean last) implements Event {}

    /** A part of a binary message; the buffer is the session's own copy. */
    record Binary(ByteBuffer data, boolean last) implements Event {}

    /** A ping; the session has already queued the pong unless auto-pong is off. */
    record Ping(ByteBuffer data) implements Event {}

    /** A pong. */
    record Pong(ByteBuffer data) implements Event {}

    /** The peer's Close frame (1005 when it carried no code). */
    record Close(int code, String reason) implements Event {}

    /**
     * The peer broke a rule; the session has queued a Close frame with {@code violation.closeCode()}
     * and is CLOSED. Terminal.
     */
    record Failed(ProtocolViolation violation) implements Event {}

    /**
     * The transport ended or failed before the close handshake finished: RFC 6455 section 7.1.5
     * calls this close code 1006. Terminal.
     */
    record Abnormal(String reason, Throwable cause) implements Event {}
}
