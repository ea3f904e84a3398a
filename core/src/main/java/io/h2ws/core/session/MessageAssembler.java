package io.h2ws.core.session;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.function.Consumer;

import io.h2ws.core.extension.MessageInflater;
import io.h2ws.core.frame.Opcode;
import io.h2ws.core.frame.Utf8Decoder;

/**
 * The receive side of a message: joins a data message's frames, inflates it when it came
 * compressed (RFC 7692), decodes text as UTF-8 across frame boundaries, and hands it to the
 * application as {@link Event.Text} or {@link Event.Binary} parts; gathers a control frame's
 * payload, which may come in chunks too. Which frames may come, and when, is the session's rule:
 * this class assembles what the session lets through.
 */
final class MessageAssembler {

    /**
     * A message is handed out in parts of up to this size: large enough that most messages
     * arrive whole in one listener call, with one copy (fewer events, no re-assembly in the
     * listener), small enough to bound what one socket holds before the application sees it.
     */
    static final int PART_SIZE = 256 * 1024;

    private final Queue<Event> events;
    private final MessageInflater inflater; // null unless permessage-deflate was negotiated
    private final Consumer<ByteBuffer> inflated = this::onDecodedPayload;
    private final Utf8Decoder utf8 = new Utf8Decoder();
    private StringBuilder textPart = new StringBuilder();
    private ByteBuffer binaryPart;
    private int opcode = -1; // TEXT or BINARY while a message is open
    private boolean compressed;
    private long frameLength; // the current frame's announced length, to size the first part
    private boolean discarding;
    private ByteBuffer control; // payload of the control frame being decoded

    MessageAssembler(Queue<Event> events, MessageInflater inflater) {
        this.events = events;
        this.inflater = inflater;
    }

    /** True while a message has begun and its final frame has not come. */
    boolean isOpen() {
        return opcode >= 0;
    }

    /** A message's first frame: {@code compressed} when it carried RSV1 (RFC 7692 section 6). */
    void begin(int opcode, boolean compressed) {
        this.opcode = opcode;
        this.compressed = compressed;
    }

    /** A frame of the open message starts, announcing {@code length} payload bytes. */
    void frame(long length) {
        frameLength = length;
    }

    /** A control frame starts, between or inside data messages; its length is already checked. */
    void controlFrame(long length) {
        control = ByteBuffer.allocate((int) length);
    }

    /** The whole payload of the control frame that just ended. */
    ByteBuffer takeControl() {
        ByteBuffer data = control.flip();
        control = null;
        return data;
    }

    /** Payload of the current frame, as it came on the wire. */
    void payload(ByteBuffer chunk) {
        if (control != null) {
            control.put(chunk);
        } else if (compressed) {
            inflater.inflate(chunk, false, inflated);
        } else {
            onDecodedPayload(chunk);
        }
    }

    /** The current frame ended; a final one ends the message (its last part is handed out). */
    void frameEnd(boolean fin) {
        frameLength = 0;
        if (!fin) {
            return;
        }
        if (compressed) {
            inflater.inflate(ByteBuffer.allocate(0), true, inflated);
            compressed = false;
        }
        if (opcode == Opcode.TEXT) {
            utf8.finish();
        }
        flush(true);
        opcode = -1;
    }

    /** At the end of a read: hands out the message decoded so far only if it has grown large. */
    void flushIfLarge() {
        if (binaryPart != null && binaryPart.position() >= PART_SIZE || textPart.length() >= PART_SIZE / 2) {
            flush(false);
        }
    }

    /** Hands out what has been decoded of the open message; {@code last} ends it. */
    void flush(boolean last) {
        if (discarding) {
            drop();
            return;
        }
        if (opcode == Opcode.TEXT) {
            if (textPart.length() > 0 || last) {
                events.add(new Event.Text(textPart.toString(), last));
                shrinkText();
            }
        } else if (opcode == Opcode.BINARY) {
            if (binaryPart != null || last) {
                ByteBuffer data = binaryPart == null ? ByteBuffer.allocate(0) : binaryPart.flip();
                binaryPart = null;
                events.add(new Event.Binary(data, last));
            }
        }
    }

    /** From now on messages are assembled and dropped, never handed out. */
    void discardFromNowOn() {
        discarding = true;
        drop();
    }

    /** Forgets what was decoded of the open message (the connection failed). */
    void drop() {
        shrinkText();
        binaryPart = null;
    }

    /** Bytes held for the message being assembled (text counted at two bytes a char). */
    long buffered() {
        return (binaryPart == null ? 0 : binaryPart.capacity()) + 2L * textPart.capacity()
                + (control == null ? 0 : control.capacity());
    }

    /** Empties the text part; a large one is dropped so an idle socket does not keep it. */
    private void shrinkText() {
        if (textPart.capacity() > 4096) {
            textPart = new StringBuilder();
        } else {
            textPart.setLength(0);
        }
    }

    /** Native memory the inflater holds, 0 without compression. */
    long memory() {
        return inflater == null ? 0 : inflater.memoryEstimate();
    }

    /** Frees the inflater's zlib context. */
    void release() {
        if (inflater != null) {
            inflater.end();
        }
    }

    /** Payload after decompression (or as it came when the message is not compressed). */
    private void onDecodedPayload(ByteBuffer chunk) {
        if (opcode == Opcode.TEXT) {
            utf8.decode(chunk, textPart);
        } else {
            appendBinary(chunk);
        }
    }

    private void appendBinary(ByteBuffer chunk) {
        int n = chunk.remaining();
        if (binaryPart == null) {
            // the frame's announced length sizes the part (bounded), so a message read in several
            // chunks is copied once, not re-grown; inflated output has no announced length
            long announced = compressed ? 0 : frameLength;
            binaryPart = ByteBuffer.allocate((int) Math.max(n, Math.min(announced, PART_SIZE)));
        } else if (binaryPart.remaining() < n) {
            int cap = Math.max(binaryPart.capacity() * 2, binaryPart.position() + n);
            ByteBuffer bigger = ByteBuffer.allocate(cap);
            bigger.put(binaryPart.flip());
            binaryPart = bigger;
        }
        binaryPart.put(chunk);
    }
}
