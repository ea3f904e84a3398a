package io.h2ws.core.internal.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import io.h2ws.core.internal.extension.PerMessageDeflateNegotiation.Accepted;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.ExtensionOffer;
import io.h2ws.server.HandshakeException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.h2ws.socket.DeflateConfig;

class PerMessageDeflateNegotiationTest {

    private static final DeflateConfig DEFAULTS = DeflateConfig.defaults();

    private static ExtensionOffer one(String header) {
        List<ExtensionOffer> parsed = ExtensionHeader.parse(header);
        assertEquals(1, parsed.size());
        return parsed.get(0);
    }

    private static DeflateParams clientAccepts(String response, DeflateConfig cfg) throws HandshakeException {
        return PerMessageDeflateNegotiation.acceptResponse(one(response), cfg);
    }

    private static HandshakeException clientFails(String response, DeflateConfig cfg) {
        HandshakeException e = assertThrows(HandshakeException.class, () -> clientAccepts(response, cfg));
        assertTrue(e.status().isEmpty(), "a client failure has no HTTP status");
        return e;
    }

    private static Optional<Accepted> serverAccepts(String offers, DeflateConfig cfg) {
        return PerMessageDeflateNegotiation.accept(ExtensionHeader.parse(offers), cfg);
    }

    private static String serverResponse(String offers, DeflateConfig cfg) {
        return ExtensionHeader.format(List.of(serverAccepts(offers, cfg).orElseThrow().response()));
    }

    // ------------------------------------------------------------ client offer

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: the default offer is permessage-deflate; client_max_window_bits")
    void defaultOffer() {
        assertEquals("permessage-deflate; client_max_window_bits",
                ExtensionHeader.format(List.of(PerMessageDeflateNegotiation.offer(DEFAULTS))));
    }

