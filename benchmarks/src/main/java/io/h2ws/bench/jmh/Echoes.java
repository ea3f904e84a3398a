package io.h2ws.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The real results of the network benchmarks, as JMH secondary results normalised by each
 * iteration's time: {@code <bench>:messages} in messages/s (echoes received, over all sockets)
 * and {@code <bench>:megabytes} in MB/s of echoed payload (one direction). JMH resets both at
 * each iteration; the benchmark sets them to the echoes counted since the iteration began.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Echoes {
    public long messages;
    public double megabytes;
}
