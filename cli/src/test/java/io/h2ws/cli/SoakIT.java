package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import picocli.CommandLine;

import io.h2ws.H2wsServer;
import io.h2ws.server.Endpoint;

/** The soak command, short: every message back once, in order, intact, every socket closed cleanly. */
class SoakIT {

    record Run(int exit, String out, String err) {
        /** The figures of one table row, one per transport. */
        List<String> row(String name) {
            for (String line : out.split("\n")) {
                if (line.startsWith(name + " ") && !name.isBlank()) {
                    return Arrays.asList(line.substring(34).trim().split("\\s+"));
                }
            }
            throw new AssertionError("no row " + name + " in\n" + out);
        }
    }

    static Run soak(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "soak";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = cl.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @DisplayName("50 sockets per transport for 5 s: nothing lost, duplicated, reordered or corrupted; all closed cleanly")
    void shortSoakIsClean() {
        Run r = soak("--sockets", "50", "--seconds", "5", "--drain", "30", "--seed", "42");
        String all = r.out() + "\n" + r.err();
        assertEquals(0, r.exit(), all);
        assertTrue(r.out().contains("soak: clean"), all);
        for (String row : List.of("LOST", "DUPLICATED", "REORDERED", "CORRUPTED (crc/size/id)", "pong mismatches",
                "send errors", "sockets ended abnormally", "server sockets left open", "server pool buffers not returned")) {
            assertEquals(List.of("0", "0", "0"), r.row(row), row + "\n" + all);
        }
        assertEquals(List.of("50/50", "50/50", "50/50"), r.row("sockets opened / asked"), all);
        for (String sent : r.row("messages sent")) {
            assertTrue(Long.parseLong(sent) > 100, "too little traffic to mean anything\n" + all);
        }
        assertEquals(r.row("messages sent"), r.row("messages received"), all);
        for (String fragmented : r.row("  of which fragmented (2-4 parts)")) {
            assertTrue(Long.parseLong(fragmented) > 0, all);
        }
        for (String pongs : r.row("pongs received")) {
            assertTrue(Long.parseLong(pongs) > 0, all);
        }
    }

    /**
     * The checker itself: against an echo that damages, repeats and drops messages now and then,
     * the soak must see each kind and fail.
     */
    @Test
    @DisplayName("A faulty echo is caught: corrupted, duplicated and lost messages, exit code 1")
    void faultyEchoIsCaught() throws Exception {
        try (H2wsServer server = H2wsServer.builder().port(0)
                .endpoint(Endpoint.builder("/echo").listener(FaultyEcho::new).build()).build().start()) {
            Run r = soak("--url", "ws://127.0.0.1:" + server.port() + "/echo", "--transports", "h1,h2msg",
                    "--sockets", "5", "--seconds", "2", "--drain", "2", "--max-size", "8192");
            String all = r.out() + "\n" + r.err();
            assertEquals(1, r.exit(), all);
            assertTrue(r.out().contains("soak: FAILED"), all);
            for (String row : List.of("LOST", "DUPLICATED", "CORRUPTED (crc/size/id)")) {
                for (String n : r.row(row)) {
                    assertTrue(Long.parseLong(n) > 0, row + "\n" + all);
                }
            }
            assertEquals(List.of("n/a", "n/a"), r.row("server sockets left open"), all);
        }
    }

    /** Echoes whole messages, but flips a byte in every 50th, sends every 70th twice and drops every 90th. */
    static final class FaultyEcho implements WebSocket.Listener {
        private final ByteArrayOutputStream parts = new ByteArrayOutputStream();
        private long count;

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            parts.writeBytes(b);
            if (!last) {
                ws.request(1);
                return null;
            }
            byte[] m = parts.toByteArray();
            parts.reset();
            count++;
            if (count % 90 == 0) {
                ws.request(1);
                return null;
            }
            if (count % 50 == 0) {
                m[m.length - 1] ^= 0x40;
            }
            if (count % 70 == 0) {
                ws.sendBinary(ByteBuffer.wrap(m.clone()), true);
            }
            return ws.sendBinary(ByteBuffer.wrap(m), true).whenComplete((x, e) -> ws.request(1));
        }
    }
}
