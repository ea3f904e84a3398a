package io.h2ws.core.internal.extension;

import static io.h2ws.core.internal.extension.Bytes.hex;
import static io.h2ws.core.internal.extension.Bytes.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of RFC 7692 section 7.2.3, byte for byte. Both directions are exact where
 * the RFC shows what a compressor emits (7.2.3.1, 7.2.3.2, 7.2.3.6): java.util.zip's zlib gives
 * the RFC's bytes. The other examples show alternative encodings another compressor may choose
 * (stored blocks, BFINAL, two blocks), so only inflating them is checked.
 */
class Rfc7692ExamplesTest {

    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HELLO_COMPRESSED = hex("0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00");

    private final MessageDeflater deflater = new MessageDeflater(-1, false, 15);
    private final MessageInflater inflater = new MessageInflater(false, 1 << 20, 16 * 1024);

    @AfterEach
    void end() {
        deflater.end();
        inflater.end();
    }

    private byte[] inflateMessage(byte[]... parts) {
        Bytes.Sink sink = new Bytes.Sink();
        for (int i = 0; i < parts.length; i++) {
            inflater.inflate(ByteBuffer.wrap(parts[i]), i == parts.length - 1, sink);
        }
        return sink.bytes();
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.1: \"Hello\" compresses to f2 48 cd c9 c9 07 00 (exact, deflate direction)")
    void helloDeflatesExactly() {
        assertArrayEquals(HELLO_COMPRESSED, toArray(deflater.deflate(ByteBuffer.wrap(HELLO), true)));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.1: f2 48 cd c9 c9 07 00 inflates to \"Hello\"")
    void helloInflates() {
        assertArrayEquals(HELLO, inflateMessage(HELLO_COMPRESSED));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.1: the fragmented form (f2 48 cd | c9 c9 07 00) inflates to \"Hello\"")
    void helloFragmentedInflates() {
        assertArrayEquals(HELLO, inflateMessage(hex("f2 48 cd"), hex("c9 c9 07 00")));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.2: with context takeover the second \"Hello\" is f2 00 11 00 00 (exact, both directions)")
    void sharedWindow() {
        assertArrayEquals(HELLO_COMPRESSED, toArray(deflater.deflate(ByteBuffer.wrap(HELLO), true)));
        assertArrayEquals(hex("0xf2 0x00 0x11 0x00 0x00"), toArray(deflater.deflate(ByteBuffer.wrap(HELLO), true)));
        assertArrayEquals(HELLO, inflateMessage(HELLO_COMPRESSED));
        assertArrayEquals(HELLO, inflateMessage(hex("0xf2 0x00 0x11 0x00 0x00")));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.2: without context takeover the second \"Hello\" repeats the first's bytes")
    void noSharedWindow() {
        MessageDeflater nct = new MessageDeflater(-1, true, 15);
        try {
            assertArrayEquals(HELLO_COMPRESSED, toArray(nct.deflate(ByteBuffer.wrap(HELLO), true)));
            assertArrayEquals(HELLO_COMPRESSED, toArray(nct.deflate(ByteBuffer.wrap(HELLO), true)));
        } finally {
            nct.end();
        }
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.3: a DEFLATE block with no compression inflates to \"Hello\"")
    void storedBlock() {
        assertArrayEquals(HELLO, inflateMessage(hex("0x00 0x05 0x00 0xfa 0xff 0x48 0x65 0x6c 0x6c 0x6f 0x00")));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.4: a DEFLATE block with BFINAL set inflates, and the next message still does")
    void bfinalBlock() {
        assertArrayEquals(HELLO, inflateMessage(hex("0xf3 0x48 0xcd 0xc9 0xc9 0x07 0x00 0x00")));
        // The sender's stream ended, so the next message starts a new one.
        assertArrayEquals(HELLO, inflateMessage(HELLO_COMPRESSED));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.5: two DEFLATE blocks in one message inflate to \"Hello\"")
    void twoBlocks() {
        assertArrayEquals(HELLO, inflateMessage(
                hex("0xf2 0x48 0x05 0x00 0x00 0x00 0xff 0xff 0xca 0xc9 0xc9 0x07 0x00")));
    }

    @Test
    @DisplayName("RFC 7692 section 7.2.3.6: an empty message compresses to the single byte 00 and inflates to nothing")
    void emptyMessage() {
        assertArrayEquals(hex("00"), toArray(deflater.deflate(ByteBuffer.allocate(0), true)));
        assertEquals(0, inflateMessage(hex("00")).length);
        // and the context is still usable afterwards
        assertArrayEquals(HELLO, inflateMessage(HELLO_COMPRESSED));
    }
}
