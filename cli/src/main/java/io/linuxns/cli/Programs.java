package io.linuxns.cli;

import java.nio.file.Path;

/** What the commands share about the program they start: the default shell, paths inside a new root. */
final class Programs {
    private Programs() {}

    /** {@return $SHELL, or /bin/sh} what unshare(1) and nsenter(1) run without a program. */
    static String defaultShell() {
        String shell = System.getenv("SHELL");
        return shell == null || shell.isEmpty() ? "/bin/sh" : shell;
    }

    /** A path inside a new root must be absolute: {@code option} names the option for the message. */
    static Path absoluteInside(Path p, String option) throws CliException {
        if (!p.isAbsolute()) throw CliException.usage(option + " wants an absolute path inside the container, got \"" + p + "\"");
        return p.normalize();
    }
}
