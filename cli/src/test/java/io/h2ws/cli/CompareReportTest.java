package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The HTML report of {@code compare}, from a short real run against the embedded server. */
class CompareReportTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a compare report has every section with a chart saying which way is better, a 'what this means' line, round ticks and the run's label")
    void reportReadsOnItsOwn() throws Exception {
        Path report = dir.resolve("r.html");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute("compare", "--transports", "h1,h2-tls", "--sizes", "16,65536", "--sockets", "2", "--seconds", "0.1",
                    "--window", "8", "--open", "3", "--tls-open", "3", "--idle", "5", "--report", report.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String html = Files.readString(report);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile()); // well-formed

        List<String> headings = texts(doc.getElementsByTagName("h2"));
        for (String section : Report.SECTIONS) {
            assertTrue(headings.contains(section), "section " + section + " in " + headings);
        }
        for (String t : new String[] {"h1", "h2", "h2msg"}) {
            assertTrue(texts(doc.getElementsByTagName("dt")).contains(t), t + " is explained");
        }
        String run = texts(doc.getElementsByTagName("p")).stream().filter(p -> p.startsWith("This run:")).findFirst().orElse("");
        assertTrue(run.contains("8 messages in flight") && run.contains("0.1 s") && run.contains(Runtime.getRuntime().availableProcessors() + " cores")
                && run.contains(System.getProperty("java.version")), run);

        // every section after the first: at least one chart and one "what this means" line
        int means = (int) texts(doc.getElementsByTagName("p")).stream().filter(p -> p.startsWith("What this means:")).count();
        assertEquals(Report.SECTIONS.size() - 1, means, "one 'what this means' per measured section");

        NodeList svgs = doc.getElementsByTagName("svg");
        assertTrue(svgs.getLength() >= 7, "charts: two throughput, two multiplexing, two open, heap: " + svgs.getLength());
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            String title = svg.getAttribute("aria-label");
            assertTrue(title.contains("higher is better") || title.contains("lower is better"), "which way is better: " + title);
            List<Double> ticks = new ArrayList<>();
            NodeList texts = svg.getElementsByTagName("text");
            for (int j = 0; j < texts.getLength(); j++) {
                Element t = (Element) texts.item(j);
                if ("tick".equals(t.getAttribute("class"))) {
                    ticks.add(parse(t.getTextContent()));
                }
            }
            assertRound(title, ticks, title.contains("log scale"));
        }
        // 64 KiB is charted in MB/s, 16 B in messages/s, where each is visible
        String small = chartOf(html, "messages/s, messages under");
        String large = chartOf(html, "MB/s, messages of");
        assertTrue(small.contains(">16 B<") && !small.contains("64 KiB"), small);
        assertTrue(large.contains(">64 KiB<") && !large.contains("16 B"), large);
    }

    @Test
    @DisplayName("axis ticks are 0 and 1-2-5 steps up to the largest value; labels carry no more digits than the step")
    void roundTicks() {
        for (double max : new double[] {253363, 673.4, 0.37, 18079, 1, 7, 99.9, 1_234_567, 41.5}) {
            List<Double> ticks = Report.linearTicks(max);
            List<Double> labels = new ArrayList<>();
            for (double t : ticks) {
                labels.add(parse(Report.tickLabel(t, ticks)));
            }
            assertRound("max " + max, labels, false);
            assertTrue(labels.get(labels.size() - 1) >= max * 0.999, max + " under the top tick " + labels);
            assertTrue(ticks.size() <= 6, "few ticks: " + ticks);
        }
        List<Double> log = Report.logTicks(48, 103_935);
        List<Double> labels = new ArrayList<>();
        for (double t : log) {
            labels.add(parse(Report.tickLabel(t, log)));
        }
        assertEquals(List.of(10.0, 100.0, 1000.0, 10_000.0, 100_000.0, 1_000_000.0), labels);
        assertEquals("250k", Report.tickLabel(250_000, Report.linearTicks(253_363)));
        assertEquals("0.1", Report.tickLabel(0.1, Report.linearTicks(0.37)));
    }

    /** Linear: starts at 0, even steps of 1, 2 or 5 times a power of ten. Log: powers of ten. */
    private static void assertRound(String what, List<Double> ticks, boolean log) {
        assertTrue(ticks.size() >= 2, what + ": ticks " + ticks);
        if (log) {
            for (double t : ticks) {
                double e = Math.log10(t);
                assertEquals(Math.rint(e), e, 1e-9, what + ": " + t + " is not a power of ten");
            }
            return;
        }
        assertEquals(0.0, ticks.get(0), what);
        double step = ticks.get(1);
        double mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
        assertTrue(Math.abs(mantissa - 1) < 1e-6 || Math.abs(mantissa - 2) < 1e-6 || Math.abs(mantissa - 5) < 1e-6,
                what + ": step " + step + " of " + ticks);
        for (int i = 0; i < ticks.size(); i++) {
            assertEquals(i * step, ticks.get(i), step * 1e-6, what + ": " + ticks);
        }
    }

    private static double parse(String label) {
        double unit = label.endsWith("M") ? 1e6 : label.endsWith("k") ? 1e3 : 1;
        return Double.parseDouble(unit == 1 ? label : label.substring(0, label.length() - 1)) * unit;
    }

    private static List<String> texts(NodeList nodes) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().trim());
        }
        return out;
    }

    private static String chartOf(String html, String titleStart) {
        int i = html.indexOf("aria-label=\"" + titleStart);
        assertFalse(i < 0, "chart " + titleStart);
        return html.substring(i, html.indexOf("</svg>", i));
    }
}
