package io.linuxns.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;

/**
 * The {@code linuxns} command: {@code run} (a small container, after Ed King's "Namespaces in
 * Go" ns-process series), and {@code unshare}, {@code nsenter} and {@code ls} with the options of
 * util-linux {@code unshare(1)}, {@code nsenter(1)} and {@code lsns(8)} that the library
 * supports.
 *
 * <p>Exit status: the command's own, or {@link ExitCodes}: 1 for bad usage, 125 when the
 * namespaces could not be set up, 126 and 127 when the command cannot be executed or found.
 * When a signal killed the command, linuxns dies of that signal too, as util-linux does
 * ({@link SignalDeath}).
 */
@Command(name = "linuxns", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Linux namespaces from the JVM: run a container, unshare, nsenter, list namespaces.",
        synopsisSubcommandLabel = "COMMAND")
public final class Main implements Runnable {
    private static volatile boolean debug;

    /** {@code --debug}, inherited by every subcommand: stack traces with errors. */
    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error, not only its message.")
    void setDebugOption(boolean on) {
        debug = on;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The top-level command, as picocli creates it; {@link #main(String[])} is the way in. */
    public Main() {}

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

    /**
     * Runs {@code linuxns ARGS...} and exits with its status.
     *
     * @param args the command line, such as {@code run -- sh}
     */
    public static void main(String[] args) {
        int status = execute(args);
        if (AotTraining.active()) AotTraining.exercise(args);
        // After every teardown: die of the command's terminating signal, as unshare(1) does.
        SignalDeath.dieIfAsked();
        exit(status);
    }

    /**
     * Ends the JVM with {@code status}. With {@code -Dlinuxns.cli.halt=true}, which the launcher
     * sets only together with {@code -XX:UserThreadWaitAttemptsAtExit=0}, through
     * {@link Runtime#halt} after flushing {@code System.out} and {@code System.err}:
     * {@link System#exit} first looks up a {@code System.Logger} to log the exit (a service
     * lookup over the class path that re-opens the jar and the JDK's image) and starts a thread
     * for every shutdown hook. The command registers none; the library's one hook gets its
     * reaper out of native code so that the exit does not wait for it, and with that flag the
     * exit waits for no such thread. 16 ms wall and 27 ms CPU of {@code unshare -u true}
     * (README, "Start-up time"). Not once a flight recording has started: JFR writes it from a
     * shutdown hook, and one started after the launch ({@code jcmd PID JFR.start filename=...})
     * is not in the options the launcher looks at.
     */
    private static void exit(int status) {
        // The recorder first: so that the training runs, which exit through System.exit, put
        // the classes of this check into the AOT cache too.
        if (!FlightRecorderState.started() && Boolean.getBoolean("linuxns.cli.halt")) {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
        System.exit(status);
    }

    /** Runs the command line and returns the exit status, without exiting. */
    static int execute(String... args) {
        // The common unshare command lines need no picocli (its first use is most of a run's time).
        UnshareCommand quick = QuickUnshare.parse(args);
        if (quick != null) return QuickUnshare.run(quick);
        CommandLine cl = commandLine(subcommandNamed(args));
        return cl.execute(args);
    }

    /** The subcommands, in the order {@code --help} lists them. */
    static final List<String> SUBCOMMANDS = List.of("run", "unshare", "nsenter", "ls", "help");

    private static Object newSubcommand(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "unshare" -> new UnshareCommand();
            case "nsenter" -> new NsenterCommand();
            case "ls" -> new LsCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException("no subcommand " + name);
        };
    }

    /**
     * The subcommand that {@code args} run, when it is one that needs no other ({@code help} lists
     * them all), or {@code null}: the first argument that is not an option (the top-level options
     * take no value).
     */
    static String subcommandNamed(String... args) {
        for (String a : args) {
            if (a.startsWith("-")) continue;
            return SUBCOMMANDS.contains(a) && !a.equals("help") ? a : null;
        }
        return null;
    }

    /** The command with every subcommand. */
    static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command with only subcommand {@code only}, or with all of them when it is {@code null}.
     * picocli reflects over every option of every subcommand it is given, which is most of its
     * set-up time in a fresh JVM; a run needs only the subcommand it names.
     */
    static CommandLine commandLine(String only) {
        CommandLine cl = new CommandLine(new Main());
        for (String name : SUBCOMMANDS) {
            // A CommandLine of its own: picocli runs a command's model transformer (NamespaceOptions)
            // only in the constructor a caller calls, never for an object added as a subcommand.
            if (only == null || only.equals(name)) cl.addSubcommand(name, new CommandLine(newSubcommand(name)));
        }
        // util-linux style: everything from the first operand on is the command and its arguments.
        cl.setStopAtPositional(true);
        // util-linux reads no @file arguments: a word such as "@x" is the command's own (picocli
        // would put the file's lines in its place, even after "--").
        cl.setExpandAtFiles(false);
        OneLineHelp.install(cl);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (debug) ex.printStackTrace(err);
            err.println("linuxns: " + UsageErrors.message(ex, args));
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
                Failures.report(ex, commandLine.getErr()));
        return cl;
    }

    /**
     * Whether the JVM's flight recorder has started ({@code jdk.jfr.FlightRecorder#isInitialized}),
     * in a class of its own so that a runtime without the {@code jdk.jfr} module (a jlinked one)
     * never links against it.
     */
    private static final class FlightRecorderState {
        static boolean started() {
            return ModuleLayer.boot().findModule("jdk.jfr").isPresent() && Jfr.initialized();
        }

        private static final class Jfr {
            static boolean initialized() {
                return jdk.jfr.FlightRecorder.isInitialized();
            }
        }
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
