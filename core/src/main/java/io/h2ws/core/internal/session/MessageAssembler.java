package io.h2ws.core.internal.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Queue;
import java.util.function.Consumer;

import io.h2ws.core.internal.extension.MessageInflater;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.frame.Utf8Decoder;

/**
 * The receive side of a message: joins a data message's frames, inflates it when it came
 * compressed (RFC 7692), decodes text as UTF-8 across frame boundaries, and hands it to the
 * application as {@link Event.Text} or {@link Event.Binary} parts; gathers a control frame's
 * payload, which may come in chunks too. Which frames may come, and when, is the session's rule:
 * this class assembles what the session lets through.
 *
 * <p>Text is validated as it comes (fail-fast, RFC 6455 section 8.1) but kept as bytes, and each
 * part becomes a String with one {@code new String}: the JDK decodes a whole array many times
 * faster than chars can be appended one by one. A final frame whose payload comes in one chunk
 * with nothing held before it is not even copied: it is decoded straight from the chunk.
 */
final class MessageAssembler {

    /**
     * A message is handed out in parts of up to this size: large enough that most messages
     * arrive whole in one listener call, with one copy (fewer events, no re-assembly in the
     * listener), small enough to bound what one socket holds before the application sees it.
     */
    static final int PART_SIZE = 256 * 1024;
    private static final byte[] EMPTY = new byte[0];

    private final Queue<Event> events;
    private final MessageInflater inflater; // null unless permessage-deflate was negotiated
    private final Consumer<ByteBuffer> inflated = this::onDecodedPayload;
    private final Utf8Decoder utf8 = new Utf8Decoder();
    /** Validated bytes of the open text message not handed out yet: text[0, textLength). */
    private byte[] text = EMPTY;
    private int textLength;
    /** Every byte held is ASCII: decoded as ISO-8859-1, which only copies. */
    private boolean textAscii = true;
    /** A final frame's payload that came whole in one chunk, already decoded; handed out at its end. */
    private String wholeText;
    private ByteBuffer binaryPart;
    private int opcode = -1; // TEXT or BINARY while a message is open
    private boolean compressed;
    private long frameLength; // the current frame's announced length, to size the first part
    private boolean frameFin;
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

    /** A frame of the open message starts, announcing {@code length} payload bytes; {@code fin} ends the message. */
    void frame(long length, boolean fin) {
        frameLength = length;
        frameFin = fin;
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
        if (binaryPart != null && binaryPart.position() >= PART_SIZE || textLength >= PART_SIZE) {
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
            if (wholeText != null) {
                events.add(new Event.Text(wholeText, last));
                wholeText = null;
            } else if (textLength > 0 || last) {
                flushText(last);
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
        keepTextFrom(textLength);
        wholeText = null;
        binaryPart = null;
    }

    /** Bytes held for the message being assembled (a decoded, not yet handed out String at two bytes a char). */
    long buffered() {
        return (binaryPart == null ? 0 : binaryPart.capacity()) + text.length
                + (wholeText == null ? 0 : 2L * wholeText.length())
                + (control == null ? 0 : control.capacity());
    }

    /**
     * Hands out the text held as one String. Before the message ends the part stops at the last
     * code-point boundary: the bytes of an incomplete sequence (at most three) stay for the next
     * part, so no part ends inside a character (nor between the two chars of a surrogate pair).
     */
    private void flushText(boolean last) {
        int end = textLength;
        if (!last && !utf8.isComplete()) {
            // validated bytes: the incomplete sequence is its lead byte and the continuations after it
            end--;
            while (end > 0 && (text[end] & 0xC0) == 0x80) {
                end--;
            }
            if (end == 0) {
                return; // only the start of one character so far: nothing to hand out
            }
        }
        String s = new String(text, 0, end, textAscii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        events.add(new Event.Text(s, last));
        keepTextFrom(end);
    }

    /**
     * Keeps text[from, textLength) as the start of the next part. A large array is let go, so an
     * idle socket does not keep it; the next chunk sizes a new one.
     */
    private void keepTextFrom(int from) {
        int tail = textLength - from;
        if (text.length > 4096) {
            text = tail == 0 ? EMPTY : Arrays.copyOfRange(text, from, textLength);
        } else {
            System.arraycopy(text, from, text, 0, tail);
        }
        textLength = tail;
        // a kept tail is an incomplete multi-byte sequence, never ASCII
        textAscii = tail == 0;
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
            if (frameFin && !compressed && chunk.remaining() == frameLength && textLength == 0 && utf8.isComplete()
                    && wholeText == null) {
                // The rest of the message is this one chunk: validate (fail-fast, a truncated end
                // included) and make the String in one step, without copying into text.
                wholeText = Utf8Decoder.decodeWhole(chunk);
                chunk.position(chunk.limit());
            } else {
                appendText(chunk);
            }
        } else {
            appendBinary(chunk);
        }
    }

    /** Validates a chunk of text (1007 at its first bad byte) and keeps its bytes for the part. */
    private void appendText(ByteBuffer chunk) {
        boolean ascii = utf8.check(chunk);
        int n = chunk.remaining();
        if (text.length - textLength < n) {
            // like binary parts: the announced length (bounded) sizes the array, so a message read
            // in several chunks is copied once, not re-grown
            long announced = compressed ? 0 : Math.min(frameLength, PART_SIZE);
            long cap = Math.max(Math.max(2L * text.length, (long) textLength + n), announced);
            text = Arrays.copyOf(text, (int) Math.min(cap, Integer.MAX_VALUE - 8));
        }
        chunk.get(text, textLength, n);
        textLength += n;
        textAscii &= ascii;
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
