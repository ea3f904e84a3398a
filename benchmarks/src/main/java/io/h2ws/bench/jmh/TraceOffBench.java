package io.h2ws.bench.jmh;

import java.io.Writer;
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
import org.openjdk.jmh.infra.Blackhole;

import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.session.Event;
import io.h2ws.core.internal.session.FrameObserver;
import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.session.WebSocketSession;
import io.h2ws.core.internal.wire.Rfc6455Mapping;
import io.h2ws.trace.JsonLinesTraceWriter;
import io.h2ws.core.internal.socket.SocketTracer;

/**
 * "Cheap when off" (issue 11, {@code spec-notes/trace.md}): {@value #FRAMES} frames encoded by a
 * client {@link WebSocketSession} and decoded by a server one, with no observer (the state of
 * every socket that is not traced), with an observer that does nothing (the hook's own cost), and
 * with the real tracer writing JSON lines to {@link Writer#nullWriter()}. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} of {@code none} and {@code noop} must be equal
 * (the hook and the always-on counters allocate nothing). Scores are frames/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class TraceOffBench {
    static final int FRAMES = 100;

    @Param({"none", "noop", "json"})
    public String observer;
    @Param({"16"})
    public int payload;

    private WebSocketSession client;
    private WebSocketSession server;
    private ByteBuffer data;
    private ByteBuffer wire;

    @Setup
    public void setup() {
        WebSocketSession.Config config = new WebSocketSession.Config(1 << 20, 1 << 20, 0, true);
        client = new WebSocketSession(Role.CLIENT, new Rfc6455Mapping(Role.CLIENT, MaskKeys.fixed(0x37FA213D)), config);
        server = new WebSocketSession(Role.SERVER, new Rfc6455Mapping(Role.SERVER), config);
        FrameObserver o = switch (observer) {
            case "none" -> null;
            case "noop" -> (outbound, opcode, fin, rsv, masked, len, wireBytes, close) -> { };
            case "json" -> new SocketTracer(new JsonLinesTraceWriter(Writer.nullWriter(), "client"), "c1", "s1", 1);
            default -> throw new IllegalArgumentException(observer);
        };
        client.setObserver(o);
        server.setObserver(o);
        data = ByteBuffer.allocate(payload);
        int frameLen = FrameEncoder.headerLength(payload, true) + payload;
        wire = ByteBuffer.allocate(frameLen * FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            wire.put(FrameEncoder.encodeFrame(true, 0, Opcode.BINARY, true, 0x37FA213D, data));
        }
        wire.flip();
    }

    /** One binary message per frame through the client session's encoder (its Output is what a socket writes). */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void encode(Blackhole bh) {
        for (int i = 0; i < FRAMES; i++) {
            bh.consume(client.binary(data.duplicate(), true));
        }
    }

    /** {@value #FRAMES} masked frames in one read through the server session, their events polled. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decode(Blackhole bh) {
        wire.clear();
        server.receive(wire);
        Event e;
        while ((e = server.poll()) != null) {
            bh.consume(e);
        }
    }
}
