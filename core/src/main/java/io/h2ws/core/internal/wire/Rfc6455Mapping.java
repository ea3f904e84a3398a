package io.h2ws.core.internal.wire;

import java.nio.ByteBuffer;

import io.h2ws.socket.ProtocolViolation;
import io.h2ws.core.internal.frame.CloseCodes;
import io.h2ws.core.internal.frame.FrameDecoder;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.frame.Masker;
import io.h2ws.core.internal.Role;

/**
 * RFC 6455 framing, the wire mapping of both HTTP/1.1 Upgrade and RFC 8441. Masking belongs
 * here and nowhere else: clients mask every frame, servers never do (section 5.1), and each side
 * fails the connection with 1002 when the other gets it wrong.
 */
public final class Rfc6455Mapping implements WireMapping {

    private final Role role;
    private final MaskKeys maskKeys;

    /** Client mappings draw masking keys from a SecureRandom-seeded source. */
    public Rfc6455Mapping(Role role) {
        this(role, role == Role.CLIENT ? MaskKeys.secure() : null);
    }

    /** For tests that need predictable masks. */
    public Rfc6455Mapping(Role role, MaskKeys maskKeys) {
        this.role = role;
        this.maskKeys = maskKeys;
    }

    @Override
    public String name() {
        return "rfc6455";
    }

    @Override
    public Decoder newDecoder(FrameSink sink) {
        boolean expectMasked = role == Role.SERVER;
        // the frame decoder knows no Close outside frames: RFC 6455 has none
        FrameDecoder decoder = new FrameDecoder(new io.h2ws.core.internal.frame.FrameSink() {
            @Override
            public void onHeader(FrameHeader header) {
                if (header.masked() != expectMasked) {
                    throw new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, "RFC 6455 section 5.1",
                            expectMasked ? "unmasked frame from a client" : "masked frame from a server");
                }
                sink.onHeader(header);
            }

            @Override
            public void onPayload(ByteBuffer chunk) {
                sink.onPayload(chunk);
            }

            @Override
            public void onFrameEnd() {
                sink.onFrameEnd();
            }
        });
        return decoder::decode;
    }

    @Override
    public Encoder newEncoder() {
        if (role == Role.SERVER) {
            return (fin, rsv, opcode, payload) -> {
                int len = payload.remaining();
                int headerLength = FrameEncoder.headerLength(len, false);
                // small payloads are copied next to the header: one buffer writes faster than two,
                // and one allocation per frame instead of two (issue 19: allocation per message)
                if (len <= 512) {
                    ByteBuffer one = ByteBuffer.allocate(headerLength + len);
                    FrameEncoder.writeHeader(one, fin, rsv, opcode, false, 0, len);
                    one.put(headerLength, payload, payload.position(), len); // absolute: no duplicate
                    return new ByteBuffer[] {one.clear()};
                }
                ByteBuffer header = ByteBuffer.allocate(headerLength);
                FrameEncoder.writeHeader(header, fin, rsv, opcode, false, 0, len);
                return new ByteBuffer[] {header.flip(), payload.slice()};
            };
        }
        return (fin, rsv, opcode, payload) -> {
            int len = payload.remaining();
            int key = maskKeys.nextKey();
            ByteBuffer out = ByteBuffer.allocate(FrameEncoder.headerLength(len, true) + len);
            FrameEncoder.writeHeader(out, fin, rsv, opcode, true, key, len);
            Masker.mask(payload.duplicate(), out, key, 0);
            out.flip();
            return new ByteBuffer[] {out};
        };
    }
}
