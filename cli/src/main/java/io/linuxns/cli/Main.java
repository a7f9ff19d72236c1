package io.linuxns.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code linuxns} command: {@code run} (a small container, after Ed King's "Namespaces in
 * Go" ns-process series), and {@code unshare}, {@code nsenter} and {@code ls} with the options of
 * util-linux {@code unshare(1)}, {@code nsenter(1)} and {@code lsns(8)} that the library
 * supports.
 *
 * <p>Exit status: the command's own, or {@link ExitCodes}: 1 for bad usage, 125 when the
 * namespaces could not be set up, 126 and 127 when the command cannot be executed or found.
 */
@Command(name = "linuxns", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Linux namespaces from the JVM: run a container, unshare, nsenter, list namespaces.",
        subcommands = {RunCommand.class, UnshareCommand.class, NsenterCommand.class, LsCommand.class,
                CommandLine.HelpCommand.class},
        synopsisSubcommandLabel = "COMMAND")
public final class Main implements Runnable {
    private static volatile boolean debug;

    @CommandLine.Mixin
    DebugOption debugOption;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@return whether --debug was given: stack traces on errors} */
    static boolean debug() {
        return debug;
    }

    static void setDebug(boolean on) {
        debug = on;
    }

    @Override
    public void run() {
        // No subcommand: say what there is, and fail like any other usage error.
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (run, unshare, nsenter, ls)");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status, without exiting. */
    static int execute(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // util-linux style: everything from the first operand on is the command and its arguments.
        cl.setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (debug) ex.printStackTrace(err);
            err.println("linuxns: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
                Failures.report(ex, commandLine.getErr()));
        return cl;
    }

    /** The version from the jar's manifest (Maven puts it there), or "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"linuxns " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