    @Test
    @DisplayName("RFC 7692 sections 7.1.1.1, 7.1.1.2: no_context_takeover requests appear in the offer")
    void offerWithNoContextTakeover() {
        DeflateConfig cfg = DeflateConfig.builder().requestServerNoContextTakeover(true)
                .requestClientNoContextTakeover(true).offerClientMaxWindowBits(false).build();
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                ExtensionHeader.format(List.of(PerMessageDeflateNegotiation.offer(cfg))));
    }

    @Test
    @DisplayName("RFC 7692 section 7.1: a disabled configuration offers nothing")
    void disabledOffer() {
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflateNegotiation.offer(DeflateConfig.disabled()));
    }

    // ------------------------------------------------------------ client check of the response

    @Test
    @DisplayName("RFC 7692 section 7.1: a bare response means context takeover and 15-bit windows both ways")
    void bareResponse() throws HandshakeException {
        assertEquals(DeflateParams.DEFAULT, clientAccepts("permessage-deflate", DEFAULTS));
    }

    @Test
    @DisplayName("RFC 7692 sections 7.1.1.1, 7.1.1.2, 7.1.2.1, 7.1.2.2: every response parameter is read")
    void fullResponse() throws HandshakeException {
        assertEquals(new DeflateParams(true, true, 10, 9), clientAccepts(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
                        + " server_max_window_bits=10; client_max_window_bits=9", DEFAULTS));
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.1: the server may announce server_no_context_takeover unasked")
    void serverNoContextTakeoverUnasked() throws HandshakeException {
        assertTrue(clientAccepts("permessage-deflate; server_no_context_takeover", DEFAULTS).serverNoContextTakeover());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.1: asked for server_no_context_takeover, a response without it fails")
    void serverNoContextTakeoverRequiredWhenAsked() throws HandshakeException {
        DeflateConfig cfg = DeflateConfig.builder().requestServerNoContextTakeover(true).build();
        clientFails("permessage-deflate", cfg);
        assertTrue(clientAccepts("permessage-deflate; server_no_context_takeover", cfg).serverNoContextTakeover());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.2: a client that offered client_no_context_takeover keeps its promise even if not echoed")
    void clientNoContextTakeoverPromise() throws HandshakeException {
        DeflateConfig cfg = DeflateConfig.builder().requestClientNoContextTakeover(true).build();
        assertTrue(clientAccepts("permessage-deflate", cfg).clientNoContextTakeover());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.1: server_max_window_bits in a response is allowed even unasked")
    void serverWindowUnasked() throws HandshakeException {
        assertEquals(8, clientAccepts("permessage-deflate; server_max_window_bits=8", DEFAULTS).serverMaxWindowBits());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: client_max_window_bits in the response when the offer lacked it fails")
    void clientWindowNotOffered() {
        DeflateConfig cfg = DeflateConfig.builder().offerClientMaxWindowBits(false).build();
        HandshakeException e = clientFails("permessage-deflate; client_max_window_bits=15", cfg);
        assertTrue(e.getMessage().contains("7.1.2.2"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: client_max_window_bits without a value is invalid in a response")
    void clientWindowWithoutValueInResponse() {
        clientFails("permessage-deflate; client_max_window_bits", DEFAULTS);
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.1: server_max_window_bits without a value fails")
    void serverWindowWithoutValueInResponse() {
        clientFails("permessage-deflate; server_max_window_bits", DEFAULTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "7", "16", "08", "015", "+9", "-1", "9a", "1e1", "99999999999"})
    @DisplayName("RFC 7692 section 7.1.2: window bits outside 8..15 or with leading zeroes fail the client")
    void badWindowValues(String v) {
        clientFails("permessage-deflate; server_max_window_bits=" + v, DEFAULTS);
        clientFails("permessage-deflate; client_max_window_bits=" + v, DEFAULTS);
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2: a quoted value is the same value (RFC 6455 section 9.1)")
    void quotedWindowValue() throws HandshakeException {
        assertEquals(12, clientAccepts("permessage-deflate; client_max_window_bits=\"12\"", DEFAULTS).clientMaxWindowBits());
    }

    @ParameterizedTest
    @ValueSource(strings = {"server_no_context_takeover=1", "client_no_context_takeover=true"})
    @DisplayName("RFC 7692 sections 7.1.1.1, 7.1.1.2: a value on a valueless parameter fails the client")
    void valueOnValuelessParam(String p) {
        clientFails("permessage-deflate; " + p, DEFAULTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"server_no_context_takeover; server_no_context_takeover",
            "client_no_context_takeover; client_no_context_takeover",
            "server_max_window_bits=10; server_max_window_bits=10",
            "client_max_window_bits=10; client_max_window_bits=11"})
    @DisplayName("RFC 7692 section 7: a duplicate parameter fails the client")
    void duplicateInResponse(String p) {
        HandshakeException e = clientFails("permessage-deflate; " + p, DEFAULTS);
        assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x_unknown", "mux", "Server_No_Context_Takeover", "client_max_window_bit=10"})
    @DisplayName("RFC 7692 section 7: a parameter not defined for a response fails the client")
    void unknownInResponse(String p) {
        clientFails("permessage-deflate; " + p, DEFAULTS);
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: a response accepting permessage-deflate that was never offered fails")
    void responseWhenDisabled() {
        clientFails("permessage-deflate", DeflateConfig.disabled());
    }

    // ------------------------------------------------------------ server choice

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: the Chromium offer is accepted with a bare response")
    void chromiumOffer() {
        Accepted a = serverAccepts("permessage-deflate; client_max_window_bits", DEFAULTS).orElseThrow();
        assertEquals(new ExtensionOffer("permessage-deflate"), a.response());
        assertEquals(DeflateParams.DEFAULT, a.params());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.2: a client_max_window_bits value is the client's promise; we never limit it further")
    void clientWindowValue() {
        Accepted a = serverAccepts("permessage-deflate; client_max_window_bits=10", DEFAULTS).orElseThrow();
        assertEquals(new ExtensionOffer("permessage-deflate"), a.response());
        assertEquals(10, a.params().clientMaxWindowBits());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.1: server_no_context_takeover is accepted by echoing it")
    void serverNoContextTakeoverEchoed() {
        assertEquals("permessage-deflate; server_no_context_takeover",
                serverResponse("permessage-deflate; server_no_context_takeover", DEFAULTS));
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.2: client_no_context_takeover is echoed and binds both ends")
    void clientNoContextTakeoverEchoed() {
        Accepted a = serverAccepts("permessage-deflate; client_no_context_takeover", DEFAULTS).orElseThrow();
        assertEquals("permessage-deflate; client_no_context_takeover", ExtensionHeader.format(List.of(a.response())));
        assertTrue(a.params().clientNoContextTakeover());
    }

    @Test
    @DisplayName("RFC 7692 sections 7.1.1.1, 7.1.1.2: the server may impose no_context_takeover unasked")
    void serverImposes() {
        DeflateConfig cfg = DeflateConfig.builder().serverNoContextTakeover(true).requireClientNoContextTakeover(true).build();
        Accepted a = serverAccepts("permessage-deflate", cfg).orElseThrow();
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                ExtensionHeader.format(List.of(a.response())));
        assertEquals(new DeflateParams(true, true, 15, 15), a.params());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2.1: server_max_window_bits=15 is accepted and echoed")
    void serverWindow15() {
        assertEquals("permessage-deflate; server_max_window_bits=15",
                serverResponse("permessage-deflate; server_max_window_bits=15", DEFAULTS));
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14})
    @DisplayName("RFC 7692 section 7.1.2.1: server_max_window_bits below 15 is declined (java.util.zip.Deflater is always 15 bits)")
    void serverWindowBelow15Declined(int bits) {
        assertEquals(Optional.empty(), serverAccepts("permessage-deflate; server_max_window_bits=" + bits, DEFAULTS));
        String why = PerMessageDeflateNegotiation.declineReason(
                one("permessage-deflate; server_max_window_bits=" + bits), DEFAULTS);
        assertTrue(why.contains("7.1.2.1"), why);
    }

    @Test
    @DisplayName("RFC 7692 section 5: a declined offer falls back to the client's next offer")
    void fallbackToNextOffer() {
        Accepted a = serverAccepts("permessage-deflate; server_max_window_bits=10; client_max_window_bits,"
                + " permessage-deflate; client_max_window_bits", DEFAULTS).orElseThrow();
        assertEquals(new ExtensionOffer("permessage-deflate"), a.response());
    }

    @Test
    @DisplayName("RFC 7692 section 5: the client's order wins, and other extensions are ignored")
    void firstAcceptableWins() {
        Accepted a = serverAccepts("x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover,"
                + " permessage-deflate", DEFAULTS).orElseThrow();
        assertTrue(a.params().serverNoContextTakeover());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "permessage-deflate; x_unknown",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover=\"yes\"",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=015",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=010"})
    @DisplayName("RFC 7692 section 7: unknown, duplicate or invalid parameters decline the offer, without failing the handshake")
    void invalidOffersDeclined(String offer) {
        assertEquals(Optional.empty(), serverAccepts(offer, DEFAULTS));
        assertNotNull(PerMessageDeflateNegotiation.declineReason(one(offer), DEFAULTS));
        // ... and a valid fallback after it is still taken
        assertTrue(serverAccepts(offer + ", permessage-deflate", DEFAULTS).isPresent());
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.1.1: a server policy against server_no_context_takeover declines such offers")
    void policyDeclinesServerNoContextTakeover() {
        DeflateConfig cfg = DeflateConfig.builder().acceptServerNoContextTakeover(false).build();
        assertEquals(Optional.empty(), serverAccepts("permessage-deflate; server_no_context_takeover", cfg));
        assertTrue(serverAccepts("permessage-deflate; server_no_context_takeover, permessage-deflate", cfg).isPresent());
    }

    @Test
    @DisplayName("RFC 7692 section 7: disabled, or no permessage-deflate offer, accepts nothing")
    void nothingToAccept() {
        assertEquals(Optional.empty(), serverAccepts("permessage-deflate", DeflateConfig.disabled()));
        assertEquals(Optional.empty(), serverAccepts("x-other; a=1", DEFAULTS));
        assertEquals(Optional.empty(), PerMessageDeflateNegotiation.accept(List.of(), DEFAULTS));
    }

    @Test
    @DisplayName("RFC 7692 section 7: every response our server makes passes our own client's check")
    void serverResponsesPassClientCheck() throws HandshakeException {
        DeflateConfig[] clients = {
                DEFAULTS,
                DeflateConfig.builder().requestServerNoContextTakeover(true).build(),
                DeflateConfig.builder().requestClientNoContextTakeover(true).offerClientMaxWindowBits(false).build(),
                DeflateConfig.builder().requestServerNoContextTakeover(true).requestClientNoContextTakeover(true).build()};
        DeflateConfig[] servers = {
                DEFAULTS,
                DeflateConfig.builder().serverNoContextTakeover(true).build(),
                DeflateConfig.builder().requireClientNoContextTakeover(true).build()};
        for (DeflateConfig c : clients) {
            for (DeflateConfig s : servers) {
                ExtensionOffer offer = PerMessageDeflateNegotiation.offer(c);
                Accepted a = PerMessageDeflateNegotiation.accept(List.of(offer), s).orElseThrow();
                // the response goes over the wire as text
                ExtensionOffer onWire = one(ExtensionHeader.format(List.of(a.response())));
                assertEquals(a.params(), PerMessageDeflateNegotiation.acceptResponse(onWire, c),
                        "client " + c + " / server " + s);
            }
        }
    }

    @Test
    @DisplayName("RFC 7692 section 7.1.2: window bits are decimal 8..15 without leading zeroes")
    void parseBits() {
        for (int i = 8; i <= 15; i++) {
            assertEquals(i, PerMessageDeflateNegotiation.parseBits(Integer.toString(i)));
        }
        for (String bad : new String[] {"", "7", "16", "08", "+8", " 8", "\u0669"}) {
            assertEquals(-1, PerMessageDeflateNegotiation.parseBits(bad), bad);
        }
        assertNull(PerMessageDeflateNegotiation.declineReason(one("permessage-deflate; client_max_window_bits=8"), DEFAULTS));
    }
}
