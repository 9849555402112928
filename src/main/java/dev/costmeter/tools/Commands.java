package dev.costmeter.tools;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * How the launcher's Java commands parse their arguments (picocli): usage errors exit with 2 and
 * say what is wrong and how to call the command; {@code --help} on each; an error while running is
 * one line, {@code costmeter: …}, and exit code 2.
 */
final class Commands {

    private Commands() {
    }

    /** -h and --help on every command. */
    static final class Help {
        @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;
    }

    /** A command that is only a group of subcommands: called alone, it shows its usage. */
    abstract static class NeedsSubcommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CommandLine.ExitCode.USAGE;
        }
    }

    static CommandLine line(Object command, PrintStream out, PrintStream err) {
        return configure(new CommandLine(command), out, err);
    }

    static CommandLine configure(CommandLine line, PrintStream out, PrintStream err) {
        return line.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("costmeter " + cmd.getCommandName() + ": " + e.getMessage());
                    return CommandLine.ExitCode.USAGE;
                });
    }

    static int execute(CommandLine line, String[] args, PrintStream err) {
        int code = line.execute(args);
        err.flush();
        return code;
    }
}
