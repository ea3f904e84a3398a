package io.h2ws.core.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * Holds the architecture's line: the core does no I/O, and its rule code has no threads or clocks.
 * Whole packages are guarded, not a list of files, so a class added to them is held to the rule
 * the day it is written. The one exception is a package too: {@code io.h2ws.core.internal.socket}, the
 * socket runtime (serial executor, timers, the carrier contract), which owns threads by design; and
 * {@code io.h2ws.core.internal.server}, the server's socket registry, which was outside the guard before it moved there.
 */
class SansIoGuardTest {

    private static final Path MAIN = Path.of("src/main/java/io/h2ws");
    /** Every package at or below io.h2ws.core.internal: frame, wire, session, extension, handshake, and Role's. */
    private static final Path SANS_IO = MAIN.resolve("core/internal");
    /** The socket runtime, the one package below io.h2ws.core.internal that owns threads, timers and clocks. */
    private static final String RUNTIME = "core/internal/socket/";
    /** The server's registry of open sockets and endpoints (concurrent maps), exempt as it was outside io.h2ws.core. */
    private static final String SERVER = "core/internal/server/";

    private static List<String> offenders(Path root, Pattern forbidden, String... exemptPackages) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String rel = MAIN.relativize(f).toString().replace('\\', '/');
                if (List.of(exemptPackages).stream()
                        .anyMatch(e -> rel.startsWith(e) && rel.indexOf('/', e.length()) < 0)) {
                    continue;
                }
                var m = forbidden.matcher(Files.readString(f));
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
                new String[0]);
        assertTrue(bad.isEmpty(), "I/O in core: " + bad);
    }

    @Test
    @DisplayName("every class below io.h2ws.core.internal but the socket runtime and server packages uses no threads, executors, clocks or socket addresses")
    void rulesArePure() throws IOException {
        List<String> bad = offenders(SANS_IO,
                Pattern.compile("java\\.util\\.concurrent|new Thread|System\\.(nanoTime|currentTimeMillis)|Instant\\.now"
                        + "|java\\.net\\.(Socket|Inet)\\w*"),
                RUNTIME, SERVER);
        assertTrue(bad.isEmpty(), "impure rule code: " + bad);
    }

    @Test
    @DisplayName("the guard sees the packages it names, and the exempt runtime package exists")
    void guardSeesItsPackages() throws IOException {
        for (String pkg : List.of("", "frame", "wire", "session", "extension", "handshake")) {
            Path dir = SANS_IO.resolve(pkg);
            try (Stream<Path> files = Files.list(dir)) {
                assertFalse(files.noneMatch(p -> p.toString().endsWith(".java")), "no classes in " + dir);
            }
        }
        assertTrue(Files.isDirectory(MAIN.resolve(RUNTIME)), "stale exemption " + RUNTIME);
        assertTrue(Files.isDirectory(MAIN.resolve(SERVER)), "stale exemption " + SERVER);
    }
}
