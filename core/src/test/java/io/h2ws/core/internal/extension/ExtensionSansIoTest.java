package io.h2ws.core.internal.extension;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The architecture's sans-I/O line (see SansIoGuardTest) applied to this package too. */
class ExtensionSansIoTest {

    private static final Pattern FORBIDDEN = Pattern.compile(
            "import (org\\.eclipse\\.jetty|java\\.net\\.|java\\.nio\\.channels)|java\\.util\\.concurrent"
                    + "|new Thread|System\\.(nanoTime|currentTimeMillis)|Instant\\.now");

    @Test
    @DisplayName("RFC 7692 code in core/extension does no I/O and uses no threads or clocks")
    void pure() throws IOException {
        List<String> bad;
        try (Stream<Path> files = Files.list(Path.of("src/main/java/io/h2ws/core/internal/extension"))) {
            bad = files.filter(f -> {
                try {
                    return FORBIDDEN.matcher(Files.readString(f)).find();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).collect(Collectors.toList());
        }
        assertTrue(bad.isEmpty(), "impure extension code: " + bad);
    }
}
