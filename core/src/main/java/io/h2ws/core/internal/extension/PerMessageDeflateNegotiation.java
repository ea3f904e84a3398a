package io.h2ws.core.internal.extension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.h2ws.core.internal.handshake.ExtensionOffer;
import io.h2ws.server.HandshakeException;
import io.h2ws.socket.DeflateConfig;

/**
 * permessage-deflate parameter negotiation (RFC 7692 sections 5 and 7.1) for both ends, as pure
 * functions over parsed Sec-WebSocket-Extensions elements ({@link ExtensionOffer}).
 *
 * <p>Platform limit that shapes every choice here: {@link java.util.zip.Deflater} always
 * compresses with a 32 KiB (15-bit) window and cannot be told to use less, while
 * {@link java.util.zip.Inflater} reads any window up to 15 bits. Limits on the window <em>we
 * decompress</em> are therefore always fine; limits on the window <em>we compress</em> with are
 * either declined (server, section 7.1.2.1 allows it) or met with Huffman-only coding, which has no
 * back-references at all (client, which has no way to decline a response).
 */
public final class PerMessageDeflateNegotiation {

    /** The extension token (RFC 7692 section 7). */
    public static final String NAME = "permessage-deflate";
    static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    private PerMessageDeflateNegotiation() {}

    /**
     * The server's choice (RFC 7692 section 5): the response element to send and the parameters
     * both ends now use.
     *
     * @param response the Sec-WebSocket-Extensions element to answer with
     * @param params   the agreed parameters (section 7.2)
     */
    public record Accepted(ExtensionOffer response, DeflateParams params) {
        public Accepted {
            Objects.requireNonNull(response, "response");
            Objects.requireNonNull(params, "params");
        }
    }

    // ---------------------------------------------------------------- client

    /**
     * The client's single offer (RFC 7692 section 7.1). No server_max_window_bits is offered: a
     * smaller server window would save the server memory, not us, since {@code Inflater} always
     * allocates 32 KiB.
     *
     * @throws IllegalArgumentException if {@code cfg} is disabled
     */
    public static ExtensionOffer offer(DeflateConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        if (!cfg.enabled()) {
            throw new IllegalArgumentException("permessage-deflate is disabled; offer nothing");
        }
        List<ExtensionOffer.Param> params = new ArrayList<>();
        if (cfg.requestServerNoContextTakeover()) {
            params.add(new ExtensionOffer.Param(SERVER_NO_CONTEXT_TAKEOVER));
        }
        if (cfg.requestClientNoContextTakeover()) {
            params.add(new ExtensionOffer.Param(CLIENT_NO_CONTEXT_TAKEOVER));
        }
        if (cfg.offerClientMaxWindowBits()) {
            params.add(new ExtensionOffer.Param(CLIENT_MAX_WINDOW_BITS));
        }
        return new ExtensionOffer(NAME, params);
    }

