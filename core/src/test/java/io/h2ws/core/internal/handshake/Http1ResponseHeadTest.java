package io.h2ws.core.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.h2ws.client.HandshakeFailedException;

/** Vectors for the HTTP/1.1 response-head parser the RFC 6455 client reads the server's answer with. */
class Http1ResponseHeadTest {

    private static final URI URI_ = URI.create("ws://server.example.com/chat");
    private static final int MAX = 16 * 1024;

    /** RFC 6455 section 1.3's response, followed by an unmasked "Hi" text frame the server sent right away. */
    private static final String SECTION_1_3 = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + "Sec-WebSocket-Protocol: chat\r\n"
            + "\r\n";

    /** The bytes at an offset into a larger buffer, as the connector reuses one. */
    private static ByteBuffer buffer(String text, byte... after) {
        byte[] head = text.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(5 + head.length + after.length);
        b.position(5);
        b.put(head).put(after);
        b.flip().position(5);
        return b;
    }

    private static Http1ResponseHead parse(String text) throws HandshakeFailedException {
        return Http1ResponseHead.parse(buffer(text), URI_, MAX);
    }

    private static void malformed(String text) {
        malformed(text, "");
    }

    /** Asserts the head fails with status -1 and a message containing {@code fragment}. */
    private static void malformed(String text, String fragment) {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class, () -> parse(text));
        assertEquals(-1, e.status());
        assertEquals(URI_, e.uri());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    @DisplayName("RFC 6455 section 1.3 response: status, reason, fields by lower-case name; the frame after it stays in the buffer")
    void section13Response() throws Exception {
        ByteBuffer b = buffer(SECTION_1_3, (byte) 0x81, (byte) 0x02, (byte) 'H', (byte) 'i');
        Http1ResponseHead head = Http1ResponseHead.parse(b, URI_, MAX);
        assertNotNull(head);
        assertEquals(101, head.status());
        assertEquals("Switching Protocols", head.reasonPhrase());
        assertEquals(List.of("upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol"),
                List.copyOf(head.fields().keySet()));
        assertEquals(List.of("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head.values("sec-websocket-accept"));
        assertEquals(List.of(), head.values("sec-websocket-extensions"));
        assertEquals("", head.bodyPrefix(), "a 101 has no body to report");
        assertEquals(4, b.remaining());
        assertEquals((byte) 0x81, b.get(b.position()));
    }

    @Test
    @DisplayName("RFC 9112 section 2.2: bare LF line ends, also mixed with CRLF, are accepted")
    void bareLf() throws Exception {
        Http1ResponseHead head = parse("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\r\nConnection: Upgrade\n\n");
        assertEquals(101, head.status());
        assertEquals(List.of("Upgrade"), head.values("connection"));
        head = parse("HTTP/1.1 101 OK\r\nUpgrade: websocket\n\r\n");
        assertEquals(List.of("websocket"), head.values("upgrade"));
    }

    @Test
    @DisplayName("an incomplete head is null and leaves the position; fed byte by byte it completes on the last byte")
    void incremental() throws Exception {
        byte[] all = SECTION_1_3.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(all.length);
        for (int i = 0; i < all.length; i++) {
            b.limit(i + 1);
            b.put(i, all[i]);
            Http1ResponseHead head = Http1ResponseHead.parse(b, URI_, MAX);
            if (i < all.length - 1) {
                assertNull(head, "complete after " + (i + 1) + " bytes");
                assertEquals(0, b.position());
            } else {
                assertNotNull(head);
                assertEquals(all.length, b.position());
            }
        }
    }

    @Test
    @DisplayName("the size bound: maxHeadBytes buffered without the blank line fail; one less waits for more")
    void sizeBound() throws Exception {
        String filler = "HTTP/1.1 101 Switching Protocols\r\n" + "X-Filler: aaaaaaaa\r\n".repeat(10);
        int n = filler.length();
        assertNull(Http1ResponseHead.parse(buffer(filler), URI_, n + 1));
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                () -> Http1ResponseHead.parse(buffer(filler), URI_, n));
        assertEquals(-1, e.status());
        assertTrue(e.getMessage().contains("response head larger than " + n + " bytes"), e.getMessage());
        // a complete head is parsed whatever follows it
        assertEquals(101, Http1ResponseHead.parse(buffer(filler + "\r\n", new byte[100]), URI_, n + 2).status());
    }

    @Test
    @DisplayName("RFC 9112 section 5.2: a folded line (obs-fold) is refused, with SP or HTAB")
    void obsFold() {
        malformed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n Connection: Upgrade\r\n\r\n", "malformed response header line \" Connection: Upgrade\"");
        malformed("HTTP/1.1 101 Switching Protocols\r\nX-A: 1\r\n\tcontinued\r\n\r\n", "\\u0009continued");
    }

