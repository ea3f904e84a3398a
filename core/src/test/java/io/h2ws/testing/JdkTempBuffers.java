package io.h2ws.testing;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The JDK's per-thread cache of temporary direct buffers ({@code sun.nio.ch.Util}), summed over
 * all live threads: what socket writes and reads of heap buffers leave behind in each thread.
 * Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED}
 * (set in the surefire argLine).
 */
public final class JdkTempBuffers {

    /** Buffers and bytes cached, and the largest buffer. */
    public record Cached(int buffers, long bytes, int largest) {}

    private JdkTempBuffers() {
    }

    /** The caches of every live thread whose name starts with {@code threadPrefix} ("" for all). */
    public static Cached cached(String threadPrefix) {
        return cached(t -> t.getName().startsWith(threadPrefix));
    }

    /** The caches of the live threads not in {@code before}, e.g. {@code Thread.getAllStackTraces().keySet()}. */
    public static Cached cachedInThreadsNotIn(Set<Thread> before) {
        return cached(t -> !before.contains(t));
    }

    /** The caches of the live threads that {@code which} accepts. */
    public static Cached cached(Predicate<Thread> which) {
        try {
            Field threadLocals = Thread.class.getDeclaredField("threadLocals");
            threadLocals.setAccessible(true);
            Field cacheField = Class.forName("sun.nio.ch.Util").getDeclaredField("bufferCache");
            cacheField.setAccessible(true);
            ThreadLocal<?> key = (ThreadLocal<?>) cacheField.get(null);
            // Read the maps' tables directly: ThreadLocalMap.getEntry on another thread's map may
            // expunge stale entries, i.e. write to a map its owner is using.
            Field table = Class.forName("java.lang.ThreadLocal$ThreadLocalMap").getDeclaredField("table");
            table.setAccessible(true);
            int buffers = 0;
            long bytes = 0;
            int largest = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!which.test(t)) {
                    continue;
                }
                Object map = threadLocals.get(t);
                Object entry = null;
                if (map != null) {
                    for (Object e : (Object[]) table.get(map)) {
                        if (e instanceof java.lang.ref.Reference<?> r && r.get() == key) {
                            entry = e;
                            break;
                        }
                    }
                }
                if (entry == null) {
                    continue;
                }
                Field value = entry.getClass().getDeclaredField("value");
                value.setAccessible(true);
                Object cache = value.get(entry);
                Field bufs = cache.getClass().getDeclaredField("buffers");
                bufs.setAccessible(true);
                for (ByteBuffer b : (ByteBuffer[]) bufs.get(cache)) {
                    if (b != null) {
                        buffers++;
                        bytes += b.capacity();
                        largest = Math.max(largest, b.capacity());
                    }
                }
            }
            return new Cached(buffers, bytes, largest);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read the JDK's temporary buffer caches (is java.base opened?)", e);
        }
    }
}
