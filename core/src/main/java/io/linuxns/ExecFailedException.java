package io.linuxns;

import io.linuxns.internal.Native;

import java.nio.file.Path;

/**
 * The command itself could not be executed: {@code execve(2)} failed for every candidate, or no
 * candidate was found on {@code PATH}. Everything before it (namespaces, mounts, credentials)
 * succeeded. The message reads as {@link ProcessBuilder}'s:
 * {@code Cannot run program "nosuch": error=2, No such file or directory}.
 */
public final class ExecFailedException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** The command's first element, as given. */
    private final String program;

    /**
     * A failed exec of {@code program}.
     *
     * @param program the command's first element, as given
     * @param directory the working directory asked for, or {@code null}
     * @param call the exec call that failed, with its path
     * @param errno the errno of the last candidate's exec
     */
    public ExecFailedException(String program, Path directory, String call, int errno) {
        super(message(program, directory, errno), call, errno);
        this.program = program;
    }

    private static String message(String program, Path directory, int errno) {
        String dir = directory == null ? "" : " (in directory \"" + directory + "\")";
        return "Cannot run program \"" + program + "\"" + dir + ": error=" + errno + ", " + Native.strerror(errno);
    }

    /** {@return the program that could not be run, as the command named it} */
    public String program() {
        return program;
    }

    /** {@return the errno's text, such as {@code No such file or directory}} */
    public String reason() {
        return Native.strerror(errno());
    }
}
