package io.h2ws.internal.h1;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.h2ws.client.HandshakeFailedException;
import io.h2ws.core.internal.handshake.HeaderTokens;

/** A parsed response head: status, reason phrase, fields by lower-case name. */
final class ResponseHead {
    final int status;
    final String reasonPhrase;
    final Map<String, List<String>> fields;
    final String bodyPrefix;

    private ResponseHead(int status, String reasonPhrase, Map<String, List<String>> fields, String bodyPrefix) {
        this.status = status;
        this.reasonPhrase = reasonPhrase;
        this.fields = fields;
        this.bodyPrefix = bodyPrefix;
    }

    List<String> values(String lowerCaseName) {
        List<String> v = fields.get(lowerCaseName);
        return v == null ? List.of() : v;
    }

    /**
     * Parses the head if {@code buffer} holds all of it, moving the position past it so the
     * remaining bytes are what follows; null (position unchanged) if more is needed.
     */
    static ResponseHead parse(ByteBuffer buffer, URI uri) throws HandshakeFailedException {
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
            return null;
        }
        byte[] bytes = new byte[end - start];
        buffer.duplicate().position(start).limit(end).slice().get(bytes);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r?\n", -1);
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new HandshakeFailedException(uri, -1, "not an HTTP/1.1 status line: \"" + printable(statusLine) + "\"");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new HandshakeFailedException(uri, -1, "bad status in \"" + printable(statusLine) + "\"");
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
            byte[] b = new byte[Math.min(buffer.remaining(), 256)];
            buffer.duplicate().get(b);
            bodyPrefix = printable(new String(b, StandardCharsets.UTF_8).strip());
        }
        return new ResponseHead(status, reason, fields, bodyPrefix);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c != 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }
}
