package io.h2ws.conformance;

import java.util.concurrent.TimeUnit;

/** Finds a python3 that can import a module, for the interop tests that drive Python peers. */
public final class PythonWithModule {

    private PythonWithModule() {}

    /**
     * The first of {@code python3} and {@code /usr/bin/python3} that imports {@code module}, or
     * null: pyenv's python3 may shadow Debian's, which is where {@code python3-*} packages install.
     */
    public static String find(String module) throws InterruptedException {
        for (String candidate : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import " + module).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (java.io.IOException absent) {
                // try the next
            }
        }
        return null;
    }
}
