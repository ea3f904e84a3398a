package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.h2ws.core.internal.handshake.ExtensionOffer.Param;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.h2ws.server.HandshakeException;

class ExtensionHeaderTest {

    private static final ExtensionOffer PMD = new ExtensionOffer("permessage-deflate");

    @Test
    @DisplayName("RFC 6455 section 9.1: a bare extension name")
    void bareName() {
        assertEquals(List.of(PMD), ExtensionHeader.parse("permessage-deflate"));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: a quoted value is stored unescaped")
    void quotedValue() {
        List<ExtensionOffer> parsed = ExtensionHeader.parse("permessage-deflate; client_max_window_bits=\"15\"");
        assertEquals(List.of(new ExtensionOffer("permessage-deflate", List.of(new Param("client_max_window_bits", "15")))),
                parsed);
        assertEquals(Optional.of("15"), parsed.get(0).param("client_max_window_bits"));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: quoted-pair escapes unescape to a token")
    void quotedPair() {
        assertEquals(Optional.of("15"), ExtensionHeader.parse("x; a=\"1\\5\"").get(0).param("a"));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: token values, params without values, several params")
    void params() {
        ExtensionOffer e = ExtensionHeader.parse(
                "permessage-deflate; client_max_window_bits; server_max_window_bits=10; server_no_context_takeover").get(0);
        assertEquals(List.of(new Param("client_max_window_bits"), new Param("server_max_window_bits", "10"),
                new Param("server_no_context_takeover")), e.params());
        assertTrue(e.has("client_max_window_bits"));
        assertEquals(Optional.empty(), e.param("client_max_window_bits"), "present without value");
        assertEquals(Optional.of("10"), e.param("server_max_window_bits"));
        assertFalse(e.has("client_no_context_takeover"));
        assertEquals(Optional.empty(), e.param("client_no_context_takeover"));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: several extensions, in the client's preference order")
    void severalExtensions() {
        List<ExtensionOffer> parsed = ExtensionHeader.parse(
                "permessage-deflate; client_max_window_bits, permessage-deflate, x-webkit-deflate-frame");
        assertEquals(3, parsed.size());
        assertEquals("permessage-deflate", parsed.get(0).name());
        assertTrue(parsed.get(0).has("client_max_window_bits"));
        assertEquals(PMD, parsed.get(1));
        assertEquals("x-webkit-deflate-frame", parsed.get(2).name());
    }

    @Test
    @DisplayName("RFC 6455 section 9.1 and RFC 9110 section 5.3: several lines are one list")
    void severalLines() {
        List<ExtensionOffer> parsed = ExtensionHeader.parse(
                Arrays.asList("foo; a=1", null, "bar, baz; b", ""));
        assertEquals(List.of(new ExtensionOffer("foo", List.of(new Param("a", "1"))), new ExtensionOffer("bar"),
                new ExtensionOffer("baz", List.of(new Param("b")))), parsed);
        assertEquals(List.of(), ExtensionHeader.parse(List.of()));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: OWS around tokens, ';', '=' and ',' is tolerated")
    void whitespace() {
        assertEquals(ExtensionHeader.parse("foo;a=1;b=\"2\";c,bar"),
                ExtensionHeader.parse(" \tfoo \t; a \t= 1 ;\tb = \"2\" ; c\t ,  bar\t "));
    }

    @Test
    @DisplayName("RFC 9110 section 5.6.1: empty list elements are ignored")
    void emptyElements() {
        assertEquals(List.of(new ExtensionOffer("foo"), new ExtensionOffer("bar")),
                ExtensionHeader.parse(", foo,, ,bar ,"));
        assertEquals(List.of(), ExtensionHeader.parse(" , "));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: names and parameter names keep their case")
    void caseKept() {
        ExtensionOffer e = ExtensionHeader.parse("Foo; Bar=BAZ").get(0);
        assertEquals("Foo", e.name());
        assertEquals(Optional.of("BAZ"), e.param("Bar"));
        assertFalse(e.has("bar"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @DisplayName("RFC 6455 section 9.1: grammar errors raise IllegalArgumentException")
    @ValueSource(strings = {
        ";a",                               // empty extension name
        "foo;;a",                           // ;;
        "foo;",                             // ; without a parameter
        "foo; ",                            // ; without a parameter, trailing OWS
        "foo; a=",                          // = without a value
        "foo; a= ;b",                       // = without a value before ;
        "foo; a=, bar",                     // = without a value before ,
        "foo; =1",                          // parameter without a name
        "foo; a=\"15",                      // unterminated quote
        "foo; a=\"15\\",                    // unterminated quote after backslash
        "foo; a=\"1 5\"",                   // quoted value with SP is not a token
        "foo; a=\"\"",                      // empty quoted value is not a token
        "foo; a=\"x,y\"",                   // quoted value with a delimiter is not a token
        "foo; a=\"x;y\"",                   // quoted value with a delimiter is not a token
        "foo; a=\"\\\"\"",                  // escaped DQUOTE is not a token
        "foo; a=\"15\"x",                   // text after the closing quote
        "foo, ;bar",                        // trailing comma garbage: element without a name
        "foo, =",                           // trailing comma garbage
        "foo, bar baz",                     // two tokens in one element
        "foo bar",                          // two tokens in one element
        "foo; a=1 2",                       // two tokens in one value
        "foo; a b",                         // two tokens as a parameter
        "foo@bar",                          // non-token character in a name
        "foo; a/b=1",                       // non-token character in a parameter name
        "foo; a=b/c",                       // non-token character in a value
        "caf\u00e9",                        // non-ASCII name
        "foo; a=1=2",                       // second =
        "\"foo\"",                          // quoted extension name
        "foo; \"a\"=1",                     // quoted parameter name
        "foo\r\n; a",                       // CR LF is not OWS
        "foo; a=\"1\u00005\"",              // control character inside quotes
        "foo; a=\"1\u0007\"",               // control character inside quotes
    })
    void invalid(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExtensionHeader.parse(value));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        assertTrue(e.getMessage().contains("section 9.1"), e.getMessage());
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: the error names the line, offset and text, with controls escaped")
    void errorMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExtensionHeader.parse(List.of("foo", "bar;;x\n")));
        String m = e.getMessage();
        assertTrue(m.contains("line 2"), m);
        assertTrue(m.contains("offset 4"), m);
        assertTrue(m.contains("found ';'"), m);
        assertTrue(m.contains("bar;;x\\u000a"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: format writes the grammar and parse reads it back")
    void roundTrip() {
        List<ExtensionOffer> offers = List.of(
                new ExtensionOffer("permessage-deflate",
                        List.of(new Param("client_max_window_bits"), new Param("server_max_window_bits", "10"))),
                PMD,
                new ExtensionOffer("x-custom", List.of(new Param("k", "v!#$%&'*+-.^_`|~"))));
        String formatted = ExtensionHeader.format(offers);
        assertEquals("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate, "
                + "x-custom; k=v!#$%&'*+-.^_`|~", formatted);
        assertEquals(offers, ExtensionHeader.parse(formatted));
        assertEquals("", ExtensionHeader.format(List.of()));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: a quoted value round-trips as a bare token")
    void quotedRoundTrip() {
        String original = "permessage-deflate; client_max_window_bits=\"15\"";
        assertEquals("permessage-deflate; client_max_window_bits=15",
                ExtensionHeader.format(ExtensionHeader.parse(original)));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: offers cannot be built with non-token names or values")
    void recordValidation() {
        assertThrows(IllegalArgumentException.class, () -> new ExtensionOffer(""));
        assertThrows(IllegalArgumentException.class, () -> new ExtensionOffer("a b"));
        assertThrows(IllegalArgumentException.class, () -> new Param("a;b"));
        assertThrows(IllegalArgumentException.class, () -> new Param("a", "x y"));
        assertThrows(IllegalArgumentException.class, () -> new Param("a", ""));
        assertThrows(NullPointerException.class, () -> new ExtensionOffer(null));
        assertThrows(NullPointerException.class, () -> new ExtensionOffer("a", null));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: params are an immutable copy")
    void paramsImmutable() {
        List<Param> params = new java.util.ArrayList<>(List.of(new Param("a")));
        ExtensionOffer e = new ExtensionOffer("x", params);
        params.add(new Param("b"));
        assertEquals(1, e.params().size());
        assertThrows(UnsupportedOperationException.class, () -> e.params().add(new Param("c")));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: the client accepts a response naming only offered extensions, once each")
    void clientAccepts() {
        List<ExtensionOffer> offered = ExtensionHeader.parse(
                "permessage-deflate; client_max_window_bits, permessage-deflate, x-foo");
        assertDoesNotThrow(() -> ExtensionHeader.checkClientSide(offered, List.of()));
        assertDoesNotThrow(() -> ExtensionHeader.checkClientSide(offered,
                ExtensionHeader.parse("permessage-deflate; server_max_window_bits=10")));
        assertDoesNotThrow(() -> ExtensionHeader.checkClientSide(offered,
                ExtensionHeader.parse(List.of("permessage-deflate", "x-foo"))));
    }

    @Test
    @DisplayName("RFC 6455 section 4.1: the client fails when the response names an unoffered extension")
    void clientRejectsUnoffered() {
        List<ExtensionOffer> offered = ExtensionHeader.parse("permessage-deflate");
        HandshakeException e = assertThrows(HandshakeException.class,
                () -> ExtensionHeader.checkClientSide(offered, ExtensionHeader.parse("x-foo")));
        assertTrue(e.reason().contains("x-foo"), e.reason());
        assertThrows(HandshakeException.class,
                () -> ExtensionHeader.checkClientSide(List.of(), ExtensionHeader.parse("permessage-deflate")));
        assertThrows(HandshakeException.class,
                () -> ExtensionHeader.checkClientSide(offered, ExtensionHeader.parse("Permessage-Deflate")));
    }

    @Test
    @DisplayName("RFC 6455 section 9.1: the client fails when the response names one extension twice")
    void clientRejectsDuplicate() {
        List<ExtensionOffer> offered = ExtensionHeader.parse("permessage-deflate; client_max_window_bits, permessage-deflate");
        HandshakeException e = assertThrows(HandshakeException.class, () -> ExtensionHeader.checkClientSide(offered,
                ExtensionHeader.parse(List.of("permessage-deflate", "permessage-deflate; server_no_context_takeover"))));
        assertTrue(e.reason().contains("more than once"), e.reason());
    }
}
