package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderTokensTest {

    @Test
    @DisplayName("RFC 9110 section 5.6.1: elements split on commas, OWS trimmed, empty elements skipped")
    void splitsLists() {
        assertEquals(List.of("keep-alive", "Upgrade"), HeaderTokens.tokens("keep-alive, Upgrade"));
        assertEquals(List.of("a", "b", "c"), HeaderTokens.tokens(" ,\ta ,, b\t,c , "));
        assertEquals(List.of(), HeaderTokens.tokens(""));
        assertEquals(List.of(), HeaderTokens.tokens(" , ,"));
        assertEquals(List.of(), HeaderTokens.tokens((String) null));
        assertEquals(List.of("x"), HeaderTokens.tokens("x"));
    }

    @Test
    @DisplayName("RFC 9110 section 5.6.3: only SP and HTAB are OWS; other controls stay for validation")
    void onlyOwsTrimmed() {
        assertEquals(List.of("a\r"), HeaderTokens.tokens(" a\r "));
    }

    @Test
    @DisplayName("RFC 9110 section 5.3: several lines are one list")
    void severalLines() {
        assertEquals(List.of("a", "b", "c"), HeaderTokens.tokens(Arrays.asList("a, b", null, "", "c")));
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1 items 3-4: Connection/Upgrade tokens match case-insensitively across lines")
    void containsTokenAcrossLines() {
        List<String> connection = List.of("keep-alive", " KEEP-ALIVE ,\tuPgRaDe ");
        assertTrue(HeaderTokens.containsToken(connection, "Upgrade"));
        assertTrue(HeaderTokens.containsToken(connection, "keep-alive"));
        assertFalse(HeaderTokens.containsToken(connection, "close"));
        assertFalse(HeaderTokens.containsToken(List.of("Upgrade-Insecure"), "Upgrade"), "no prefix match");
        assertFalse(HeaderTokens.containsToken(List.of("Up grade"), "Upgrade"));
        assertFalse(HeaderTokens.containsToken(List.of(), "Upgrade"));
        assertTrue(HeaderTokens.containsToken(List.of("WebSocket"), "websocket"));
    }

    @Test
    @DisplayName("RFC 9110 section 5.6.2: only ASCII letters fold case (no Kelvin sign or long s)")
    void asciiCaseFoldingOnly() {
        assertFalse(HeaderTokens.containsToken(List.of("\u212Aeep-alive"), "keep-alive"));
        assertFalse(HeaderTokens.containsToken(List.of("websocket"), "web\u017Focket"));
    }

    @ParameterizedTest
    @DisplayName("RFC 9110 section 5.6.2: tchar runs are tokens")
    @ValueSource(strings = {"websocket", "permessage-deflate", "13", "a!#$%&'*+-.^_`|~z", "X"})
    void tokens(String s) {
        assertTrue(HeaderTokens.isToken(s));
    }

    @ParameterizedTest
    @DisplayName("RFC 9110 section 5.6.2: delimiters, whitespace, controls and non-ASCII are not tchar")
    @ValueSource(strings = {"", "a b", "a,b", "a;b", "a=b", "\"a\"", "a/b", "(a)", "a@b", "a:b", "a\tb",
        "a\u0000", "caf\u00e9", "[a]", "{a}", "a?", "a\\b", "a<b>"})
    void notTokens(String s) {
        assertFalse(HeaderTokens.isToken(s));
    }

    @Test
    @DisplayName("RFC 9110 section 5.6.2: null is not a token")
    void nullIsNotToken() {
        assertFalse(HeaderTokens.isToken(null));
    }
}
