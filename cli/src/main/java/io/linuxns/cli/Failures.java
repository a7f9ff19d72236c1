package io.linuxns.cli;

import io.linuxns.ExecFailedException;
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
            case ExecFailedException x -> {
                code = x.errno() == 2 ? ExitCodes.NOT_FOUND : ExitCodes.CANNOT_EXECUTE;
                // The wording of util-linux.
                message = "failed to execute " + x.program() + ": " + x.reason();
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

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
