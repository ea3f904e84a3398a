package io.h2ws.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.h2ws.core.internal.extension.PerMessageDeflateNegotiation;
import io.h2ws.socket.DeflateConfig;
import io.h2ws.core.internal.handshake.ExtensionHeader;
import io.h2ws.core.internal.handshake.ExtensionOffer;

/**
 * Fuzz target for the Sec-WebSocket-Extensions parser (RFC 6455 section 9.1): any field lines
 * give a list or an {@link IllegalArgumentException}; a parsed list formats to a value that
 * parses back to the same list; the server's permessage-deflate negotiation accepts or
 * declines what parsed without throwing. See {@code spec-notes/fuzzing.md}.
 */
class ExtensionHeaderFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void parse(FuzzedDataProvider data) {
        int lines = data.consumeInt(1, 3);
        String[] values = new String[lines];
        for (int i = 0; i < lines; i++) {
            values[i] = data.consumeString(200);
        }
        List<ExtensionOffer> offers;
        try {
            offers = ExtensionHeader.parse(List.of(values));
        } catch (IllegalArgumentException expected) {
            return;
        }
        String formatted = ExtensionHeader.format(offers);
        assertEquals(offers, ExtensionHeader.parse(formatted), formatted);
        PerMessageDeflateNegotiation.accept(offers, DeflateConfig.defaults());
    }
}
