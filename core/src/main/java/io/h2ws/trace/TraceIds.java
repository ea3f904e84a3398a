package io.h2ws.trace;

import java.util.concurrent.atomic.AtomicLong;

/** Connection ids ("c1", "c2", ...) and socket ids ("s1", ...), unique in the JVM. */
public final class TraceIds {
    private static final AtomicLong CONNECTIONS = new AtomicLong();
    private static final AtomicLong SOCKETS = new AtomicLong();

    private TraceIds() {}

    public static String nextConnection() {
        return "c" + CONNECTIONS.incrementAndGet();
    }

    public static String nextSocket() {
        return "s" + SOCKETS.incrementAndGet();
    }
}
