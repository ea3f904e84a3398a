package io.h2ws.core.internal.handshake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import io.h2ws.server.HandshakeException;

/**
 * Sec-WebSocket-Protocol negotiation (RFC 6455 sections 1.9, 4.1, 4.2.2 and 11.3.4), the same on
 * HTTP/1.1 and HTTP/2 (RFC 8441 section 5). Names compare exactly: section 11.3.4 defines the
 * elements as tokens whose values are case-sensitive, and a subprotocol registered as "chat" is
 * a different protocol from "Chat" as far as the application on either end knows.
 */
public final class Subprotocols {

    private Subprotocols() {}

    /**
     * The client's offer, in the client's order, from every Sec-WebSocket-Protocol line
     * ({@code 1#token}, section 4.3). Empty elements are ignored (RFC 9110 section 5.6.1).
     *
     * @throws IllegalArgumentException if an element is not a token or is offered twice
     *         (section 4.1 item 10 requires unique tokens); a server answers 400
     */
    public static List<String> parseOffer(Iterable<String> fieldValues) {
        List<String> offered = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String element : HeaderTokens.tokens(fieldValues)) {
            if (!HeaderTokens.isToken(element)) {
                throw new IllegalArgumentException("Sec-WebSocket-Protocol element \"" + HeaderTokens.printable(element)
                        + "\" is not a token (RFC 6455 section 4.1)");
            }
            if (!seen.add(element)) {
                throw new IllegalArgumentException("Sec-WebSocket-Protocol offers \"" + HeaderTokens.printable(element)
                        + "\" more than once (RFC 6455 section 4.1)");
            }
            offered.add(element);
        }
        return Collections.unmodifiableList(offered);
    }

    /**
     * The server's choice: its most preferred subprotocol that the client offered, or empty, in
     * which case the server must not send the field at all (section 4.2.2 step 4,
     * /subprotocol/). Server preference wins because the client's order only says what it
     * prefers, and the server is the one that has to implement the choice.
     */
    public static Optional<String> select(List<String> offered, List<String> supportedInServerPreferenceOrder) {
        Objects.requireNonNull(offered, "offered");
        Objects.requireNonNull(supportedInServerPreferenceOrder, "supportedInServerPreferenceOrder");
        for (String candidate : supportedInServerPreferenceOrder) {
            if (offered.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The client's check of the response (section 4.1, item 6 of the response rules): the
     * server may select nothing, or exactly one subprotocol the client offered. Anything else
     * fails the connection.
     *
     * @param offered        what the client sent, as from {@link #parseOffer}
     * @param selectedOrNull the response's Sec-WebSocket-Protocol value, several lines joined
     *                       with ", " (RFC 9110 section 5.3), or {@code null} when absent
     * @throws HandshakeException if the value is empty, lists several names, is not a token or
     *         names a subprotocol the client did not offer
     */
    public static void checkClientSide(List<String> offered, String selectedOrNull) throws HandshakeException {
        Objects.requireNonNull(offered, "offered");
        if (selectedOrNull == null) {
            return;
        }
        List<String> selected = HeaderTokens.tokens(selectedOrNull);
        if (selected.isEmpty()) {
            // The response grammar is a single token (section 4.3); a present but empty field
            // is not "no subprotocol", it is a broken server.
            throw new HandshakeException("server sent an empty Sec-WebSocket-Protocol (RFC 6455 section 4.1)");
        }
        if (selected.size() > 1) {
            throw new HandshakeException("server selected several subprotocols " + HeaderTokens.printable(selected.toString())
                    + "; it must select at most one (RFC 6455 section 4.1)");
        }
        String name = selected.get(0);
        if (!HeaderTokens.isToken(name)) {
            throw new HandshakeException("server selected subprotocol \"" + HeaderTokens.printable(name)
                    + "\" which is not a token (RFC 6455 section 4.1)");
        }
        if (!offered.contains(name)) {
            throw new HandshakeException("server selected subprotocol \"" + name
                    + "\" which the client did not offer " + offered + " (RFC 6455 section 4.1)");
        }
    }
}
