package io.h2ws.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Holds the architecture's line: the core does no I/O, and its rule code has no threads or clocks. */
class SansIoGuardTest {

    private static final Path MAIN = Path.of("src/main/java/io/h2ws");

    private static List<String> offenders(Path root, Pattern forbidden, Pattern include) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                if (!include.matcher(f.toString().replace('\\', '/')).find()) {
                    continue;
                }
                String src = Files.readString(f);
                var m = forbidden.matcher(src);
                if (m.find()) {
                    bad.add(f + ": " + m.group());
                }
            }
        }
        return bad;
    }

    @Test
    @DisplayName("core/src/main imports no Jetty, sockets or channels")
    void noIo() throws IOException {
        List<String> bad = offenders(MAIN,
                Pattern.compile("import (org\\.eclipse\\.jetty[^;]*|java\\.net\\.(Socket|ServerSocket|DatagramSocket)|java\\.nio\\.channels[^;]*);"),
                Pattern.compile("."));
        assertTrue(bad.isEmpty(), "I/O in core: " + bad);
    }

    @Test
    @DisplayName("frames, handshake rules and the session state machine use no threads, executors or clocks")
    void rulesArePure() throws IOException {
        List<String> bad = offenders(MAIN,
                Pattern.compile("java\\.util\\.concurrent|new Thread|System\\.(nanoTime|currentTimeMillis)|Instant\\.now"),
                Pattern.compile("/core/(frame|handshake)/|/WebSocketSession\\.java|/SessionState\\.java|/Event\\.java|/Rfc6455Mapping\\.java"));
        assertTrue(bad.isEmpty(), "impure rule code: " + bad);
    }
}
