package io.h2ws.core.internal.socket;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that sockets may hold in memory (what waits in send queues, what was received and not
 * yet handed to the listener), counted against a limit: one budget per server, a child per
 * connection (RFC 9113 section 10.5: limit what one peer can commit).
 *
 * <p>A budget does not refuse bytes that already exist (they arrived, or an accepted send made
 * them); it tells the socket to stop making more: a full budget fails new sends at once (like
 * {@code maxQueuedBytes}) and stops reading, so flow control (HTTP/2 windows, TCP) holds the
 * peer back. Each socket checks before it adds, so the limit is overshot by at most one message
 * or one read per socket in flight at that moment.
 *
 * <p>A socket that stopped reading waits with {@link #whenRoom}; a release that leaves room
 * wakes the waiters through the executor given at creation, never on the releasing thread,
 * which may hold a socket's lock.
 */
public final class ByteBudget {

    private final String name;
    private final long limit;
    private final ByteBudget parent;
    private final Executor wakeups;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong sendUsed = new AtomicLong(); // the part of used that waits in send queues
    private final AtomicLong peak = new AtomicLong();
    private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();

    private ByteBudget(String name, long limit, ByteBudget parent, Executor wakeups) {
        if (limit <= 0) {
            throw new IllegalArgumentException(name + " budget must be positive: " + limit);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.limit = limit;
        this.parent = parent;
        this.wakeups = Objects.requireNonNull(wakeups, "wakeups");
    }

    /** A top-level budget (a server's); waiters are woken on {@code wakeups}. */
    public static ByteBudget root(String name, long limit, Executor wakeups) {
        return new ByteBudget(name, limit, null, wakeups);
    }

    /** A budget within this one (a connection's within its server's): bytes count against both. */
    public ByteBudget child(String childName, long childLimit) {
        return new ByteBudget(childName, childLimit, this, wakeups);
    }

    /** True when {@code bytes} more fit here and in every enclosing budget. */
    public boolean hasRoom(long bytes) {
        return used.get() + bytes <= limit && (parent == null || parent.hasRoom(bytes));
    }

    /**
     * True when {@code bytes} more of send queue fit here and in every enclosing budget. Only send
     * queues count: bytes received and held for a listener that has not asked for them pause the
     * reading, but must not fail the sends that let the listener go on (an echo would drop the
     * message it could not send).
     */
    public boolean hasSendRoom(long bytes) {
        return sendUsed.get() + bytes <= limit && (parent == null || parent.hasSendRoom(bytes));
    }

    /** Counts {@code delta} bytes more (negative: fewer) waiting in a send queue; they count in {@link #used()} too. */
    public void addSend(long delta) {
        if (delta == 0) {
            return;
        }
        for (ByteBudget b = this; b != null; b = b.parent) {
            b.sendUsed.addAndGet(delta);
        }
        add(delta);
    }

    /** True when this budget or an enclosing one is used up: stop reading. */
    public boolean exhausted() {
        return used.get() >= limit || parent != null && parent.exhausted();
    }

    /** Counts {@code delta} bytes more (negative: fewer) here and in every enclosing budget. */
    public void add(long delta) {
        if (delta == 0) {
            return;
        }
        long now = used.addAndGet(delta);
        if (delta > 0 && now > peak.get()) { // a read first: no CAS per send once the peak is behind us
            peak.accumulateAndGet(now, Math::max);
        }
        if (parent != null) {
            parent.add(delta);
        }
        if (delta < 0 && now < limit && !waiters.isEmpty()) {
            wake();
        }
    }

    /**
     * Runs {@code task} (on the wake-up executor) once there is room again; at once if there is
     * room now. The task should re-check: room may be taken again by the time it runs.
     */
    public void whenRoom(Runnable task) {
        ByteBudget full = this;
        while (full != null && full.used.get() < full.limit) {
            full = full.parent;
        }
        if (full == null) {
            wakeups.execute(task);
            return;
        }
        full.waiters.add(task);
        if (full.used.get() < full.limit) {
            full.wake(); // released between the test and the add: do not miss the wake-up
        }
    }

    private void wake() {
        Runnable r;
        while ((r = waiters.poll()) != null) {
            wakeups.execute(r);
        }
    }

    /** Bytes counted now. */
    public long used() {
        return used.get();
    }

    /** The most bytes counted at once. */
    public long peak() {
        return peak.get();
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }

    /** The budget's name, for messages. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + " budget " + used.get() + "/" + limit + " bytes";
    }
}
