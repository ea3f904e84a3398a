package io.h2ws.core.internal.handshake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import io.h2ws.server.HandshakeException;

/**
 * Parses and formats Sec-WebSocket-Extensions (RFC 6455 section 9.1), shared by HTTP/1.1 and
 * HTTP/2 (RFC 8441 section 5). Grammar only; what an extension's parameters mean is the
 * extension's business (e.g. RFC 7692 for permessage-deflate).
 *
 * <pre>
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * </pre>
 *
 * OWS is tolerated around tokens, ";", "=" and ",", and empty list elements are ignored, as RFC
 * 9110 section 5.6.1 asks of recipients. A quoted value must be a token once unescaped.
 */
public final class ExtensionHeader {

    private ExtensionHeader() {}

    /**
     * Every extension of every line, in order; several lines are one list (section 9.1 and
     * RFC 9110 section 5.3). No lines, or only empty elements, give an empty list.
     *
     * @throws IllegalArgumentException on any grammar error, naming the line, the offset and
     *         the offending text; a server answers 400, a client fails the connection
     */
    public static List<ExtensionOffer> parse(Iterable<String> fieldValues) {
        Objects.requireNonNull(fieldValues, "fieldValues");
        List<ExtensionOffer> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : fieldValues) {
            lineNo++;
            if (line != null) {
                new Parser(line, lineNo).parseInto(out);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** {@link #parse(Iterable)} of a single field line. */
    public static List<ExtensionOffer> parse(String fieldValue) {
        return parse(Collections.singletonList(fieldValue));
    }

    /**
     * One field value, e.g. {@code permessage-deflate; client_max_window_bits, x-foo}. Values
     * are written bare: every valid value is a token, and some peers parse only that form.
     * An empty list gives "" and the caller should then omit the field.
     */
    public static String format(List<ExtensionOffer> extensions) {
        Objects.requireNonNull(extensions, "extensions");
        StringBuilder sb = new StringBuilder();
        for (ExtensionOffer e : extensions) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.name());
            for (ExtensionOffer.Param p : e.params()) {
                sb.append("; ").append(p.name());
                if (p.value() != null) {
                    sb.append('=').append(p.value());
                }
            }
        }
        return sb.toString();
    }

    /**
     * The client's check of the server's answer (section 4.1, item 5 of the response rules, and
     * section 9.1): every extension in use must be one the client offered, and each at most once,
     * since one extension cannot be applied twice with two configurations. Matching is by exact
     * name; whether the parameters are acceptable is the extension's own check.
     *
     * @throws HandshakeException naming the first offending extension
     */
    public static void checkClientSide(List<ExtensionOffer> offered, List<ExtensionOffer> responded)
            throws HandshakeException {
        Objects.requireNonNull(offered, "offered");
        Objects.requireNonNull(responded, "responded");
        Set<String> offeredNames = new HashSet<>();
        for (ExtensionOffer e : offered) {
            offeredNames.add(e.name());
        }
        Set<String> seen = new HashSet<>();
        for (ExtensionOffer e : responded) {
            if (!offeredNames.contains(e.name())) {
                throw new HandshakeException("server accepted extension \"" + e.name()
                        + "\" which the client did not offer (RFC 6455 section 4.1)");
            }
            if (!seen.add(e.name())) {
                throw new HandshakeException("server accepted extension \"" + e.name()
                        + "\" more than once (RFC 6455 section 9.1)");
            }
        }
    }

    /** A recursive-descent scanner over one field line; positions are 0-based offsets. */
    private static final class Parser {
        private final String s;
        private final int lineNo;
        private int pos;

        Parser(String s, int lineNo) {
            this.s = s;
            this.lineNo = lineNo;
        }

        void parseInto(List<ExtensionOffer> out) {
            while (true) {
                skipOws();
                if (atEnd()) {
                    return;
                }
                if (peek() == ',') {
                    pos++; // empty list element
                    continue;
                }
                out.add(extension());
                skipOws();
                if (atEnd()) {
                    return;
                }
                if (peek() != ',') {
                    throw error("expected ',' or ';' after extension");
                }
                pos++;
            }
        }

        private ExtensionOffer extension() {
            String name = token("extension name");
            List<ExtensionOffer.Param> params = new ArrayList<>();
            skipOws();
            while (!atEnd() && peek() == ';') {
                pos++;
                skipOws();
                params.add(param());
                skipOws();
            }
            return new ExtensionOffer(name, params);
        }

        private ExtensionOffer.Param param() {
            String name = token("parameter name");
            skipOws();
            if (atEnd() || peek() != '=') {
                return new ExtensionOffer.Param(name);
            }
            pos++;
            skipOws();
            String value;
            if (!atEnd() && peek() == '"') {
                int start = pos;
                value = quotedString();
                if (!HeaderTokens.isToken(value)) {
                    pos = start;
                    throw error("quoted value of parameter \"" + name + "\" is \"" + HeaderTokens.printable(value)
                            + "\" after unescaping, which is not a token");
                }
            } else {
                value = token("value of parameter \"" + name + "\"");
            }
            return new ExtensionOffer.Param(name, value);
        }

        private String token(String what) {
            int start = pos;
            while (!atEnd() && HeaderTokens.isTchar(peek())) {
                pos++;
            }
            if (pos == start) {
                throw error("expected " + what + " (a token)");
            }
            return s.substring(start, pos);
        }

        /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 section 5.6.4). */
        private String quotedString() {
            int start = pos;
            pos++; // opening DQUOTE
            StringBuilder sb = new StringBuilder();
            while (!atEnd()) {
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c == '\\') {
                    if (pos + 1 >= s.length()) {
                        break;
                    }
                    char escaped = s.charAt(pos + 1);
                    if (!isQuotedPairChar(escaped)) {
                        pos++;
                        throw error("invalid character after '\\' in quoted string");
                    }
                    sb.append(escaped);
                    pos += 2;
                    continue;
                }
                if (!isQdtext(c)) {
                    throw error("invalid character in quoted string");
                }
                sb.append(c);
                pos++;
            }
            pos = start;
            throw error("unterminated quoted string");
        }

        private static boolean isQdtext(char c) {
            return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B)
                    || (c >= 0x5D && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
        }

        private static boolean isQuotedPairChar(char c) {
            return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
        }

        private void skipOws() {
            while (!atEnd() && HeaderTokens.isOws(peek())) {
                pos++;
            }
        }

        private boolean atEnd() {
            return pos >= s.length();
        }

        private char peek() {
            return s.charAt(pos);
        }

        private IllegalArgumentException error(String problem) {
            String found = atEnd() ? "end of value" : "'" + HeaderTokens.printable(String.valueOf(peek())) + "'";
            return new IllegalArgumentException("Sec-WebSocket-Extensions line " + lineNo
                    + ", offset " + pos + ": " + problem + ", found " + found
                    + " in \"" + HeaderTokens.printable(s) + "\" (RFC 6455 section 9.1)");
        }
    }
}
