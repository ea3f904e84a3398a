package io.h2ws.core.internal.handshake;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One element of a Sec-WebSocket-Extensions list (RFC 6455 section 9.1): an extension name and
 * its parameters in the order sent. The same type serves a client's offer and a server's
 * response, since section 9.1 uses one grammar for both. Every name and value is validated as a
 * token here, so {@link ExtensionHeader#format} can never emit a malformed field.
 *
 * @param name   the extension token, e.g. "permessage-deflate"
 * @param params the parameters; unmodifiable
 */
public record ExtensionOffer(String name, List<Param> params) {

    /**
     * One extension parameter. The value is stored unescaped: section 9.1 requires a
     * quoted-string value to be a token once unescaped, so quoting carries no information.
     *
     * @param name  the parameter token
     * @param value the value, or {@code null} for a parameter sent without "="
     */
    public record Param(String name, String value) {
        public Param {
            requireToken(name, "extension parameter name");
            if (value != null) {
                requireToken(value, "value of extension parameter \"" + name + "\"");
            }
        }

        /** A parameter without a value, e.g. {@code client_max_window_bits} in an offer. */
        public Param(String name) {
            this(name, null);
        }
    }

    public ExtensionOffer {
        requireToken(name, "extension name");
        params = List.copyOf(Objects.requireNonNull(params, "params"));
    }

    /** An extension without parameters. */
    public ExtensionOffer(String name) {
        this(name, List.of());
    }

    /**
     * The value of the first parameter named {@code paramName} (exact match), empty when absent
     * or present without a value; use {@link #has} to tell those two apart.
     */
    public Optional<String> param(String paramName) {
        for (Param p : params) {
            if (p.name().equals(paramName)) {
                return Optional.ofNullable(p.value());
            }
        }
        return Optional.empty();
    }

    /** True if a parameter named {@code paramName} is present, with or without a value. */
    public boolean has(String paramName) {
        for (Param p : params) {
            if (p.name().equals(paramName)) {
                return true;
            }
        }
        return false;
    }

    private static void requireToken(String s, String what) {
        Objects.requireNonNull(s, what);
        if (!HeaderTokens.isToken(s)) {
            throw new IllegalArgumentException(
                    what + " \"" + HeaderTokens.printable(s) + "\" is not a token (RFC 6455 section 9.1)");
        }
    }
}
