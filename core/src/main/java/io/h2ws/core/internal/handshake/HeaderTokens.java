package io.h2ws.core.internal.handshake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Helpers for HTTP list-valued fields made of tokens (RFC 9110 section 5.6.1 lists, section 5.6.2
 * tokens), as used by Connection, Upgrade, Sec-WebSocket-Protocol and Sec-WebSocket-Version.
 * A field may arrive as several lines; RFC 9110 section 5.3 makes that equivalent to one line
 * joined with commas, so every helper accepts the lines as they came.
 *
 * <p>Not for fields whose elements may contain quoted strings (Sec-WebSocket-Extensions): a comma
 * inside quotes would split here. Use {@link ExtensionHeader} for those.
 */
public final class HeaderTokens {

    private HeaderTokens() {}

    /**
     * The elements of one comma-separated field value, OWS (SP / HTAB) trimmed, empty elements
     * skipped as RFC 9110 section 5.6.1 requires of recipients. Elements are not validated.
     *
     * @param fieldValue one field line's value; {@code null} gives an empty list
     */
    public static List<String> tokens(String fieldValue) {
        if (fieldValue == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        int len = fieldValue.length();
        while (start <= len) {
            int comma = fieldValue.indexOf(',', start);
            int end = comma < 0 ? len : comma;
            String element = trimOws(fieldValue, start, end);
            if (!element.isEmpty()) {
                out.add(element);
            }
            start = end + 1;
        }
        return Collections.unmodifiableList(out);
    }

    /** {@link #tokens(String)} over every line of a field, in order. */
    public static List<String> tokens(Iterable<String> fieldValues) {
        Objects.requireNonNull(fieldValues, "fieldValues");
        List<String> out = new ArrayList<>();
        for (String line : fieldValues) {
            out.addAll(tokens(line));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * True if any element of any line equals {@code token} ignoring ASCII case, e.g. "Upgrade" in
     * {@code Connection: keep-alive, Upgrade}. Connection options and upgrade protocol names are
     * case-insensitive (RFC 9110 sections 7.6.1 and 7.8; RFC 6455 section 4.2.1 items 3 and 4).
     * Only ASCII letters fold: {@link String#equalsIgnoreCase} would let U+212A KELVIN SIGN
     * match "k", which no HTTP peer means.
     */
    public static boolean containsToken(Iterable<String> fieldValues, String token) {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(fieldValues, "fieldValues");
        for (String line : fieldValues) {
            for (String element : tokens(line)) {
                if (equalsIgnoreAsciiCase(element, token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True if {@code s} is a non-empty run of tchar (RFC 9110 section 5.6.2). */
    public static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    static boolean isTchar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        switch (c) {
            case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
            case '+': case '-': case '.': case '^': case '_': case '`': case '|': case '~':
                return true;
            default:
                return false;
        }
    }

    static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * Trims only SP and HTAB: {@link String#trim()} would also eat control characters, hiding
     * a malformed value from the validation that follows.
     */
    static String trimOws(String s, int start, int end) {
        while (start < end && isOws(s.charAt(start))) {
            start++;
        }
        while (end > start && isOws(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    static String trimOws(String s) {
        return trimOws(s, 0, s.length());
    }

    static boolean equalsIgnoreAsciiCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (toLowerAscii(a.charAt(i)) != toLowerAscii(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char toLowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Peer-controlled text ends up in exception messages and logs: escape controls and non-ASCII. */
    static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }
}
