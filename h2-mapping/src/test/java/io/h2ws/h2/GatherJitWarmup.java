package io.h2ws.h2;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Run in a JVM of its own by {@link GatherJitRegressionTest}: warms the real write-gathering code
 * with small batches only, as a busy connection does, then hands it one buffer of 4,245 bytes and
 * prints how many bytes came out. Exit code 0 when every byte is accounted for, 3 when any is lost.
 */
public final class GatherJitWarmup {

    private GatherJitWarmup() {
    }

    /** The call shape of the write path (a carrier write wrapping the gather), so C2 inlines as it does there. */
    static long write(ByteBuffer[] buffers) {
        List<ByteBuffer> chunks = StreamCarrier.gather(buffers);
        long n = 0;
        for (ByteBuffer c : chunks) {
            n += c.remaining();
        }
        return chunks.isEmpty() ? -1 : n;
    }

    public static void main(String[] args) throws Exception {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        long sink = 0;
        ByteBuffer empty = ByteBuffer.allocate(0);
        for (int i = 0; i < warm; i++) {
            // both outcomes of Buffer.remaining()'s ternary in the profile, as a busy JVM has them
            sink += empty.remaining() + ByteBuffer.allocate(5).remaining();
            ByteBuffer[] batch = (i & 3) == 0
                    ? new ByteBuffer[] {ByteBuffer.allocate(20 + (i & 63)), ByteBuffer.allocate(10 + (i & 15))}
                    : new ByteBuffer[] {ByteBuffer.allocate(20 + (i & 63))};
            sink += write(batch);
        }
        Thread.sleep(500); // let the C2 compile finish
        long out = write(new ByteBuffer[] {ByteBuffer.allocate(4245)});
        System.out.println("gathered " + out + " of 4245 bytes (sink " + sink + ")");
        System.exit(out == 4245 ? 0 : 3);
    }
}
