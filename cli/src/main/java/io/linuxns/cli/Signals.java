package io.linuxns.cli;

import java.util.List;
import java.util.Locale;

/** Signal names and numbers of Linux ({@code signal(7)}), as {@code kill -l} lists them. */
final class Signals {
    private Signals() {}

    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    /**
     * {@return the number of a signal given as a number, a name, or a name with SIG} such as
     * {@code 9}, {@code KILL}, {@code SIGKILL}, {@code sigterm}.
     */
    static int parse(String s) throws CliException {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("SIG")) t = t.substring(3);
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(t.length() > 3 ? "999" : t);
            if (n >= 1 && n <= 64) return n;
        } else {
            int i = NAMES.indexOf(t);
            if (i > 0) return i;
            if (t.equals("IOT")) return 6;
            if (t.equals("POLL")) return 29;
        }
        throw CliException.usage("unknown signal: " + s);
    }
}
