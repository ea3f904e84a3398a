package io.h2ws.bench.jmh;

import io.h2ws.core.internal.frame.FrameDecoder;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.FrameHeader;
import io.h2ws.core.internal.frame.Masker;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.WireMapping;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RFC 6455 framing without the network: parsing a buffer of {@value #FRAMES} frames with
 * {@link FrameDecoder} (masked, as a server receives them, unmasked in place; or unmasked, as a
 * client receives them) and generating them with {@link FrameEncoder}. Scores are frames/s
 * ({@code @OperationsPerInvocation}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class FrameCodecBench {
    static final int FRAMES = 1000;
    private static final int KEY = 0x37FA213D;

    @Param({"16", "1024"})
    public int payload;
    @Param({"true", "false"})
    public boolean masked;

    private ByteBuffer wire;
    private ByteBuffer out;
    private ByteBuffer data;
    private FrameDecoder decoder;
    private final CountingSink sink = new CountingSink();

    /** Counts what it is given, so the parse cannot be optimised away. */
    static final class CountingSink implements WireMapping.FrameSink {
        long frames;
        long bytes;

        @Override
        public void onHeader(FrameHeader header) {
        }

        @Override
        public void onPayload(ByteBuffer chunk) {
            bytes += chunk.remaining();
        }

        @Override
        public void onFrameEnd() {
            frames++;
        }

        @Override
        public void onClose(int code, String reason) {
            frames++;
        }
    }

    @Setup
    public void setup() {
        data = ByteBuffer.allocate(payload);
        for (int i = 0; i < payload; i++) {
            data.put(i, (byte) ('a' + i % 26));
        }
        int frameLen = FrameEncoder.headerLength(payload, masked) + payload;
        wire = ByteBuffer.allocate(frameLen * FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            wire.put(FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, masked, KEY, data));
        }
        wire.flip();
        out = ByteBuffer.allocate(frameLen * FRAMES);
        decoder = new FrameDecoder(sink);
    }

    /** One buffer holding all frames, as one large read delivers them; masked payload is unmasked in place. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decode() {
        wire.clear();
        decoder.decode(wire);
        return sink.frames;
    }

    /** Header plus payload into one reused output buffer (masked: the client's Masker copy). */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public ByteBuffer encode() {
        out.clear();
        for (int i = 0; i < FRAMES; i++) {
            FrameEncoder.writeHeader(out, true, 0, Opcode.BINARY, masked, KEY, payload);
            if (masked) {
                Masker.mask(data.duplicate(), out, KEY, 0);
            } else {
                out.put(data.duplicate());
            }
        }
        return out;
    }

    /** The allocating one-frame helper, called per frame. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long encodeFrameAllocating() {
        long n = 0;
        for (int i = 0; i < FRAMES; i++) {
            n += FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, masked, KEY, data).remaining();
        }
        return n;
    }
}
