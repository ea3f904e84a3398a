package io.h2ws.cli.trace;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code h2ws trace}: read traces written with {@code --trace} (spec-notes/trace.md). */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Summarize or draw a trace written with --trace; or record a demo trace.",
        subcommands = {SummarizeCommand.class, TimelineCommand.class, DemoCommand.class})
public final class TraceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a trace command is required: summarize, timeline or demo");
    }
}
