package io.h2ws.bench.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Adds the round-trip percentiles recorded by the window-1 network benchmarks (LatencyBench,
 * MultiplexBench) to JMH's results: {@code -prof io.h2ws.bench.jmh.LatencyProfiler}. Each
 * iteration contributes its own p50/p99/p99.9 in µs; JMH shows their mean over iterations. The
 * percentiles over all measurement iterations together are printed as a {@code LATENCY} line at
 * the end of each trial, with or without this profiler.
 */
public class LatencyProfiler implements InternalProfiler {
    private static volatile Histogram last;

    static void publish(Histogram h) {
        last = h.copy();
    }

    @Override
    public String getDescription() {
        return "round-trip percentiles (us) of the window-1 h2ws network benchmarks";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        last = null;
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        Histogram h = last;
        List<Result> r = new ArrayList<>();
        if (h != null && h.getTotalCount() > 0) {
            r.add(new ScalarResult("rtt.p50", h.getValueAtPercentile(50), "us", AggregationPolicy.AVG));
            r.add(new ScalarResult("rtt.p99", h.getValueAtPercentile(99), "us", AggregationPolicy.AVG));
            r.add(new ScalarResult("rtt.p99.9", h.getValueAtPercentile(99.9), "us", AggregationPolicy.AVG));
        }
        return r;
    }
}
