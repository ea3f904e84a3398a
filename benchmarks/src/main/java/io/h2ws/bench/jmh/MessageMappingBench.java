package io.h2ws.bench.jmh;

import io.h2ws.core.internal.frame.FrameDecoder;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.wire.MessageMapping;
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
 * The experimental HTTP/2 message mapping's part header (1 byte + QUIC varint, no mask) against
 * the RFC 6455 frame header (unmasked as a server sends it, masked as a client does), both
 * encoded ({@value #N} headers into one buffer) and decoded (a buffer of {@value #N} parts or
 * frames with {@code length}-byte payloads). Scores are headers or parts per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class MessageMappingBench {
    static final int N = 1000;
    private static final int KEY = 0x37FA213D;

    /** 16: 1-byte varint / 7-bit length; 1024: 2-byte varint / 16-bit length; 65536: 4-byte varint / 64-bit length. */
    @Param({"16", "1024", "65536"})
    public int length;

    private ByteBuffer headers;
    private ByteBuffer mappingWire;
    private ByteBuffer rfcWire;
    private ByteBuffer rfcMaskedWire;
    private WireMapping.Decoder mappingDecoder;
    private FrameDecoder rfcDecoder;
    private final FrameCodecBench.CountingSink sink = new FrameCodecBench.CountingSink();

    @Setup
    public void setup() {
        headers = ByteBuffer.allocate(N * FrameEncoder.MAX_HEADER_LENGTH);
        int decodedPayload = Math.min(length, 1024); // keeps the decode buffers small; header form set by `length` only for encode
        ByteBuffer payload = ByteBuffer.allocate(decodedPayload);
        ByteBuffer m = ByteBuffer.allocate(N * (MessageMapping.headerLength(decodedPayload) + decodedPayload));
        ByteBuffer r = ByteBuffer.allocate(N * (FrameEncoder.headerLength(decodedPayload, false) + decodedPayload));
        ByteBuffer rm = ByteBuffer.allocate(N * (FrameEncoder.headerLength(decodedPayload, true) + decodedPayload));
        for (int i = 0; i < N; i++) {
            MessageMapping.writeHeader(m, true, 0, Opcode.BINARY, decodedPayload);
            m.put(payload.duplicate());
            r.put(FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, false, 0, payload));
            rm.put(FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, true, KEY, payload));
        }
        mappingWire = m.flip();
        rfcWire = r.flip();
        rfcMaskedWire = rm.flip();
        mappingDecoder = new MessageMapping().newDecoder(sink);
        rfcDecoder = new FrameDecoder(sink);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public ByteBuffer encodeMappingHeader() {
        headers.clear();
        for (int i = 0; i < N; i++) {
            MessageMapping.writeHeader(headers, true, 0, Opcode.BINARY, length);
        }
        return headers;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public ByteBuffer encodeRfc6455Header() {
        headers.clear();
        for (int i = 0; i < N; i++) {
            FrameEncoder.writeHeader(headers, true, 0, Opcode.BINARY, false, 0, length);
        }
        return headers;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public ByteBuffer encodeRfc6455MaskedHeader() {
        headers.clear();
        for (int i = 0; i < N; i++) {
            FrameEncoder.writeHeader(headers, true, 0, Opcode.BINARY, true, KEY, length);
        }
        return headers;
    }

    /** Payload of min(length, 1024) bytes per part. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long decodeMapping() {
        mappingWire.clear();
        mappingDecoder.decode(mappingWire);
        return sink.frames;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long decodeRfc6455() {
        rfcWire.clear();
        rfcDecoder.decode(rfcWire);
        return sink.frames;
    }

    /** As a server receives them: the payload is unmasked in place too. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long decodeRfc6455Masked() {
        rfcMaskedWire.clear();
        rfcDecoder.decode(rfcMaskedWire);
        return sink.frames;
    }
}
