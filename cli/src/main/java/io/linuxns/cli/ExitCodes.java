package io.linuxns.cli;

/**
 * Exit statuses of {@code linuxns} when it does not pass on the command's own: the values of
 * util-linux for bad usage and for a command that cannot be run ({@code unshare(1)},
 * {@code nsenter(1)}), and that of {@code env(1)} and {@code docker run} for a failed setup.
 */
final class ExitCodes {
    private ExitCodes() {}

    /** Bad usage, or an error of linuxns before anything was started. */
    static final int USAGE = 1;
    /** The namespaces or mounts could not be set up (a system call failed). */
    static final int SETUP_FAILED = 125;
    /** The command was found but could not be executed (permission, format). */
    static final int CANNOT_EXECUTE = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;
    /** Added to the signal number when the command was killed by a signal, as shells report it. */
    static final int SIGNALED = 128;
}
