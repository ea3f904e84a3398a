package io.h2ws.core.internal.handshake;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.h2ws.client.HandshakeFailedException;

/**
 * An HTTP/1.1 response head as the client of the RFC 6455 handshake reads it (RFC 9112 sections
 * 2-5), sans-I/O: bytes in, status, reason phrase and fields by lower-case name out, with a bound
 * on the head's size. The transport reads into a buffer and calls {@link #parse} after each read.
 *
 * <p>What it accepts, deliberately narrow because only a 101 (or a refusal to report) matters:
 * a status line {@code HTTP/1.x SP 3DIGIT [SP reason]}; CRLF or bare LF line ends (RFC 9112
 * section 2.2); field lines {@code token ":" value}. Folded lines (obs-fold, a line starting with
 * SP or HTAB), a field line without a colon or with a non-token name are refused: RFC 9112
 * section 5.2 lets a client reject obs-fold, and a handshake response has no reason to use it.
 */
public final class Http1ResponseHead {

    /** How many bytes of a refusal's body {@link #bodyPrefix()} keeps, for the error message. */
    public static final int BODY_PREFIX_BYTES = 256;

    private final int status;
    private final String reasonPhrase;
    private final Map<String, List<String>> fields;
    private final String bodyPrefix;

    private Http1ResponseHead(int status, String reasonPhrase, Map<String, List<String>> fields, String bodyPrefix) {
        this.status = status;
        this.reasonPhrase = reasonPhrase;
        this.fields = Collections.unmodifiableMap(fields);
        this.bodyPrefix = bodyPrefix;
    }

    /** The three-digit status code. */
    public int status() {
        return status;
    }

    /** The status line's reason phrase, "" when absent. */
    public String reasonPhrase() {
        return reasonPhrase;
    }

    /** The header fields by lower-case name, each name's values in the order received. */
    public Map<String, List<String>> fields() {
        return fields;
    }

    /** The values of one field, empty when absent. */
    public List<String> values(String lowerCaseName) {
        List<String> v = fields.get(lowerCaseName);
        return v == null ? List.of() : v;
    }

    /**
     * The start of the bytes that followed the head when the status is not 101 (a refusal's
     * body, for the error), control characters escaped; "" for a 101 or when none had arrived.
     */
    public String bodyPrefix() {
        return bodyPrefix;
    }

    /**
     * Parses the head if {@code buffer} (from its position to its limit) holds all of it, moving
     * the position past the head so the remaining bytes are what follows (for a 101, the first
     * WebSocket frames).
     *
     * @param buffer       the bytes read so far
     * @param uri          the URI being opened, for the exception
     * @param maxHeadBytes the most bytes a head may take, blank line included
     * @return the head, or null (position unchanged) if more bytes are needed
     * @throws HandshakeFailedException (status -1) when the head is malformed, or when
     *                                  {@code maxHeadBytes} or more are buffered without its end
     */
    public static Http1ResponseHead parse(ByteBuffer buffer, URI uri, int maxHeadBytes) throws HandshakeFailedException {
        int start = buffer.position();
        int end = -1;
        int bodyStart = -1;
        for (int i = start; i < buffer.limit(); i++) {
            if (buffer.get(i) != '\n') {
                continue;
            }
            // a blank line ends the head; bare LF is tolerated as RFC 9112 section 2.2 allows
            if (i + 1 < buffer.limit() && buffer.get(i + 1) == '\n') {
                end = i;
                bodyStart = i + 2;
                break;
            }
            if (i + 2 < buffer.limit() && buffer.get(i + 1) == '\r' && buffer.get(i + 2) == '\n') {
                end = i;
                bodyStart = i + 3;
                break;
            }
        }
        if (end < 0) {
            if (buffer.remaining() >= maxHeadBytes) {
                throw new HandshakeFailedException(uri, -1, "response head larger than " + maxHeadBytes + " bytes");
            }
            return null;
        }
        byte[] bytes = new byte[end - start];
        buffer.duplicate().position(start).limit(end).slice().get(bytes);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (text.endsWith("\r")) {
            // the CR of the last line's CRLF: the head ends at its LF
            text = text.substring(0, text.length() - 1);
        }
        String[] lines = text.split("\r?\n", -1);
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new HandshakeFailedException(uri, -1, "not an HTTP/1.1 status line: \"" + printable(statusLine) + "\"");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = statusLine.charAt(i);
            // status-code = 3DIGIT (RFC 9112 section 4); Integer.parseInt would take "-01" or "+01"
            if (c < '0' || c > '9') {
                throw new HandshakeFailedException(uri, -1, "bad status in \"" + printable(statusLine) + "\"");
            }
            status = status * 10 + (c - '0');
        }
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t' || colon <= 0
                    || !HeaderTokens.isToken(line.substring(0, colon))) {
                throw new HandshakeFailedException(uri, -1, "malformed response header line \"" + printable(line) + "\"");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            fields.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        buffer.position(bodyStart);
        String bodyPrefix = "";
        if (status != 101 && buffer.hasRemaining()) {
            byte[] b = new byte[Math.min(buffer.remaining(), BODY_PREFIX_BYTES)];
            buffer.duplicate().get(b);
            bodyPrefix = printable(new String(b, StandardCharsets.UTF_8).strip());
        }
        return new Http1ResponseHead(status, reason, fields, bodyPrefix);
    }

    /** Peer text made safe for a message or a log line: controls escaped so they cannot forge lines. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c != 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }
}
