package io.h2ws.core.internal.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.h2ws.socket.ProtocolViolation;

/**
 * Incremental, validating UTF-8 decoder for text messages and close reasons (RFC 6455 section 8.1,
 * RFC 3629 section 4), failing with 1007.
 *
 * <p>Section 8.1 says to fail the connection as soon as the data is found invalid, and a
 * fragmented message may be arbitrarily long, so this is fail-fast per byte: the automaton (after
 * Bjoern Hoehrmann's "Flexible and Economical UTF-8 Decoder") knows after each byte which range
 * the next byte must fall in, so a prefix that can never complete (overlong {@code E0 80},
 * surrogate {@code ED A0}, beyond U+10FFFF {@code F4 90}, or {@code C0}, {@code C1},
 * {@code F5..FF}) is rejected at the byte that rules it out, not at the end of the sequence or the
 * message. An incomplete but still possible sequence at the end of a chunk is kept as state.
 *
 * <p>Two ways to use it. {@link #check} only validates, carrying the state across chunks, so the
 * caller can gather the bytes and make one {@code String} per message or part (what the session
 * does: the JDK's {@code new String} is far faster than appending chars); {@link #decode} appends
 * chars as it goes. {@link #decodeWhole} is the one-step form for a complete message. Runs of
 * ASCII are taken eight bytes at a time. One instance per message stream; not thread-safe.
 */
