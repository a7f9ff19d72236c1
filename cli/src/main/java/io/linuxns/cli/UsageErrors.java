package io.linuxns.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.List;

/**
 * picocli's parse errors in the words of {@code getopt_long(3)} and util-linux, which scripts and
 * people know: {@code invalid option -- 'x'}, {@code unrecognized option '--foo'},
 * {@code option requires an argument -- 't'}, {@code option '--target' requires an argument},
 * and a converter's own message ({@code failed to parse pid: 'abc'}) without picocli's
 * "Invalid value for option" around it.
 */
final class UsageErrors {
    private UsageErrors() {}

    static String message(CommandLine.ParameterException ex, String[] args) {
        CommandSpec spec = ex.getCommandLine().getCommandSpec();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String a = u.getUnmatched().get(0);
            if (a.startsWith("--")) return "unrecognized option '" + a + "'";
            if (a.startsWith("-") && a.length() > 1) return "invalid option -- '" + unknownLetter(spec, a) + "'";
            if (!spec.subcommands().isEmpty()) return "unknown command '" + a + "' (" + String.join(", ", commands(spec)) + ")";
            return "unexpected argument '" + a + "'";
        }
        if (ex instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof OptionSpec o) {
            String typed = typedName(o, args);
            return typed.startsWith("--") ? "option '" + typed + "' requires an argument"
                    : "option requires an argument -- '" + typed.substring(1) + "'";
        }
        if (ex.getCause() instanceof CommandLine.TypeConversionException t) return t.getMessage();
        return ex.getMessage();
    }

    /** The first letter of a cluster such as {@code -rx} that names no option (or the first, if all do). */
    private static char unknownLetter(CommandSpec spec, String cluster) {
        for (int i = 1; i < cluster.length(); i++) {
            OptionSpec o = spec.findOption(cluster.charAt(i));
            if (o == null) return cluster.charAt(i);
            if (o.arity().max() > 0) break; // the rest of the cluster is its value
        }
        return cluster.charAt(1);
    }

    /** The name of {@code o} as the user typed it: the last of its names among the arguments. */
    private static String typedName(OptionSpec o, String[] args) {
        String typed = o.longestName();
        for (String a : args) {
            for (String n : o.names()) {
                if (a.equals(n) || (n.startsWith("--") && a.startsWith(n + "="))) typed = n;
            }
        }
        return typed;
    }

    private static List<String> commands(CommandSpec spec) {
        return spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
    }

    /** The pid of {@code nsenter -t}: a positive number, or util-linux's {@code failed to parse pid}. */
    static final class Pid implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long pid = Long.parseLong(value);
                if (pid > 0 && pid <= Integer.MAX_VALUE) return pid;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("failed to parse pid: '" + value + "'");
        }
    }

    /**
     * A uid or gid as util-linux's {@code strtoul_or_err} takes it for {@code -S}/{@code -G}: a
     * decimal number ({@code (uid_t) -1}, which the kernel reads as "unchanged", excluded), or
     * {@code failed to parse uid: 'abc'}.
     */
    static long id(String what, String value) {
        try {
            if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                long id = Long.parseLong(value);
                if (id < 0xFFFF_FFFFL) return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLine.TypeConversionException("failed to parse " + what + ": '" + value + "'");
    }

    /** {@code -S/--setuid UID}. */
    static final class Uid implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return id("uid", value);
        }
    }

    /** {@code -G/--setgid GID}. */
    static final class Gid implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return id("gid", value);
        }
    }
}
