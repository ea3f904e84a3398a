package io.h2ws.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression test for the lost first message on HTTP/2 (spec-notes/soak.md, "The lost message"):
 * C2 bug JDK-8376400 ("folding ifs may cause incorrect execution when trap is taken") made the
 * write gatherer drop the first buffer of 4,096 bytes or more after a warm-up with small buffers
 * only, when it was written as {@code int n = b.remaining(); if (n == 0) continue; if (n >= SMALL)}.
 * The warm-up runs in a JVM of its own because the profile must hold small buffers only. It can
 * fail only on a JVM that carries the bug (Java 17.0.15 and 25.0.3 here do: the old code lost the
 * buffer in 3 of 3 runs); on a fixed JVM it passes whatever the code.
 */
class GatherJitRegressionTest {

    @Test
    @Timeout(120)
    void aLargeBufferAfterAWarmUpOfSmallOnesIsGatheredWhole() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int run = 0; run < 2; run++) {
            Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    GatherJitWarmup.class.getName(), "300000"))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(100, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("warm-up JVM did not finish");
            }
            assertEquals(0, p.exitValue(), "run " + run + ": " + out);
        }
    }
}