public final class Utf8Decoder {
    private static final String SECTION = "RFC 6455 section 8.1";
    private static final int ACCEPT = 0;
    private static final int REJECT = 12;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Or-ed into {@link #scan}'s result when a byte had its high bit set. */
    private static final int NON_ASCII = 0x100;

    /**
     * Byte classes: 0 ASCII; 1 continuation 80..8F; 9 continuation 90..9F; 7 continuation A0..BF;
     * 8 never valid (C0, C1, F5..FF); 2 lead C2..DF; 10 E0; 3 E1..EC, EE, EF; 4 ED; 11 F0;
     * 6 F1..F3; 5 F4. Continuations are split in three because E0, ED, F0 and F4 restrict the
     * second byte to a sub-range (RFC 3629 section 4).
     */
    private static final byte[] CLASS = new byte[256];
    /**
     * Next state = TRANSITION[state + class]; states are multiples of 12: 0 accept, 12 reject,
     * 24 one continuation to go, 36 two to go, 48 after E0 (A0..BF), 60 after ED (80..9F),
     * 72 after F0 (90..BF), 84 after F1..F3 (three to go), 96 after F4 (80..8F).
     */
    private static final byte[] TRANSITION = {
        0, 12, 24, 36, 60, 96, 84, 12, 12, 12, 48, 72,
        12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
        12, 0, 12, 12, 12, 12, 12, 0, 12, 0, 12, 12,
        12, 24, 12, 12, 12, 12, 12, 24, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12,
        12, 24, 12, 12, 12, 12, 12, 12, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
        12, 36, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
        12, 36, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    };

    static {
        fill(0x00, 0x7F, 0);
        fill(0x80, 0x8F, 1);
        fill(0x90, 0x9F, 9);
        fill(0xA0, 0xBF, 7);
        fill(0xC0, 0xC1, 8);
        fill(0xC2, 0xDF, 2);
        fill(0xE0, 0xE0, 10);
        fill(0xE1, 0xEF, 3);
        fill(0xED, 0xED, 4);
        fill(0xF0, 0xF0, 11);
        fill(0xF1, 0xF3, 6);
        fill(0xF4, 0xF4, 5);
        fill(0xF5, 0xFF, 8);
    }

    private static void fill(int from, int to, int cls) {
        for (int b = from; b <= to; b++) {
            CLASS[b] = (byte) cls;
        }
    }

    /**
     * Decoded chars are gathered here and appended in bulk: StringBuilder.append(char) per byte is
     * slow. Made at the first {@link #decode}: sockets only {@link #check} (1 KiB each saved).
     */
    private char[] chars;
    private int state = ACCEPT;
    private int codePoint;

    /**
     * Decodes all of {@code in} (position moves to limit) and appends the chars to {@code out}; a
     * trailing incomplete sequence is kept for the next call.
     *
     * @throws ProtocolViolation 1007 at the first byte that makes the input invalid; chars before it
     *                           have been appended and {@code in}'s position is at that byte. The
     *                           decoder then refuses further input until {@link #reset()}.
     */
    public void decode(ByteBuffer in, StringBuilder out) {
        if (state == REJECT) {
            throw new IllegalStateException("invalid UTF-8 seen; reset() before decoding more");
        }
        char[] buf = chars;
        if (buf == null) {
            buf = chars = new char[512];
        }
        int n = 0;
        int st = state;
        int cp = codePoint;
        int i = in.position();
        int lim = in.limit();
        while (i < lim) {
            if (st == ACCEPT) {
                // The high-bit test does not depend on the buffer's byte order.
                while (i <= lim - 8 && (in.getLong(i) & HIGH_BITS) == 0) {
                    if (n > buf.length - 8) {
                        out.append(buf, 0, n);
                        n = 0;
                    }
                    for (int k = 0; k < 8; k++) {
                        buf[n++] = (char) in.get(i + k);
                    }
                    i += 8;
                }
                if (i == lim) {
                    break;
                }
            }
            int b = in.get(i) & 0xFF;
            int cls = CLASS[b];
            cp = st != ACCEPT ? (b & 0x3F) | (cp << 6) : (0xFF >>> cls) & b;
            st = TRANSITION[st + cls];
            if (st == ACCEPT) {
                if (n > buf.length - 2) {
                    out.append(buf, 0, n);
                    n = 0;
                }
                if (cp < 0x10000) {
                    buf[n++] = (char) cp;
                } else {
                    buf[n++] = Character.highSurrogate(cp);
                    buf[n++] = Character.lowSurrogate(cp);
                }
            } else if (st == REJECT) {
                out.append(buf, 0, n);
                state = REJECT;
                in.position(i);
                throw invalid(b);
            }
            i++;
        }
        out.append(buf, 0, n);
        state = st;
        codePoint = cp;
        in.position(lim);
    }

    /**
     * Ends the message: throws 1007 if it stopped inside a sequence. Resets either way, so the
     * instance is ready for the next message.
     */
    public void finish() {
        int st = state;
        reset();
        if (st != ACCEPT) {
            throw truncated();
        }
    }

    /** Forgets any partial sequence and a previous failure. */
    public void reset() {
        state = ACCEPT;
        codePoint = 0;
    }

    /** True if no sequence is in progress (the bytes so far end on a character boundary). */
    public boolean isComplete() {
        return state == ACCEPT;
    }

    /**
     * Validates {@code in}'s remaining bytes, continuing from the previous call's state, without
     * decoding them: the position does not move, so the caller can copy the bytes it has just
     * checked. A trailing incomplete sequence is kept as state ({@link #isComplete()} is then
     * false). Do not mix with {@link #decode} within one message: this does not track the code
     * point.
     *
     * @return true if every byte was ASCII (then ISO-8859-1 decodes them, the JDK's fastest path)
     * @throws ProtocolViolation 1007 at the first byte that makes the input invalid; the decoder then
     *                           refuses further input until {@link #reset()}
     */
    public boolean check(ByteBuffer in) {
        if (state == REJECT) {
            throw new IllegalStateException("invalid UTF-8 seen; reset() before decoding more");
        }
        int r;
        try {
            r = scan(in, in.position(), in.limit(), state);
        } catch (ProtocolViolation v) {
            state = REJECT;
            throw v;
        }
        state = r & ~NON_ASCII;
        return (r & NON_ASCII) == 0;
    }

    /**
     * Checks that {@code whole}'s remaining bytes are complete, valid UTF-8; the position does not
     * move.
     *
     * @throws ProtocolViolation 1007 if not
     */
    public static void validate(ByteBuffer whole) {
        if ((scan(whole, whole.position(), whole.limit(), ACCEPT) & ~NON_ASCII) != ACCEPT) {
            throw truncated();
        }
    }

    /**
     * Decodes {@code whole}'s remaining bytes as one complete message: validates them, then makes
     * the String with one {@code new String} (ISO-8859-1 when all ASCII, which only copies); the
     * position does not move.
     *
     * @throws ProtocolViolation 1007 if they are not valid UTF-8
     */
    public static String decodeWhole(ByteBuffer whole) {
        int pos = whole.position();
        int len = whole.remaining();
        int r = scan(whole, pos, pos + len, ACCEPT);
        if ((r & ~NON_ASCII) != ACCEPT) {
            throw truncated();
        }
        var cs = (r & NON_ASCII) == 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
        if (whole.hasArray()) {
            return new String(whole.array(), whole.arrayOffset() + pos, len, cs);
        }
        // direct or read-only: no array to decode from, so copy once
        byte[] copy = new byte[len];
        whole.get(pos, copy);
        return new String(copy, cs);
    }

    /**
     * Runs the automaton from state {@code st} over {@code b[from, to)}: the end state, with
     * {@link #NON_ASCII} or-ed in if any byte was not ASCII. Reads absolute positions, so the
     * buffer's position and limit do not move.
     *
     * @throws ProtocolViolation 1007 at the first byte that makes the input invalid
     */
    private static int scan(ByteBuffer b, int from, int to, int st) {
        int seen = 0;
        int i = from;
        while (i < to) {
            if (st == ACCEPT) {
                // The high-bit test does not depend on the buffer's byte order.
                while (i <= to - 8 && (b.getLong(i) & HIGH_BITS) == 0) {
                    i += 8;
                }
                if (i == to) {
                    break;
                }
            }
            int c = b.get(i) & 0xFF;
            seen |= c;
            st = TRANSITION[st + CLASS[c]];
            if (st == REJECT) {
                throw invalid(c);
            }
            i++;
        }
        return (seen & 0x80) != 0 ? st | NON_ASCII : st;
    }

    private static ProtocolViolation invalid(int b) {
        return new ProtocolViolation(1007, SECTION,
                String.format("invalid UTF-8: byte 0x%02X cannot continue the text", b));
    }

    private static ProtocolViolation truncated() {
        return new ProtocolViolation(1007, SECTION, "invalid UTF-8: the text ends inside a multi-byte sequence");
    }
}
