package io.h2ws.bench.jmh;

import io.h2ws.core.internal.Role;
import io.h2ws.core.internal.frame.FrameEncoder;
import io.h2ws.core.internal.frame.MaskKeys;
import io.h2ws.core.internal.frame.Opcode;
import io.h2ws.core.internal.frame.Utf8Decoder;
import io.h2ws.core.internal.session.Event;
import io.h2ws.core.internal.session.WebSocketSession;
import io.h2ws.core.internal.wire.Rfc6455Mapping;

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
 * Text messages: what the library does to turn a received text message into a String, against
 * the JDK's {@code new String(bytes, UTF_8)} (which replaces invalid input instead of failing, and
 * cannot resume across chunks). A message whose payload comes whole in one chunk goes through
 * {@link Utf8Decoder#decodeWhole} (validate, then one {@code new String}); one split across reads
 * is validated per chunk ({@link Utf8Decoder#check}), gathered as bytes, and made a String once.
 * The session rows add the frame header and the event. MB/s = ops/s x size / 1e6.
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
    @Param({"16", "1024", "65536"})
    public int size;

    private byte[] bytes;
    private ByteBuffer buf;
    /** The message as one unmasked server frame, and the same frame cut in two in the middle of the payload. */
    private ByteBuffer frame;
    private ByteBuffer firstHalf;
    private ByteBuffer secondHalf;
    private WebSocketSession session;

    @Setup
    public void setup() {
        String unit = text.equals("ascii")
                ? "The quick brown fox jumps over the lazy dog, 0123456789. "
                : "Größe naïve café — Ελληνικά 日本語のテキスト 😀🚀 ok ";
        StringBuilder s = new StringBuilder();
        while (s.toString().getBytes(StandardCharsets.UTF_8).length < size + 4) {
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
        String expected = new String(bytes, StandardCharsets.UTF_8);
        if (!expected.equals(Utf8Decoder.decodeWhole(buf))) {
            throw new IllegalStateException("decoders disagree");
        }
        ByteBuffer f = FrameEncoder.encodeFrame(true, 0, Opcode.TEXT, false, 0, ByteBuffer.wrap(bytes));
        byte[] wire = new byte[f.remaining()];
        f.get(wire);
        frame = ByteBuffer.wrap(wire);
        // the cut falls inside the payload, often inside a character for mixed text
        int cut = wire.length - bytes.length / 2 - 1;
        firstHalf = ByteBuffer.wrap(wire, 0, cut).slice();
        secondHalf = ByteBuffer.wrap(wire, cut, wire.length - cut).slice();
        session = new WebSocketSession(Role.CLIENT, new Rfc6455Mapping(Role.CLIENT, MaskKeys.fixed(1)),
                new WebSocketSession.Config(1 << 20, 1 << 20, 0, false));
        if (!expected.equals(sessionWhole()) || !expected.equals(sessionTwoChunks())) {
            throw new IllegalStateException("session disagrees");
        }
    }

    @Benchmark
    public String jdkNewString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** What the session runs for a text message that arrives whole in one chunk: validate, one new String. */
    @Benchmark
    public String h2wsDecodeWhole() {
        buf.clear();
        return Utf8Decoder.decodeWhole(buf);
    }

    /** Validation only. */
    @Benchmark
    public ByteBuffer h2wsValidate() {
        buf.clear();
        Utf8Decoder.validate(buf);
        return buf;
    }

    /** The whole receive path for one unmasked frame in one read: header, UTF-8, the Text event. */
    @Benchmark
    public String sessionWhole() {
        frame.clear();
        session.receive(frame);
        return ((Event.Text) session.poll()).text();
    }

    /** The same frame in two reads cut inside the payload: check per chunk, gather, one new String. */
    @Benchmark
    public String sessionTwoChunks() {
        firstHalf.clear();
        secondHalf.clear();
        session.receive(firstHalf);
        session.receive(secondHalf);
        return ((Event.Text) session.poll()).text();
    }
}
