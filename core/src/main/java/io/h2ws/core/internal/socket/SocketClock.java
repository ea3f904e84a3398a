package io.h2ws.core.internal.socket;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time for a socket's timeouts: the only clock and timer the runtime uses, so a test can drive
 * idle timeouts, keepalive and the close timeout without waiting.
 */
public interface SocketClock {

    /** A scheduled task that may be cancelled. */
    interface Timer {
        /** Cancels the task if it has not run; harmless afterwards. */
        void cancel();
    }

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Runs {@code task} once after {@code delayNanos}; the task must not block. */
    Timer schedule(Runnable task, long delayNanos);

    /** The system clock and the process's shared timer thread ({@link Timers#shared()}). */
    SocketClock SYSTEM = new SocketClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            ScheduledFuture<?> f = Timers.shared().schedule(task, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    };
}
