package io.h2ws.h2.internal;

import java.lang.reflect.Field;

import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a Jetty 12.1 defect that makes every HTTP/2 session write through heap buffers:
 * the session's frame flusher decides direct or heap when the session is constructed, by asking
 * the end point's connection, which at that moment is not yet the {@link HTTP2Connection} (it is
 * built after the session). So it always takes heap buffers for the bytes it aggregates (frame
 * headers, small frames), whatever {@code useOutputDirectByteBuffers} says.
 *
 * <p>Why it matters: a gathering socket write of heap buffers makes the JDK copy each one into a
 * temporary direct buffer that it caches per thread, up to 1,024 per thread and never shrunk.
 * With one heap header between every two DATA payloads and hundreds of pool threads, the 10-minute
 * soak filled the whole direct-memory limit that way (spec-notes/soak.md).
 *
 * <p>When the session opens, before its first frame is written, this replaces the flusher's empty
 * heap accumulator with a direct one from the same pool, if the connection asks for direct output.
 * It touches two private fields by reflection; if Jetty's layout changes it logs once and does
 * nothing, so the worst case is the old behaviour. {@code H2DirectMemoryTest} checks that it still
 * takes effect.
 */
final class DirectOutputFix implements HTTP2Session.LifeCycleListener {

    private static final Logger LOG = LoggerFactory.getLogger(DirectOutputFix.class);
    static final DirectOutputFix INSTANCE = new DirectOutputFix();

    private static final Field FLUSHER;
    private static final Field ACCUMULATOR;

    static {
        Field flusher = null;
        Field accumulator = null;
        try {
            flusher = HTTP2Session.class.getDeclaredField("flusher");
            flusher.setAccessible(true);
            accumulator = flusher.getType().getDeclaredField("accumulator");
            accumulator.setAccessible(true);
            if (!RetainableByteBuffer.Mutable.class.isAssignableFrom(accumulator.getType())) {
                throw new NoSuchFieldException("accumulator is a " + accumulator.getType());
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("h2ws: cannot make Jetty's HTTP/2 output direct ({}); its heap buffers are copied by the JDK", e.toString());
            flusher = null;
            accumulator = null;
        }
        FLUSHER = flusher;
        ACCUMULATOR = accumulator;
    }

    private DirectOutputFix() {
    }

    @Override
    public void onOpen(Session session) {
        apply(session);
    }

    /** @return true if {@code session}'s flusher now aggregates into direct buffers */
    static boolean apply(Session session) {
        if (ACCUMULATOR == null || !(session instanceof HTTP2Session s)) {
            return false;
        }
        Connection c = s.getEndPoint() == null ? null : s.getEndPoint().getConnection();
        if (!(c instanceof HTTP2Connection h2) || !h2.isUseOutputDirectByteBuffers()) {
            return false;
        }
        try {
            Object flusher = FLUSHER.get(s);
            RetainableByteBuffer.Mutable current = (RetainableByteBuffer.Mutable) ACCUMULATOR.get(flusher);
            if (current.isDirect()) {
                return true; // a Jetty that got it right
            }
            if (current.hasRemaining()) {
                return false; // never swap under bytes already queued
            }
            ACCUMULATOR.set(flusher, new RetainableByteBuffer.DynamicCapacity(s.getGenerator().getByteBufferPool(), true, -1));
            current.release();
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("h2ws: could not make the HTTP/2 output direct", e);
            return false;
        }
    }
}
