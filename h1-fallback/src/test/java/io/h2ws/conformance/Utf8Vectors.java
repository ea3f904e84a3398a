package io.h2ws.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * The UTF-8 vectors of Autobahn's cases 6.5 to 6.23, rebuilt from their source, Markus Kuhn's
 * "UTF-8 decoder capability and stress test" (UTF-8-test.txt), in the same groups and order.
 * Validity is stated per vector and cross-checked against the JDK's strict decoder by the test.
 */
final class Utf8Vectors {

    record Vector(boolean valid, byte[] bytes) {}

    record Group(String name, List<Vector> vectors) {}

    private Utf8Vectors() {}

    static List<Group> groups() {
        List<Group> g = new ArrayList<>();
        byte[] kosme = Cases.hex("cebae1bdb9cf83cebcceb5");
        g.add(group("Some valid UTF-8 sequences",
                ok(Cases.u("hello$world")), ok(Cases.hex("68656c6c6fc2a2776f726c64")), ok(Cases.hex("68656c6c6fe282ac776f726c64")),
                ok(Cases.hex("68656c6c6ff0a4ada2776f726c64")), ok(kosme)));
        List<Vector> prefixes = new ArrayList<>();
        for (int i = 1; i <= kosme.length; i++) {
            byte[] p = java.util.Arrays.copyOf(kosme, i);
            prefixes.add(new Vector(Peer.checkUtf8(p) == null, p)); // a prefix is valid when it ends on a code point
        }
        g.add(new Group("All prefixes of a valid UTF-8 string with multi-byte code points", prefixes));
        g.add(group("First possible sequence of a certain length",
                ok(Cases.hex("00")), ok(Cases.hex("c280")), ok(Cases.hex("e0a080")), ok(Cases.hex("f0908080"))));
        g.add(group("First possible sequence length 5/6 (invalid code points)",
                bad("f888808080"), bad("fc8480808080")));
        g.add(group("Last possible sequence of a certain length",
                ok(Cases.hex("7f")), ok(Cases.hex("dfbf")), ok(Cases.hex("efbfbf")), ok(Cases.hex("f48fbfbf"))));
        g.add(group("Last possible sequence length 4/5/6 (invalid code points)",
                bad("f7bfbfbf"), bad("fbbfbfbfbf"), bad("fdbfbfbfbfbf")));
        g.add(group("Other boundary conditions",
                ok(Cases.hex("ed9fbf")), ok(Cases.hex("ee8080")), ok(Cases.hex("efbfbd")), ok(Cases.hex("f48fbfbf")), bad("f4908080")));
        StringBuilder allCont = new StringBuilder();
        for (int b = 0x80; b < 0xbf; b++) {
            allCont.append(String.format("%02x", b));
        }
        g.add(group("Unexpected continuation bytes",
                bad("80"), bad("bf"), bad("80bf"), bad("80bf80"), bad("80bf80bf"), bad("80bf80bf80"), bad("80bf80bf80bf"),
                bad(allCont.toString())));
        int[][] starts = {{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}};
        List<Vector> lonely = new ArrayList<>();
        for (int[] range : starts) {
            StringBuilder s = new StringBuilder();
            for (int b = range[0]; b < range[1]; b++) { // each start byte followed by a space
                s.append(String.format("%02x20", b));
            }
            lonely.add(bad(s.toString()));
        }
        g.add(new Group("Lonely start characters", lonely));
        String[] missing = {"c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf"};
        List<Vector> last = new ArrayList<>();
        for (String m : missing) {
            last.add(bad(m));
        }
        g.add(new Group("Sequences with last continuation byte missing", last));
        g.add(group("Concatenation of incomplete sequences", bad(String.join("", missing))));
        g.add(group("Impossible bytes", bad("fe"), bad("ff"), bad("fefeffff")));
        g.add(group("Examples of an overlong ASCII character",
                bad("c0af"), bad("e080af"), bad("f08080af"), bad("f8808080af"), bad("fc80808080af")));
        g.add(group("Maximum overlong sequences",
                bad("c1bf"), bad("e09fbf"), bad("f08fbfbf"), bad("f887bfbfbf"), bad("fc83bfbfbfbf")));
        g.add(group("Overlong representation of the NUL character",
                bad("c080"), bad("e08080"), bad("f0808080"), bad("f880808080"), bad("fc8080808080")));
        g.add(group("Single UTF-16 surrogates",
                bad("eda080"), bad("edadbf"), bad("edae80"), bad("edafbf"), bad("edb080"), bad("edbe80"), bad("edbfbf")));
        g.add(group("Paired UTF-16 surrogates",
                bad("eda080edb080"), bad("eda080edbfbf"), bad("edadbfedb080"), bad("edadbfedbfbf"),
                bad("edae80edb080"), bad("edae80edbfbf"), bad("edafbfedb080"), bad("edafbfedbfbf")));
        List<Vector> nonChars = new ArrayList<>();
        nonChars.add(ok(Cases.hex("efbfbe")));
        nonChars.add(ok(Cases.hex("efbfbf")));
        for (String z1 : new String[] {"f0", "f1", "f2", "f3", "f4"}) {
            for (String z2 : new String[] {"8f", "9f", "af", "bf"}) {
                if (z1.equals("f4") && !z2.equals("8f")) {
                    continue; // above U+10FFFF
                }
                for (String z3 : new String[] {"be", "bf"}) {
                    String zz = z1 + z2 + "bf" + z3;
                    if (!zz.equals("f08fbfbe") && !zz.equals("f08fbfbf")) { // overlong
                        nonChars.add(ok(Cases.hex(zz)));
                    }
                }
            }
        }
        g.add(new Group("Non-character code points (valid UTF-8)", nonChars));
        g.add(group("Unicode specials (i.e. replacement char)",
                ok(Cases.hex("efbfb9")), ok(Cases.hex("efbfba")), ok(Cases.hex("efbfbb")), ok(Cases.hex("efbfbc")),
                ok(Cases.hex("efbfbd")), ok(Cases.hex("efbfbe")), ok(Cases.hex("efbfbf"))));
        return g;
    }

    private static Group group(String name, Vector... v) {
        return new Group(name, List.of(v));
    }

    private static Vector ok(byte[] b) {
        return new Vector(true, b);
    }

    private static Vector bad(String hex) {
        return new Vector(false, Cases.hex(hex));
    }
}
