package io.h2ws.h2.internal;

import java.lang.reflect.Field;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.eclipse.jetty.http2.hpack.internal.MetaDataBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.handshake.Rfc8441Handshake;

/**
 * Makes a request that carries {@code :protocol} with a method other than CONNECT malformed
 * (RFC 8441 section 4, RFC 9113 section 8.3).
 *
 * <p>Jetty's {@code MetaDataBuilder} keeps {@code :protocol} only for CONNECT and silently drops
 * it otherwise, so such a request would reach us as an ordinary, well-formed GET. Jetty offers no
 * hook for this: the builder is a final field of each connection's {@link HpackDecoder}, so it is
 * replaced by reflection with a subclass that reports the request as a stream error, which Jetty
 * then hands to the session listener's {@code onStreamFailure} like its own checks. Should the
 * reflection fail (a Jetty that renamed the field, a module system that forbids it), Jetty's
 * behaviour stays and a debug line says so.
 */
final class ProtocolPseudoHeaderCheck extends MetaDataBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(H2ServerConnectionFactory.class);
    private static final Field BUILDER = builderField();

    // the pseudo-headers of the header block being decoded; a decoder is used by one thread at a time
    private boolean protocol;
    private String method;

    private ProtocolPseudoHeaderCheck(int maxSize) {
        super(maxSize);
    }

    /** Installs the check in one connection's decoder; returns whether it could. */
    static boolean install(HpackDecoder decoder) {
        if (BUILDER == null) {
            return false;
        }
        try {
            MetaDataBuilder old = (MetaDataBuilder) BUILDER.get(decoder);
            if (old instanceof ProtocolPseudoHeaderCheck) {
                return true;
            }
            BUILDER.set(decoder, new ProtocolPseudoHeaderCheck(old.getMaxSize()));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("h2ws: cannot check :protocol on non-CONNECT requests", e);
            return false;
        }
    }

    private static Field builderField() {
        try {
            Field f = HpackDecoder.class.getDeclaredField("_builder");
            if (f.getType() != MetaDataBuilder.class) {
                return null;
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("h2ws: cannot check :protocol on non-CONNECT requests", e);
            return null;
        }
    }

    @Override
    public void emit(HttpField field) throws HpackException.SessionException {
        HttpHeader header = field.getHeader();
        if (header == HttpHeader.C_PROTOCOL) {
            protocol = true;
        } else if (header == HttpHeader.C_METHOD) {
            method = field.getValue();
        }
        super.emit(field);
    }

    @Override
    public MetaData build() throws HpackException.StreamException {
        boolean misplaced = Rfc8441Handshake.Server.protocolMisplaced(protocol, method);
        String m = method;
        protocol = false;
        method = null;
        if (misplaced) {
            streamException(":protocol on a %s request (RFC 8441 section 4)", ExtendedConnectAcceptor.printable(m));
        }
        return super.build();
    }
}