    @Test
    @DisplayName("RFC 9112 section 5: a field line without a colon, with an empty name or a non-token name is refused")
    void badFieldLines() {
        malformed("HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n", "Upgrade websocket");
        malformed("HTTP/1.1 101 Switching Protocols\r\n: websocket\r\n\r\n");
        malformed("HTTP/1.1 101 Switching Protocols\r\nUp grade: websocket\r\n\r\n");
        malformed("HTTP/1.1 101 Switching Protocols\r\nUpgrade : websocket\r\n\r\n");
        malformed("HTTP/1.1 101 Switching Protocols\r\nUp(grade): websocket\r\n\r\n");
    }

    @Test
    @DisplayName("RFC 9112 section 4: the status line is HTTP/1.x, SP, three digits, then an optional reason")
    void statusLines() throws Exception {
        malformed("HTTP/2 101 Switching Protocols\r\n\r\n", "not an HTTP/1.1 status line");
        malformed("ICY 200 OK\r\n\r\n");
        malformed("HTTP/1.1\r\n\r\n");
        malformed("HTTP/1.1  101 Switching Protocols\r\n\r\n");
        malformed("HTTP/1.1 1x1 Switching Protocols\r\n\r\n", "bad status");
        malformed("HTTP/1.1 -01 Weird\r\n\r\n", "bad status");
        malformed("HTTP/1.1 +01 Weird\r\n\r\n");
        malformed("HTTP/1.1 4\u00070 x\r\n\r\n", "\\u0007");
        Http1ResponseHead bare = parse("HTTP/1.1 101\r\n\r\n");
        assertEquals(101, bare.status());
        assertEquals("", bare.reasonPhrase());
        assertEquals(101, parse("HTTP/1.0 101 x\r\n\r\n").status());
        assertEquals("Not Found", parse("HTTP/1.1 404 Not Found\r\n\r\n").reasonPhrase(), "no CR left at the end");
    }

    @Test
    @DisplayName("repeated fields keep their order; values lose surrounding whitespace; an empty value is kept")
    void fieldValues() throws Exception {
        Http1ResponseHead head = parse("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: \t a \r\n"
                + "sec-websocket-extensions:b\r\nX-Empty:\r\n\r\n");
        assertEquals(List.of("a", "b"), head.values("sec-websocket-extensions"));
        assertEquals(List.of(""), head.values("x-empty"));
    }

    @Test
    @DisplayName("a refusal keeps the start of its body, stripped, controls escaped, at most 256 bytes")
    void bodyPrefix() throws Exception {
        Http1ResponseHead head = Http1ResponseHead.parse(buffer("HTTP/1.1 404 Not Found\r\nContent-Length: 21\r\n\r\n",
                " no endpoint\u0001here\n".getBytes(StandardCharsets.UTF_8)), URI_, MAX);
        assertEquals(404, head.status());
        assertEquals("no endpoint\\u0001here", head.bodyPrefix());
        head = Http1ResponseHead.parse(buffer("HTTP/1.1 503 Busy\r\n\r\n", "x".repeat(1000).getBytes(StandardCharsets.UTF_8)),
                URI_, MAX);
        assertEquals(Http1ResponseHead.BODY_PREFIX_BYTES, head.bodyPrefix().length());
        assertEquals("", parse("HTTP/1.1 403 Forbidden\r\n\r\n").bodyPrefix());
    }
}
