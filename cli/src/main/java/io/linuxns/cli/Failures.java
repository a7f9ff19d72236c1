package io.linuxns.cli;

import io.linuxns.NamespaceException;

import java.io.PrintWriter;

/**
 * Turns any exception that reaches the top into one line on stderr, prefixed {@code linuxns: },
 * and an exit status ({@link ExitCodes}). Messages of {@link NamespaceException} are already
 * written for people (call, errno, hint), so they are printed as they are.
 */
final class Failures {
    private Failures() {}

    static int report(Throwable e, PrintWriter err) {
        if (Main.debug()) e.printStackTrace(err);
        int code;
        String message;
        switch (e) {
            case CliException c -> {
                code = c.exitCode();
                message = c.getMessage();
            }
            case NamespaceException n when isExecFailure(n) -> {
                code = n.errno() == 2 ? ExitCodes.NOT_FOUND : ExitCodes.CANNOT_EXECUTE;
                message = execMessage(n);
            }
            case IllegalArgumentException i -> {
                // The builder's validation: input that cannot work, found before any system call.
                code = ExitCodes.SETUP_FAILED;
                message = i.getMessage();
            }
            case java.io.IOException io -> {
                code = ExitCodes.SETUP_FAILED;
                message = io.getMessage();
            }
            default -> {
                code = ExitCodes.SETUP_FAILED;
                message = "internal error: " + e + (Main.debug() ? "" : " (run with --debug for the stack trace)");
            }
        }
        err.println("linuxns: " + firstLine(message == null ? e.toString() : message));
        err.flush();
        return code;
    }

    /** The builder reports a program it cannot run as step "execute ..." (as ProcessBuilder's "error=2, ..."). */
    private static boolean isExecFailure(NamespaceException n) {
        return n.step().map(s -> s.startsWith("execute")).orElse(false) && n.errno() != 0;
    }

    /** "failed to execute PROGRAM: REASON", the wording of util-linux. */
    private static String execMessage(NamespaceException n) {
        String m = n.getMessage();
        int q1 = m.indexOf('"'), q2 = q1 < 0 ? -1 : m.indexOf('"', q1 + 1);
        String program = q2 > q1 ? m.substring(q1 + 1, q2) : n.call();
        int error = m.indexOf("error=");
        int comma = error < 0 ? -1 : m.indexOf(", ", error);
        String reason = comma < 0 ? n.errnoName() : m.substring(comma + 2);
        return "failed to execute " + program + ": " + reason;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
