package io.linuxns.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The common {@code linuxns unshare} command lines, parsed without picocli: only flags that take
 * no value ({@code -u}, {@code -rmu}, {@code --uts}, {@code --fork}, {@code --map-root-user},
 * ...), then the program and its arguments. picocli reads its model from annotations, each
 * annotation type a {@code java.lang.reflect.Proxy} class generated at run time, and runs
 * interpreted in a fresh JVM: about 90 ms of a run that otherwise takes little more than the
 * JVM's start and its first spawn (README, "Start-up time").
 *
 * <p>Anything else goes to picocli, which stays the one judge of every other form, its error
 * messages and the help: a value ({@code --net=FILE}, {@code -S 0}), an option given twice
 * (picocli refuses it), {@code --help}, {@code --debug}, an unknown option, a lone {@code -},
 * an empty word or an {@code @file} word anywhere (picocli expands those). For what it takes the
 * result is the one picocli's parse gives ({@code QuickUnshareTest} compares them), so the
 * command runs as {@link UnshareCommand#call()} would after picocli.
 */
final class QuickUnshare {
    private QuickUnshare() {}

    /**
     * {@return the command that {@code linuxns ARGS} runs, when {@code args} is {@code unshare}
     * with only value-less flags before the program; otherwise {@code null}, for picocli}
     */
    static UnshareCommand parse(String... args) {
        if (args.length == 0 || !args[0].equals("unshare")) return null;
        for (String a : args) {
            if (a.isEmpty() || a.startsWith("@")) return null;
        }
        UnshareCommand c = new UnshareCommand();
        Set<String> seen = new HashSet<>();
        int i = 1;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-")) break; // the program: everything from here on is its own
            if (a.equals("-")) return null;
            if (a.startsWith("--")) {
                if (!apply(c, a, seen)) return null;
            } else {
                for (int k = 1; k < a.length(); k++) {
                    if (!apply(c, shortOption(a.charAt(k)), seen)) return null;
                }
            }
        }
        c.command.addAll(Arrays.asList(args).subList(i, args.length));
        return c;
    }

    /** A letter of a cluster: what it stands for, as picocli names the option. */
    private static String shortOption(char letter) {
        // -u and --uts are two options to picocli (the short one hidden), -r and --map-root-user one.
        switch (letter) {
            case 'f': return "--fork";
            case 'r': return "--map-root-user";
            case 'c': return "--map-current-user";
            default:
                for (NamespaceOptions.Entry e : NamespaceOptions.TABLE) {
                    if (e.letter() == letter) return "-" + letter;
                }
                return null;
        }
    }

    /**
     * Sets what {@code option} ({@code -u}, {@code --uts} or a value-less long option) sets;
     * false for an option it does not know or one given before.
     */
    private static boolean apply(UnshareCommand c, String option, Set<String> seen) {
        if (option == null || !seen.add(option)) return false;
        for (NamespaceOptions.Entry e : NamespaceOptions.TABLE) {
            if (option.equals("-" + e.letter()) || option.equals("--" + e.longName())) {
                c.namespaces.select(e.type());
                return true;
            }
        }
        switch (option) {
            case "--fork" -> c.fork = true;
            case "--map-root-user" -> c.mapRoot(true);
            case "--map-current-user" -> c.mapCurrent(true);
            case "--map-auto" -> c.mapAuto = true;
            case "--map-subids" -> c.mapSubids = true;
            case "--keep-caps" -> c.keepCaps = true;
            case "--forward-signals" -> c.forwardSignals = true;
            case "--clear-env" -> c.clearEnv = true;
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code command} as picocli's {@code execute} does: its exit status, or for an
     * exception the status and the one line {@link Failures} reports (picocli's execution
     * exception handler, {@link Main#commandLine(String)}).
     */
    static int run(UnshareCommand command) {
        try {
            return command.call();
        } catch (Exception e) {
            PrintWriter err = new PrintWriter(System.err, true);
            return Failures.report(e, err);
        }
    }
}
