package io.h2ws.cli.soak;

import java.util.concurrent.atomic.LongAdder;

/** What the sockets of one transport count, shared by all of them. */
public final class SoakCounters {
    public final LongAdder sent = new LongAdder();
    public final LongAdder sentBytes = new LongAdder();
    public final LongAdder fragmented = new LongAdder();
    public final LongAdder received = new LongAdder();
    public final LongAdder receivedBytes = new LongAdder();
    public final LongAdder duplicated = new LongAdder();
    public final LongAdder reordered = new LongAdder();
    public final LongAdder corrupted = new LongAdder();
    public final LongAdder pingsSent = new LongAdder();
    public final LongAdder pongsReceived = new LongAdder();
    public final LongAdder pongMismatches = new LongAdder();
    public final LongAdder sendErrors = new LongAdder();
}
