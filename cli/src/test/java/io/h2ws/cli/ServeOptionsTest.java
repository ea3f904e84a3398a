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
}
