package io.h2ws.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The h2ws command: serve, connect and compare. */
@Command(name = "h2ws", mixinStandardHelpOptions = true, version = "h2ws 0.1.0",
        description = "WebSocket over HTTP/2 (RFC 8441) and HTTP/1.1 (RFC 6455).",
        subcommands = {ServeCommand.class, ConnectCommand.class, CompareCommand.class, SoakCommand.class, io.h2ws.cli.trace.TraceCommand.class, io.h2ws.cli.lab.LabCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: serve, connect or compare");
    }

    /** Exit codes: 0 success, 1 failure at run time, 2 wrong arguments (one line). */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("h2ws: " + ex.getMessage() + " (see --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // file-system exceptions carry only the path as their message: name the kind too
            String msg = ex.getMessage() == null || ex instanceof java.nio.file.FileSystemException ? ex.toString() : ex.getMessage();
            commandLine.getErr().println("h2ws: " + msg);
            return 1;
        });
        return cl.execute(args);
    }
}
