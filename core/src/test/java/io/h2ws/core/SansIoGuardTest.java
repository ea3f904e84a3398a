package io.h2ws.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Holds the architecture's line: the core does no I/O, and its rule code has no threads or clocks.
 * Whole packages are guarded, not a list of files, so a class added to them is held to the rule
 * the day it is written; only the socket runtime that shares their packages is named, one by one.
 */
class SansIoGuardTest {

    private static final Path MAIN = Path.of("src/main/java/io/h2ws");
    /** Every package at or below io.h2ws.core: frame, wire, session, extension, handshake, and Role's. */
    private static final Path SANS_IO = MAIN.resolve("core");
    /** The socket runtime beside the rules: it owns the threads, timers and clocks by design. */
    private static final Set<String> RUNTIME = Set.of(
            "core/session/RealWebSocket.java",
            "core/session/Timers.java",
            "core/session/SocketTracer.java",
            "core/wire/InMemoryCarriers.java");

    private static List<String> offenders(Path root, Pattern forbidden, Set<String> exempt) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                if (exempt.contains(MAIN.relativize(f).toString().replace('\\', '/'))) {
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
                Set.of());
        assertTrue(bad.isEmpty(), "I/O in core: " + bad);
    }

    @Test
    @DisplayName("every class of the sans-I/O packages but the named socket runtime uses no threads, executors or clocks")
    void rulesArePure() throws IOException {
        List<String> bad = offenders(SANS_IO,
                Pattern.compile("java\\.util\\.concurrent|new Thread|System\\.(nanoTime|currentTimeMillis)|Instant\\.now"),
                RUNTIME);
        assertTrue(bad.isEmpty(), "impure rule code: " + bad);
    }

    @Test
    @DisplayName("the guard sees the packages it names, and every exemption is a file that exists")
    void guardSeesItsPackages() throws IOException {
        for (String pkg : List.of("", "frame", "wire", "session", "extension", "handshake")) {
            Path dir = SANS_IO.resolve(pkg);
            try (Stream<Path> files = Files.list(dir)) {
                assertFalse(files.noneMatch(p -> p.toString().endsWith(".java")), "no classes in " + dir);
            }
        }
        for (String f : RUNTIME) {
            assertTrue(Files.isRegularFile(MAIN.resolve(f)), "stale exemption " + f);
        }
    }
}
