package io.h2ws.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command's help shows its defaults, and the README's synopsis of each command names every option. */
class HelpAndReadmeTest {

    static final Path README = Path.of("../README.md");

    /** "serve", "trace summarize"...: every command that runs something, by the words a user types after ./h2ws. */
    static Map<String, CommandSpec> commands() {
        Map<String, CommandSpec> out = new LinkedHashMap<>();
        collect(new CommandLine(new Main()), "", out);
        return out;
    }

    private static void collect(CommandLine cl, String prefix, Map<String, CommandSpec> out) {
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            if (sub.getValue().getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            String name = prefix + sub.getKey();
            if (sub.getValue().getSubcommands().isEmpty()) {
                out.put(name, sub.getValue().getCommandSpec());
            } else {
                collect(sub.getValue(), name + " ", out);
            }
        }
    }

    private static List<OptionSpec> options(CommandSpec spec) {
        List<OptionSpec> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.usageHelp() && !o.versionHelp()) {
                out.add(o);
            }
        }
        return out;
    }

    @Test
    @DisplayName("every option that takes a value says its default in --help, the value itself where it has one, or is required")
    void helpShowsEveryDefault() {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, CommandSpec> c : commands().entrySet()) {
            for (OptionSpec o : options(c.getValue())) {
                // as --help prints it, ${DEFAULT-VALUE} replaced
                String shown = String.join(" ", o.description());
                boolean flag = o.typeInfo().isBoolean();
                String dflt = o.defaultValue();
                if (dflt != null && !dflt.isEmpty()
                        && !java.util.regex.Pattern.compile("(?i)default:? " + java.util.regex.Pattern.quote(dflt) + "\\b").matcher(shown).find()) {
                    bad.add(c.getKey() + " " + o.longestName() + ": its default " + dflt + " is not in its help: " + shown);
                } else if (!flag && !o.required() && !shown.toLowerCase(Locale.ROOT).contains("default")) {
                    bad.add(c.getKey() + " " + o.longestName() + ": no default stated");
                }
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    @DisplayName("the README's command table has a synopsis for every command, naming every option of its --help")
    void readmeSynopsesAreComplete() throws IOException {
        List<String> rows = Files.readAllLines(README).stream().filter(l -> l.startsWith("| `./h2ws ")).toList();
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, CommandSpec> c : commands().entrySet()) {
            String synopsis = rows.stream().filter(r -> r.startsWith("| `./h2ws " + c.getKey() + " ") || r.startsWith("| `./h2ws " + c.getKey() + "`"))
                    .map(r -> r.substring(3, r.indexOf('`', 3))).findFirst().orElse(null);
            if (synopsis == null) {
                bad.add(c.getKey() + ": no row in the README's command table");
                continue;
            }
            for (OptionSpec o : options(c.getValue())) {
                if (!synopsis.matches("(?s).*" + java.util.regex.Pattern.quote(o.longestName()) + "(?![a-z-]).*")) {
                    bad.add(c.getKey() + ": the synopsis omits " + o.longestName());
                }
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    @DisplayName("every relative link in the README and spec-notes resolves inside the repository, and spec-notes/README.md indexes every note")
    void linksStayInTheRepository() throws IOException {
        Path root = README.toAbsolutePath().getParent().normalize();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (var notes = Files.list(root.resolve("spec-notes"))) {
            notes.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("\\]\\(([^)\\s]+)\\)|`(\\.\\./[^`\\s]+|/(?:work|home|tmp|root)/[^`\\s]+)`");
        List<String> bad = new ArrayList<>();
        for (Path doc : docs) {
            java.util.regex.Matcher m = link.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                if (target.matches("(?i)(https?|mailto):.*") || target.startsWith("#")) {
                    continue;
                }
                Path p = doc.getParent().resolve(target.replaceAll("#.*$", "")).normalize();
                if (target.startsWith("/") || !p.startsWith(root) || !Files.exists(p)) {
                    bad.add(root.relativize(doc) + ": " + target);
                }
            }
        }
        assertTrue(bad.isEmpty(), "links that do not resolve inside the repository:\n" + String.join("\n", bad));

        String index = Files.readString(root.resolve("spec-notes/README.md"));
        assertTrue(index.indexOf("architecture.md") < index.indexOf("## Design notes"), "the index starts from architecture.md");
        for (Path doc : docs) {
            String name = doc.getFileName().toString();
            if (doc.getParent().endsWith("spec-notes") && !name.equals("README.md")) {
                assertTrue(index.contains("](" + name + ")"), "spec-notes/README.md lists " + name);
            }
        }
    }
}
