package io.h2ws.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Finding the shared stall in a trace, and the report drawn from results, without a network. */
class LabResultsTest {

    private static String data(long tMillis, String dir, int stream) {
        return "{\"t\":" + tMillis * 1_000_000 + ",\"ev\":\"h2\",\"dir\":\"" + dir + "\",\"conn\":\"c1\",\"type\":\"DATA\",\"stream\":" + stream + ",\"len\":22}";
    }

    /** Three streams ping-pong every 20 ms; the echoes of the round sent at 200 ms are held until 261 ms; the wind-down gap at the end is not it. */
    static List<String> trace() {
        List<String> l = new ArrayList<>();
        l.add("{\"ev\":\"trace\",\"schema\":\"h2ws-trace\",\"v\":1,\"endpoint\":\"client\"}");
        for (long t = 0; t < 400; t += 20) {
            for (int s = 1; s <= 5; s += 2) {
                l.add(data(t + s, "out", s));
                if (t != 200) {
                    l.add(data(t + s + 10, "in", s));
                }
            }
            if (t == 200) {
                for (int s = 1; s <= 5; s += 2) {
                    l.add(data(260 + s, "in", s));
                }
                t = 260;
            }
        }
        l.add(data(900, "in", 1)); // a late echo after the last send: winding down, not a stall
        return l;
    }

    @Test
    void theStallIsTheGapAllStreamsWaitedThrough() {
        LabResults.Stall st = LabResults.longestStall(trace());
        assertNotNull(st);
        assertEquals(195, st.fromNanos() / 1_000_000, st.toString());
        assertEquals(261, st.toNanos() / 1_000_000, st.toString());
        assertEquals(3, st.streamsWaiting());
        assertEquals(3, st.streamsReleased());
    }

    @Test
    void reportIsSelfContained() {
        LabResults r = new LabResults("now", "test machine", "h2ws lab --quick", "grid");
        for (double loss : new double[] {0, 1}) {
            LabNetwork.Impairment imp = new LabNetwork.Impairment(loss, 20, 10);
            for (String t : List.of("h1", "h2")) {
                r.add(imp, t, 4, "pingpong", 10, LabNetwork.parse("ok=true count=100 p50_ms=20.5 p99_ms=" + (30 + loss * 10)
                        + " p999_ms=60 max_ms=70 cdf=0.0:20;50.0:20.5;99.0:30;100.0:70 open_failed=0 stalled=0"));
                r.add(imp, t, 4, "stream", 10, LabNetwork.parse("ok=true count=1000 goodput_mbit=" + (9 - loss) + " open_failed=0 stalled=0"));
            }
            r.condition(imp, LabNetwork.parse("rtt_p50_ms=20.3"), new long[] {1000, (long) (loss * 10)}, LabNetwork.parse("delayed=1000 late_p99_us=90"));
        }
        String html = LabReport.html(r, "x.csv", "x.json");
        assertTrue(html.contains("<svg"), "plots are inline SVG");
        assertTrue(!html.contains("http://") || html.replace("http://www.w3.org/2000/svg", "").indexOf("http://") < 0, "nothing fetched");
        assertTrue(!html.contains("<script") && !html.contains("https://"), "no scripts, no fetches");
        assertTrue(html.contains("p99 round-trip latency vs loss") && html.contains("Goodput vs loss") && html.contains("Per-message latency at 1%"));
        String csv = r.csv();
        assertEquals(9, csv.split("\n").length, csv);
        assertTrue(r.json().contains("\"measured_loss_percent\": 1.0"), r.json());
    }
}