    /**
     * The client's check of the server's permessage-deflate response to {@link #offer(DeflateConfig)}
     * (RFC 7692 section 7, last list, and sections 7.1.1.1 to 7.1.2.2). The caller has already
     * checked with {@code ExtensionHeader.checkClientSide} that the server named the extension at
     * most once.
     *
     * @return the agreed parameters
     * @throws HandshakeException (no status) when the client must Fail the WebSocket Connection:
     *         an unknown or duplicate parameter, a value where none is allowed, a missing or
     *         invalid window size, client_max_window_bits we did not offer, or no
     *         server_no_context_takeover when we asked for it
     */
    public static DeflateParams acceptResponse(ExtensionOffer response, DeflateConfig cfg) throws HandshakeException {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(cfg, "cfg");
        if (!NAME.equals(response.name())) {
            throw new IllegalArgumentException("not a permessage-deflate response: " + response.name());
        }
        if (!cfg.enabled()) {
            // We offered nothing, so this is an extension we did not offer (RFC 6455 section 4.1).
            throw new HandshakeException("server accepted permessage-deflate, which the client did not offer"
                    + " (RFC 6455 section 4.1)");
        }
        String problem = checkDuplicates(response);
        if (problem != null) {
            throw clientFail(problem);
        }
        boolean serverNct = false;
        boolean clientNct = false;
        int serverBits = DeflateParams.MAX_WINDOW_BITS;
        int clientBits = DeflateParams.MAX_WINDOW_BITS;
        for (ExtensionOffer.Param p : response.params()) {
            switch (p.name()) {
                case SERVER_NO_CONTEXT_TAKEOVER -> {
                    requireNoValue(p, "7.1.1.1");
                    serverNct = true; // allowed even unasked (section 7.1.1.1)
                }
                case CLIENT_NO_CONTEXT_TAKEOVER -> {
                    requireNoValue(p, "7.1.1.2");
                    clientNct = true; // the server may always impose it (section 7.1.1.2)
                }
                case SERVER_MAX_WINDOW_BITS -> {
                    // Allowed even unasked (section 7.1.2.1); Inflater reads any window <= 15.
                    serverBits = requireBits(p, "7.1.2.1");
                }
                case CLIENT_MAX_WINDOW_BITS -> {
                    if (!cfg.offerClientMaxWindowBits()) {
                        throw clientFail("the response has client_max_window_bits, which the offer did not have"
                                + " (RFC 7692 section 7.1.2.2)");
                    }
                    // In a response the value is mandatory (section 7.1.2.2). Below 15 the
                    // MessageDeflater falls back to Huffman-only coding, which meets any window.
                    clientBits = requireBits(p, "7.1.2.2");
                }
                default -> throw clientFail("the response has parameter \"" + p.name()
                        + "\", which is not defined for a permessage-deflate response (RFC 7692 section 7)");
            }
        }
        if (cfg.requestServerNoContextTakeover() && !serverNct) {
            // The server accepts that parameter only by echoing it (section 7.1.1.1); a response
            // without it answers an offer we never made.
            throw clientFail("the offer had server_no_context_takeover but the response does not"
                    + " (RFC 7692 section 7.1.1.1)");
        }
        if (cfg.requestClientNoContextTakeover()) {
            clientNct = true; // we promised it in the offer (section 7.1.1.2), echoed or not
        }
        return new DeflateParams(serverNct, clientNct, serverBits, clientBits);
    }

    // ---------------------------------------------------------------- server

    /**
     * The server's choice among the client's offers (RFC 7692 section 5): the first
     * permessage-deflate offer, in the client's preference order, that this server can honour.
     * Every offer the RFC says to decline is skipped, never failed: section 7 makes an unknown or
     * duplicate parameter or an invalid value a reason to <em>decline that offer</em>, so a later
     * fallback offer still gets its chance and the handshake proceeds without compression if none
     * fits. Other extensions in {@code offers} are ignored.
     *
     * <p>The response echoes server_no_context_takeover and client_no_context_takeover when
     * offered (making the client's hint binding, so our inflater may reset too), includes them when
     * {@code cfg} imposes them, answers server_max_window_bits=15 with 15 and never sends
     * client_max_window_bits: our Inflater reads any window, so we never need to limit the client.
     *
     * @return the response and agreed parameters, or empty to answer without permessage-deflate
     */
    public static Optional<Accepted> accept(List<ExtensionOffer> offers, DeflateConfig cfg) {
        Objects.requireNonNull(offers, "offers");
        Objects.requireNonNull(cfg, "cfg");
        if (!cfg.enabled()) {
            return Optional.empty();
        }
        for (ExtensionOffer offer : offers) {
            if (NAME.equals(offer.name()) && declineReason(offer, cfg) == null) {
                return Optional.of(acceptOne(offer, cfg));
            }
        }
        return Optional.empty();
    }

    /**
     * Why the server declines this permessage-deflate offer (RFC 7692 section 7, first list), or
     * null if it accepts it. Separate from {@link #accept} so a server can log what it skipped.
     */
    public static String declineReason(ExtensionOffer offer, DeflateConfig cfg) {
        Objects.requireNonNull(offer, "offer");
        Objects.requireNonNull(cfg, "cfg");
        if (!NAME.equals(offer.name())) {
            return "not a permessage-deflate offer";
        }
        if (!cfg.enabled()) {
            return "permessage-deflate is disabled";
        }
        String dup = checkDuplicates(offer);
        if (dup != null) {
            return dup;
        }
        for (ExtensionOffer.Param p : offer.params()) {
            String v = p.value();
            switch (p.name()) {
                case SERVER_NO_CONTEXT_TAKEOVER -> {
                    if (v != null) {
                        return valueNotAllowed(p, "7.1.1.1");
                    }
                    if (!cfg.acceptServerNoContextTakeover()) {
                        return "server_no_context_takeover is offered and this server's policy declines it"
                                + " (RFC 7692 section 7.1.1.1)";
                    }
                }
                case CLIENT_NO_CONTEXT_TAKEOVER -> {
                    if (v != null) {
                        return valueNotAllowed(p, "7.1.1.2");
                    }
                }
                case SERVER_MAX_WINDOW_BITS -> {
                    if (v == null || parseBits(v) < 0) {
                        return badBits(p, "7.1.2.1");
                    }
                    if (parseBits(v) < DeflateParams.MAX_WINDOW_BITS) {
                        // section 7.1.2.1: "A server declines an extension negotiation offer with
                        // this parameter if the server doesn't support it."
                        return "server_max_window_bits=" + v + " asks for a window java.util.zip.Deflater cannot"
                                + " limit itself to (always 15 bits) (RFC 7692 section 7.1.2.1)";
                    }
                }
                case CLIENT_MAX_WINDOW_BITS -> {
                    if (v != null && parseBits(v) < 0) {
                        return badBits(p, "7.1.2.2");
                    }
                }
                default -> {
                    return "parameter \"" + p.name() + "\" is not defined for a permessage-deflate offer"
                            + " (RFC 7692 section 7)";
                }
            }
        }
        return null;
    }

