package io.h2ws.bench.jmh;

import io.h2ws.core.frame.Utf8Decoder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * Text messages: the validating, incremental {@link Utf8Decoder} against the JDK's
 * {@code new String(bytes, UTF_8)} (which replaces invalid input instead of failing, and cannot
 * resume across chunks). All produce a String from the bytes, except {@code validate}.
 * MB/s = ops/s x size / 1e6.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class Utf8Bench {
    /** ascii: English text; mixed: Latin-1 accents, Greek, CJK and emoji (2-, 3- and 4-byte sequences). */
    @Param({"ascii", "mixed"})
    public String text;
    @Param({"1024", "65536"})
    public int size;

    private byte[] bytes;
    private ByteBuffer buf;
    private final Utf8Decoder decoder = new Utf8Decoder();
    private final StringBuilder sb = new StringBuilder();

    @Setup
    public void setup() {
        String unit = text.equals("ascii")
                ? "The quick brown fox jumps over the lazy dog, 0123456789. "
                : "Größe naïve café — Ελληνικά 日本語のテキスト 😀🚀 ok ";
        StringBuilder s = new StringBuilder();
        while (s.toString().getBytes(StandardCharsets.UTF_8).length < size) {
            s.append(unit);
        }
        // cut at a character boundary at or below size
        byte[] all = s.toString().getBytes(StandardCharsets.UTF_8);
        int n = size;
        while ((all[n] & 0xC0) == 0x80) {
            n--;
        }
        bytes = java.util.Arrays.copyOf(all, n);
        buf = ByteBuffer.wrap(bytes);
        if (!new String(bytes, StandardCharsets.UTF_8).equals(Utf8Decoder.decodeWhole(buf))) {
            throw new IllegalStateException("decoders disagree");
        }
    }

    @Benchmark
    public String jdkNewString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A reused decoder and builder, as a session decodes a message; includes toString(). */
    @Benchmark
    public String h2wsDecode() {
        sb.setLength(0);
        buf.clear();
        decoder.decode(buf, sb);
        decoder.finish();
        return sb.toString();
    }

    /** The one-shot static helper (allocates its decoder and builder). */
    @Benchmark
    public String h2wsDecodeWhole() {
        buf.clear();
        return Utf8Decoder.decodeWhole(buf);
    }

    /** Validation only (what a whole text message needs before it is handed over as bytes). */
    @Benchmark
    public ByteBuffer h2wsValidate() {
        buf.clear();
        Utf8Decoder.validate(buf);
        return buf;
    }
}
