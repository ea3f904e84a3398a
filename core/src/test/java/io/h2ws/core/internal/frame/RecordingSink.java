package io.h2ws.core.internal.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Records decoder events and checks their order (header, payload chunks, end). Keeps either the
 * payload bytes or, for the many-run split tests, only a CRC of them.
 */
final class RecordingSink implements FrameSink {
    /** One completed frame: its header, its payload length as delivered and a CRC of the payload. */
    record Frame(FrameHeader header, long delivered, long crc) {}

    final List<Frame> frames = new ArrayList<>();
    final List<byte[]> payloads = new ArrayList<>();
    private final boolean keepBytes;
    private FrameHeader current;
    private long delivered;
    private final CRC32 crc = new CRC32();
    private ByteArrayOutputStream bytes;

    RecordingSink(boolean keepBytes) {
        this.keepBytes = keepBytes;
    }

    @Override
    public void onHeader(FrameHeader header) {
        assertNull(current, "onHeader before the previous frame ended");
        current = header;
        delivered = 0;
        crc.reset();
        if (keepBytes) {
            bytes = new ByteArrayOutputStream();
        }
    }

    @Override
    public void onPayload(ByteBuffer chunk) {
        assertNotNull(current, "onPayload outside a frame");
        int n = chunk.remaining();
        assertTrue(n > 0, "empty payload chunk");
        delivered += n;
        assertTrue(delivered <= current.payloadLength(), "more payload than the header announced");
        if (keepBytes) {
            byte[] b = new byte[n];
            chunk.duplicate().get(b);
            bytes.write(b, 0, n);
            crc.update(b);
        } else {
            crc.update(chunk.duplicate());
        }
        // A sink may consume the chunk; the decoder must not care.
        chunk.position(chunk.limit());
    }

    @Override
    public void onFrameEnd() {
        assertNotNull(current, "onFrameEnd outside a frame");
        assertEquals(current.payloadLength(), delivered, "frame ended early");
        frames.add(new Frame(current, delivered, crc.getValue()));
        if (keepBytes) {
            payloads.add(bytes.toByteArray());
        }
        current = null;
    }

    /** True when no frame is half-delivered. */
    boolean idle() {
        return current == null;
    }
}