    private static Accepted acceptOne(ExtensionOffer offer, DeflateConfig cfg) {
        boolean serverNct = offer.has(SERVER_NO_CONTEXT_TAKEOVER) || cfg.serverNoContextTakeover();
        boolean clientNct = offer.has(CLIENT_NO_CONTEXT_TAKEOVER) || cfg.requireClientNoContextTakeover();
        // An offered value is the client's own promise to stay within that window (7.1.2.2).
        int clientBits = offer.param(CLIENT_MAX_WINDOW_BITS).map(PerMessageDeflateNegotiation::parseBits)
                .orElse(DeflateParams.MAX_WINDOW_BITS);
        List<ExtensionOffer.Param> params = new ArrayList<>();
        if (serverNct) {
            params.add(new ExtensionOffer.Param(SERVER_NO_CONTEXT_TAKEOVER));
        }
        if (clientNct) {
            params.add(new ExtensionOffer.Param(CLIENT_NO_CONTEXT_TAKEOVER));
        }
        if (offer.has(SERVER_MAX_WINDOW_BITS)) {
            // Accepting the parameter means echoing it with the same or a smaller value
            // (section 7.1.2.1); declineReason let only 15 through.
            params.add(new ExtensionOffer.Param(SERVER_MAX_WINDOW_BITS, "15"));
        }
        return new Accepted(new ExtensionOffer(NAME, params),
                new DeflateParams(serverNct, clientNct, DeflateParams.MAX_WINDOW_BITS, clientBits));
    }

    // ---------------------------------------------------------------- shared

    /** Section 7: "multiple extension parameters with the same name" is grounds to decline / fail. */
    private static String checkDuplicates(ExtensionOffer e) {
        Set<String> seen = new HashSet<>();
        for (ExtensionOffer.Param p : e.params()) {
            if (!seen.add(p.name())) {
                return "parameter \"" + p.name() + "\" appears more than once (RFC 7692 section 7)";
            }
        }
        return null;
    }

    /**
     * 8..15, decimal, no leading zeroes (RFC 7692 sections 7.1.2.1 and 7.1.2.2), else -1. Exact
     * string match rather than Integer.parseInt, which would accept "+9", "09" and "٩".
     */
    static int parseBits(String v) {
        return switch (v) {
            case "8" -> 8;
            case "9" -> 9;
            case "10" -> 10;
            case "11" -> 11;
            case "12" -> 12;
            case "13" -> 13;
            case "14" -> 14;
            case "15" -> 15;
            default -> -1;
        };
    }

    private static void requireNoValue(ExtensionOffer.Param p, String section) throws HandshakeException {
        if (p.value() != null) {
            throw clientFail(valueNotAllowed(p, section));
        }
    }

    private static int requireBits(ExtensionOffer.Param p, String section) throws HandshakeException {
        int bits = p.value() == null ? -1 : parseBits(p.value());
        if (bits < 0) {
            throw clientFail(badBits(p, section));
        }
        return bits;
    }

    private static String valueNotAllowed(ExtensionOffer.Param p, String section) {
        return p.name() + " takes no value, got \"" + p.value() + "\" (RFC 7692 section " + section + ")";
    }

    private static String badBits(ExtensionOffer.Param p, String section) {
        return p.name() + (p.value() == null ? " needs a value" : " has invalid value \"" + p.value() + "\"")
                + "; it must be 8..15 without leading zeroes (RFC 7692 section " + section + ")";
    }

    private static HandshakeException clientFail(String problem) {
        return new HandshakeException("permessage-deflate response rejected: " + problem);
    }
}
