package io.h2ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * The README's "Use it" program, as a user builds it: its text taken from README.md and checked to be
 * {@code examples/EchoExample.java}, compiled with javac against the library's jars on the module path
 * (so only exported packages are reachable) and run in a JVM of its own against the embedded server
 * it starts. It runs after {@code package} (failsafe), so the library is the jar {@code mvn install}
 * would install, not the classes folder; {@code mvn -q verify} runs it without installing anything.
 */
class ExampleProgramIT {

    /** The run-time flags README.md gives module-path users: Jetty packages the transports extend but Jetty does not export. */
    static final List<String> ADD_EXPORTS = List.of(
            "org.eclipse.jetty.http2.server/org.eclipse.jetty.http2.server.internal=io.h2ws.h2",
            "org.eclipse.jetty.http2.hpack/org.eclipse.jetty.http2.hpack.internal=io.h2ws.h2",
            "org.eclipse.jetty.server/org.eclipse.jetty.server.internal=io.h2ws");

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path WORK = Path.of("target", "example-program").toAbsolutePath();

    @Test
    void readmeProgramCompilesAgainstTheModulesAndRuns() throws Exception {
        String example = Files.readString(ROOT.resolve("examples/EchoExample.java"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertEquals(example, readmeBlock(readme), "README.md's example block must be examples/EchoExample.java verbatim");
        for (String flag : ADD_EXPORTS) {
            assertTrue(readme.contains("--add-exports " + flag), "README.md names " + flag);
        }

        String modulePath = libraryModulePath();
        Path classes = WORK.resolve("classes");
        Compiled c = javac(modulePath, classes, ROOT.resolve("examples/EchoExample.java"));
        assertEquals(0, c.exit, "the example compiles against the exported API:\n" + c.output);

        List<String> cmd = new ArrayList<>(List.of(javaBin(), "--module-path", modulePath, "--add-modules", "io.h2ws"));
        for (String flag : ADD_EXPORTS) {
            cmd.add("--add-exports");
            cmd.add(flag);
        }
        cmd.addAll(List.of("-cp", classes.toString(), "EchoExample"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process ended or was killed: what was read is kept
            }
        }, "example-output");
        drain.start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        drain.join(5_000);
        String output = out.toString(StandardCharsets.UTF_8);
        assertTrue(ended, "the example must end within 60 s:\n" + output);
        assertEquals(0, p.exitValue(), "the example's exit status:\n" + output);
        assertTrue(output.contains("H1 echoed: hello over H1"), output);
        assertTrue(output.contains("H2 echoed: hello over H2"), output);
    }

    @Test
    void internalPackagesDoNotCompileForAUser() throws Exception {
        Path src = WORK.resolve("peek/Peek.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "class Peek {\n"
                + "    Object a = io.h2ws.core.internal.socket.RealWebSocket.class;\n"
                + "    Object b = io.h2ws.h2.internal.H2Connector.class;\n"
                + "    Object c = io.h2ws.internal.h1.H1Connector.class;\n"
                + "}\n");
        Compiled c = javac(libraryModulePath(), WORK.resolve("peek-classes"), src);
        assertNotEquals(0, c.exit, "a user's code must not reach internals:\n" + c.output);
        for (String pkg : List.of("io.h2ws.core.internal.socket", "io.h2ws.h2.internal", "io.h2ws.internal.h1")) {
            assertTrue(c.output.contains("package " + pkg + " is not visible")
                    || c.output.contains("package " + pkg + " is declared in module"), pkg + ":\n" + c.output);
        }
    }

    /** The ```java block that follows the marker naming examples/EchoExample.java. */
    static String readmeBlock(String readme) {
        Matcher m = Pattern.compile("<!-- examples/EchoExample\\.java[^>]*-->\\n```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertTrue(m.find(), "README.md has no example block after its examples/EchoExample.java marker");
        return m.group(1);
    }

    /**
     * The library's module path: of the test class path, the named modules io.h2ws needs (its
     * requires, and service providers such as Jetty's ALPN and an SLF4J binding). Test-only jars and
     * jars without a module descriptor stay out, as they would be absent from a user's build.
     */
    static String libraryModulePath() {
        List<Path> named = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            boolean jar = entry.endsWith(".jar") && Files.isRegularFile(p);
            boolean exploded = Files.isRegularFile(p.resolve("module-info.class"));
            if (!jar && !exploded) {
                continue;
            }
            try {
                Set<ModuleReference> refs = ModuleFinder.of(p).findAll();
                if (refs.size() == 1 && !refs.iterator().next().descriptor().isAutomatic()) {
                    named.add(p);
                }
            } catch (RuntimeException notAModule) {
                // a jar whose module name cannot be derived is no module: a user's module path would not have it
            }
        }
        Configuration cf = Configuration.empty().resolveAndBind(ModuleFinder.of(named.toArray(Path[]::new)),
                List.of(ModuleLayer.boot().configuration()), ModuleFinder.of(), Set.of("io.h2ws"));
        Set<String> path = new TreeSet<>();
        for (ResolvedModule m : cf.modules()) {
            m.reference().location().ifPresent(uri -> path.add(Path.of(uri).toString()));
        }
        assertTrue(path.stream().anyMatch(s -> s.contains("h1-fallback")), "the library itself is on the path: " + path);
        assertFalse(path.stream().anyMatch(s -> s.contains("junit")), "no test jar on the path: " + path);
        return String.join(File.pathSeparator, path);
    }

    private record Compiled(int exit, String output) {}

    private static Compiled javac(String modulePath, Path out, Path source) throws IOException {
        Files.createDirectories(out);
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac in this JDK"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(text, true, StandardCharsets.UTF_8);
        // an empty class path: in this JVM javac would otherwise default to the test's, where every class is reachable
        Path none = Files.createDirectories(WORK.resolve("empty-class-path"));
        int exit = javac.run(ps, ps, "--release", "17", "--class-path", none.toString(), "--module-path", modulePath,
                "--add-modules", "io.h2ws", "-d", out.toString(), source.toString());
        return new Compiled(exit, text.toString(StandardCharsets.UTF_8));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
