package io.h2ws.core.internal.socket;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The shared timer thread for close and idle timeouts; tasks on it only flip state and never block. */
public final class Timers {

    private static final ScheduledThreadPoolExecutor SHARED = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "h2ws-timer");
        t.setDaemon(true);
        return t;
    });

    static {
        SHARED.setRemoveOnCancelPolicy(true);
    }

    private Timers() {}

    /** One daemon thread shared by every socket of the process. */
    public static ScheduledExecutorService shared() {
        return SHARED;
    }
}
