package io.h2ws.bench.jmh;

import io.h2ws.core.internal.frame.Masker;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Masker} against the memory-bandwidth ceiling, heap buffers (the anchors' section 6).
 * GB/s = ops/s x size / 1e9. {@code maskInPlace} is the server's unmask of received data,
 * {@code maskCopy} the client's mask into its output buffer, {@code arraycopy} the ceiling.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class UnmaskBench {
    @Param({"65536", "1048576"})
    public int size;

    private static final int KEY = 0x37FA213D;
    private byte[] src;
    private byte[] dst;
    private ByteBuffer srcBuf;
    private ByteBuffer dstBuf;

    @Setup
    public void setup() {
        src = new byte[size];
        dst = new byte[size];
        for (int i = 0; i < size; i++) {
            src[i] = (byte) (i * 31 + 7);
        }
        srcBuf = ByteBuffer.wrap(src);
        dstBuf = ByteBuffer.wrap(dst);
    }

    @Benchmark
    public ByteBuffer maskInPlace() {
        dstBuf.clear();
        Masker.mask(dstBuf, KEY, 0);
        return dstBuf;
    }

    @Benchmark
    public ByteBuffer maskCopy() {
        srcBuf.clear();
        dstBuf.clear();
        Masker.mask(srcBuf, dstBuf, KEY, 0);
        return dstBuf;
    }

    @Benchmark
    public byte[] arraycopy() {
        System.arraycopy(src, 0, dst, 0, size);
        return dst;
    }
}
