package io.h2ws.h2.internal;

import java.util.concurrent.TimeUnit;

import io.h2ws.testing.Recorder;

/** Small waits shared by the tests. */
final class H2EchoTestSupport {
    private H2EchoTestSupport() {}

    /** The {@code index}-th server-side recorder of the fixture, waiting up to 10 s for it. */
    static Recorder awaitRecorder(H2Fixture fixture, int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fixture.recorders.size() <= index) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no server socket #" + index);
            }
            Thread.sleep(5);
        }
        return fixture.recorders.get(index);
    }
}
