package io.h2ws.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stall check of the benchmarks issue: many short runs of ONE socket ping-ponging 16 B (one
 * message in flight), counting runs in which the socket made no progress at all. The anchors saw
 * Jetty's h2 WebSocket stall in 3 of 19 such runs; h2ws must show 0.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.h2ws.bench.StallCheck [runs] [seconds] [kinds...]</pre>
 * Each run gets a fresh client and a fresh server JVM, as a JMH trial would.
 */
public final class StallCheck {

    private StallCheck() {}

    /** One line per kind: runs, stalled runs, median round trips/s. */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        List<String> kinds = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("h2ws-h2", "jetty-h2");
        for (String kind : kinds) {
            int stalled = 0;
            List<Long> rates = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                try (Harness h = Harness.start(kind); Pump pump = Pump.start(h.client, 1, 16, 1)) {
                    Thread.sleep(200); // warm-up, not counted
                    long before = pump.received();
                    Thread.sleep((long) (seconds * 1000));
                    long got = pump.received() - before;
                    if (got == 0) {
                        stalled++;
                        System.out.printf(Locale.ROOT, "STALL %s run %d: no round trip in %.1f s%n", kind, r, seconds);
                    }
                    rates.add((long) (got / seconds));
                }
            }
            rates.sort(null);
            System.out.printf(Locale.ROOT, "%-10s runs=%d stalled=%d median round trips/s=%d%n", kind, runs, stalled,
                    rates.get(rates.size() / 2));
        }
    }
}
