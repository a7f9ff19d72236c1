package io.linuxns.cli;

/**
 * An error of the command itself, with the exit status to leave with: printed as one line,
 * {@code linuxns: MESSAGE}, never with a stack trace (unless {@code --debug}).
 */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Bad usage: a missing or contradictory option, a value that cannot be parsed (exit 1, as util-linux). */
    static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
