package io.h2ws.core.internal.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * Regression test for the lost message (spec-notes/soak.md, "The lost message"): C2 bug
 * JDK-8376400 ("folding ifs may cause incorrect execution when trap is taken") made the former
 * HTTP/2 write gatherer drop the first buffer of 4,096 bytes or more after a warm-up with small
 * buffers only, while the send's future completed. The warm-up runs in a JVM of its own, because
 * the profile must hold small messages only; then one larger message must reach the carrier
 * whole. It can fail only on a JVM that carries the bug (Java 17.0.15 and Temurin 25.0.3 here
 * do: the former gatherer lost the buffer in 3 of 3 runs of the same harness) and code of the
 * affected shape; on a fixed JVM it passes whatever the code.
 */
class WritePathJitRegressionTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pool", "heap"})
    @Timeout(120)
    void aLargeMessageAfterAWarmUpOfSmallOnesReachesTheCarrierWhole(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                WritePathJitWarmup.class.getName(), "300000", mode))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        if (!p.waitFor(100, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("warm-up JVM did not finish");
        }
        assertEquals(0, p.exitValue(), out);
    }
}
