package io.h2ws.core.internal.socket;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one serial executor of a socket: every call into the socket's receive side (a carrier's
 * data, end and failure, the listener's demand) runs here, one at a time, in the order queued,
 * never re-entrant. A task queued from inside another runs after it on the same thread.
 *
 * <p>Runs on the caller's thread: {@link #execute} runs the queue now unless another thread is
 * running it. A carrier called on a thread that must not run application code (the thread
 * parsing a whole HTTP/2 connection) uses {@link #enqueue} and arranges {@link #drain} elsewhere;
 * the order is fixed when a task is queued, whichever thread drains.
 */
public final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Thread runner;

    /** Queues {@code task} and runs the queue on this thread unless another thread is running it. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        drain();
    }

    /** Queues {@code task} without running anything; a later {@link #drain} (or execute) runs it. */
    public void enqueue(Runnable task) {
        tasks.add(task);
    }

    /** Runs the queued tasks on this thread, unless another thread is already running them. */
    public void drain() {
        while (!tasks.isEmpty() && running.compareAndSet(false, true)) {
            runner = Thread.currentThread();
            try {
                Runnable r;
                while ((r = tasks.poll()) != null) {
                    try {
                        r.run();
                    } catch (Throwable t) {
                        // a task is a receiver call that already handles its own failures: this is a bug
                        LOG.warn("h2ws: socket task threw", t);
                    }
                }
            } finally {
                runner = null;
                running.set(false);
            }
            // a task queued between the last poll and the release is seen by the loop test
        }
    }

    /** True when the calling thread is running this executor's tasks right now. */
    public boolean inExecutor() {
        return runner == Thread.currentThread();
    }
}
