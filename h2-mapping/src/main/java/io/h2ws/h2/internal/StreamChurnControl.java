package io.h2ws.h2.internal;

import java.time.Duration;

import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.io.WindowRateControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's rate control for one server connection, with a separate and much lower bound on
 * <em>early</em> resets: RST_STREAM from the client on a stream opened less than
 * {@link #EARLY} ago. That is the signature of rapid reset (CVE-2023-44487): each opened
 * extended CONNECT costs a handshake and a socket here, and its reset costs the client nothing.
 * Jetty's own control counts every reset at one rate, so a bound loose enough for a client that
 * aborts a thousand long-lived sockets at once let 2,047 reset-on-arrival streams through;
 * counting early resets apart stops such a connection after {@link #MAX_EARLY_RESETS}
 * ({@code ENHANCE_YOUR_CALM}) while opening sockets in a burst, and aborting them later, costs
 * nothing against it.
 */
final class StreamChurnControl implements RateControl {

    private static final Logger LOG = LoggerFactory.getLogger(StreamChurnControl.class);

    /** A reset this soon after the stream opened is early. */
    static final Duration EARLY = Duration.ofSeconds(1);
    /** Early resets a connection may send per {@link #WINDOW}. */
    static final int MAX_EARLY_RESETS = 200;
    /** The window early resets are counted in. */
    static final Duration WINDOW = Duration.ofSeconds(10);

    private final RateControl others;
    private final WindowRateControl early = new WindowRateControl(MAX_EARLY_RESETS, WINDOW);
    private volatile Session session;
    private volatile boolean reported;

    StreamChurnControl(RateControl others) {
        this.others = others;
    }

    /** The connection's session, once its preface arrived; resets before that are not early. */
    void session(Session s) {
        this.session = s;
    }

    /** Marks {@code stream} as opened now. */
    static void opened(Stream stream) {
        // Jetty's one attachment slot, not an attribute: the first attribute makes a map per stream,
        // ~200 bytes of every idle socket's heap (issue 19). The slot is Jetty's HTTP layer's only
        // on streams it serves itself, which are never extended CONNECTs.
        if (stream instanceof org.eclipse.jetty.util.Attachable a) {
            a.setAttachment(System.nanoTime());
        }
    }

    @Override
    public boolean onEvent(Object event) {
        if (event instanceof ResetFrame reset && isEarly(reset.getStreamId()) && !early.onEvent(event)) {
            if (!reported) {
                reported = true;
                Session s = session;
                LOG.info("h2ws: {} reset more than {} streams within {} of opening them in {}: closing it (ENHANCE_YOUR_CALM)",
                        s == null ? "a client" : s.getRemoteSocketAddress(), MAX_EARLY_RESETS, EARLY, WINDOW);
            }
            return false;
        }
        return others.onEvent(event);
    }

    private boolean isEarly(int streamId) {
        Session s = session;
        Stream stream = s == null ? null : s.getStream(streamId);
        Object opened = stream instanceof org.eclipse.jetty.util.Attachable a ? a.getAttachment() : null;
        return opened instanceof Long t && System.nanoTime() - t < EARLY.toNanos();
    }
}
