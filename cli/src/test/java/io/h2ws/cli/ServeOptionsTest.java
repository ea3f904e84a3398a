package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code serve}'s option checks that fail before anything is started (exit code 2). */
class ServeOptionsTest {

    @Test
    @DisplayName("--h2-ping-interval below 20 ms, negative, or with a zero --h2-ping-timeout is a usage error (2)")
    void badKeepaliveValuesAreUsageErrors() {
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-ping-interval", "0.01"));
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-ping-interval", "-1"));
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-ping-interval", "5", "--h2-ping-timeout", "0"));
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-ping-interval", "NaN"));
    }

    @Test
    @DisplayName("--h2-max-frame-size outside 16384..16777215 and a --h2-stream-window below 1 are usage errors (2)")
    void badFrameSettingsAreUsageErrors() {
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-max-frame-size", "16383"));
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-max-frame-size", "16777216"));
        assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--h2-stream-window", "0"));
    }

    @Test
    @DisplayName("a malformed --trace-max-size, a negative --trace-keep and a --trace-sample below 1 are usage errors (2)")
    void badTraceLimitsAreUsageErrors() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--trace-max-size", "10X"));
            assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--trace-max-size", "-1"));
            assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--trace-max-size", "999999999999G"));
            assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--trace-keep", "-1"));
            assertEquals(2, Main.execute("serve", "--port", "0", "--no-tls", "--trace-sample", "0"));
        } finally {
            System.setErr(err);
        }
        String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertEquals(5, text.lines().filter(l -> l.startsWith("h2ws: --trace-")).count(), text);
    }

    @Test
    @DisplayName("serve --help shows the HTTP/2 frame options with their defaults")
    void helpShowsFrameDefaults() {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cmd = new picocli.CommandLine(new ServeCommand());
        cmd.setOut(new java.io.PrintWriter(out));
        cmd.execute("--help");
        String help = out.toString();
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("--h2-max-frame-size") && help.contains("(default: 16384)"), help);
        org.junit.jupiter.api.Assertions.assertTrue(help.contains("--h2-stream-window") && help.contains("(default: 262144)"), help);
    }
}
