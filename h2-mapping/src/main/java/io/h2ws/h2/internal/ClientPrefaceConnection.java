package io.h2ws.h2.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

import org.eclipse.jetty.http2.frames.FrameType;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a Jetty 12.1 defect: its server parser loses the client's first SETTINGS frame
 * (RFC 9113 section 3.4) when the frame's 9-byte header and its payload are parsed from separate
 * reads. It parses the header a second time, from the payload, and then either fails the
 * connection (GOAWAY invalid_settings_frame) or waits forever for bytes it has already consumed.
 * See {@code spec-notes/jetty-first-settings-split.md}.
 *
 * <p>This connection comes first on the end point and reads exactly the rest of the preface and
 * the first frame, nothing beyond. Once they are whole it upgrades the end point to the real
 * {@link HTTP2ServerConnection}, handing them over in one buffer, so Jetty's parser sees them in
 * one piece; from then on it is out of the way (nothing on the hot path). Bounded: a first frame
 * that is not a SETTINGS, a preface that is wrong, or a frame that would not fit in
 * {@code maxHeld} bytes is handed over as it is, at once, for Jetty to reject as it would have.
 */
final class ClientPrefaceConnection extends AbstractConnection implements Connection.UpgradeFrom, Connection.UpgradeTo {

    private static final Logger LOG = LoggerFactory.getLogger(ClientPrefaceConnection.class);
    private static final int FRAME_HEADER = 9;

    private final HTTP2ServerConnection next;
    private final int prefaceLength;
    private final int prefaceOffset;
    private final int maxHeld;
    /** The bytes so far, in Jetty's flush mode (0 to limit); capacity is what we will read up to. */
    private ByteBuffer held;

    /**
     * @param next          the connection to hand over to, not yet opened
     * @param prefaceLength how much of the 24-octet preface is still to come: 24, or 6 after the
     *                      HTTP/1.1 connection read "PRI * HTTP/2.0\r\n\r\n" (prior knowledge)
     * @param maxHeld       the most bytes held back (the HTTP/2 connection's input buffer size)
     */
    ClientPrefaceConnection(EndPoint endPoint, Executor executor, HTTP2ServerConnection next, int prefaceLength, int maxHeld) {
        super(endPoint, executor);
        this.next = next;
        this.prefaceLength = prefaceLength;
        this.prefaceOffset = PrefaceFrame.PREFACE_BYTES.length - prefaceLength;
        this.maxHeld = Math.max(maxHeld, prefaceLength + FRAME_HEADER);
        this.held = ByteBuffer.allocate(prefaceLength + FRAME_HEADER).limit(0);
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        // bytes the HTTP/1.1 connection read past "PRI * HTTP/2.0\r\n\r\n"
        ByteBuffer b = ByteBuffer.allocate(Math.max(held.capacity(), buffer.remaining()));
        b.put(buffer).flip();
        held = b;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        if (missing() <= 0) {
            handOver();
        } else {
            fillInterested();
        }
    }

    @Override
    public void onFillable() {
        try {
            while (true) {
                int missing = missing();
                if (missing <= 0) {
                    handOver();
                    return;
                }
                if (held.capacity() < held.limit() + missing) {
                    ByteBuffer b = ByteBuffer.allocate(held.limit() + missing);
                    b.put(held).flip();
                    held = b;
                }
                int filled = getEndPoint().fill(held);
                if (filled < 0) {
                    LOG.debug("{} closed by the client after {} bytes of the HTTP/2 preface", getEndPoint(), held.remaining());
                    getEndPoint().close();
                    return;
                }
                if (filled == 0) {
                    fillInterested();
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} failed reading the HTTP/2 preface", getEndPoint(), e);
            getEndPoint().close(e);
        }
    }

    /**
     * Bytes still needed for the preface and the first frame; 0 when they are whole, -1 to stop
     * holding (wrong preface, not a SETTINGS, too long): Jetty's parser will say what is wrong.
     */
    private int missing() {
        int have = held.remaining();
        byte[] preface = PrefaceFrame.PREFACE_BYTES;
        for (int i = 0; i < Math.min(have, prefaceLength); i++) {
            if (held.get(i) != preface[prefaceOffset + i]) {
                return -1;
            }
        }
        int header = prefaceLength + FRAME_HEADER;
        if (have < header) {
            return header - have;
        }
        int p = prefaceLength;
        int length = (held.get(p) & 0xFF) << 16 | (held.get(p + 1) & 0xFF) << 8 | held.get(p + 2) & 0xFF;
        if ((held.get(p + 3) & 0xFF) != FrameType.SETTINGS.getType() || header + length > maxHeld) {
            return -1;
        }
        return Math.max(0, header + length - have);
    }

    private void handOver() {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} HTTP/2 preface and first frame whole ({} bytes), upgrading to {}", getEndPoint(), held.remaining(), next);
        }
        // onUpgradeFrom gives the bytes to the next connection, which parses them when it opens
        getEndPoint().upgrade(next);
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        ByteBuffer b = held;
        held = ByteBuffer.allocate(0);
        return b.hasRemaining() ? b : null;
    }
}
