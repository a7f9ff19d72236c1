package io.linuxns.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;

/**
 * The extra work of the launcher's AOT training runs, after the trained command
 * ({@code unshare -u true}): {@code -Dlinuxns.aot.training=true} trains the cache every command
 * line can use and does both of the following; {@code -Dlinuxns.aot.training=quick} trains the
 * cache the launcher gives the command lines {@link QuickUnshare} takes and does only the first,
 * so that such a run maps and loads none of picocli's classes at start (about 600 classes fewer,
 * some 10 ms of every run; README, "Start-up time"):
 * <ul>
 * <li>the same command once more with a program that takes a moment ({@code sleep 0.05}): a
 *     program that has exited by the time linuxns looks takes other steps (the exec check reads
 *     {@code /proc/PID/stat}; a wait on a live one polls its pidfd), and the cache should hold the
 *     classes of both;
 * <li>picocli's model of every subcommand: the trained command takes {@link QuickUnshare}'s way
 *     and never builds it, so the cache would hold none of the classes every other command line
 *     needs (picocli's ~180 and each subcommand's), which would then run 60-120 ms slower. Every
 *     model is built, its help rendered and a command line of each kind parsed; nothing is run.
 * </ul>
 */
final class AotTraining {
    private AotTraining() {}

    /** The property the launcher sets for its training runs only: {@code true} or {@code quick}. */
    static final String PROPERTY = "linuxns.aot.training";

    static boolean active() {
        String mode = System.getProperty(PROPERTY);
        return "true".equals(mode) || "quick".equals(mode);
    }

    /** Whether this run trains the cache of the quick command lines only: no picocli. */
    static boolean quickOnly() {
        return "quick".equals(System.getProperty(PROPERTY));
    }

    /** The training beyond {@code args}, the command line just run. */
    static void exercise(String... args) {
        UnshareCommand again = QuickUnshare.parse(args);
        if (again != null) {
            again.command.clear();
            again.command.addAll(List.of("sleep", "0.05"));
            QuickUnshare.run(again);
        }
        if (!quickOnly()) exercisePicocli();
    }

    /** Builds, renders and parses as other command lines will; prints nothing. */
    private static void exercisePicocli() {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        CommandLine all = Main.commandLine();
        all.setOut(nowhere);
        all.setErr(nowhere);
        all.getUsageMessage();
        for (CommandLine sub : all.getSubcommands().values()) sub.getUsageMessage();
        parse("unshare", "--map-users=0:100000:10", "--net=/nonexistent", "-S", "0", "--kill-child=TERM", "--propagation=slave", "true");
        parse("nsenter", "-t", "1", "-n/nonexistent", "-u", "true");
        parse("ls", "-t", "net", "-o", "NS,TYPE");
        parse("run", "true");
        // A usage error, as a mistyped option would take: UsageErrors and the handler.
        Main.commandLine("unshare").setErr(nowhere).execute("unshare", "--no-such-option");
    }

    private static void parse(String... args) {
        try {
            Main.commandLine(args[0]).parseArgs(args);
        } catch (CommandLine.ParameterException ignored) {
            // a value this machine refuses is as good for training
        }
    }
}
