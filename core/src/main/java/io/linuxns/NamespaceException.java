package io.linuxns;

import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.util.Optional;

/**
 * A system call (or a step of a spawned child's program) failed.
 *
 * <p>The message names the call and the arguments that matter, then the errno name and its
 * {@code strerror(3)} text, for example
 * {@code setns(fd=7, CLONE_NEWNET): EPERM (Operation not permitted)}, sometimes followed by
 * what to do about it. {@link #errno()} is the error number: a system call's result negated
 * (the kernel returns {@code -errno}), or a libc function's errno captured right after the call
 * with {@code Linker.Option.captureCallState("errno")}; it is 0 when the failure was not
 * a failing system call.
 */
public class NamespaceException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The call with its arguments, or the message of a failure that is not a call's. */
    private final String call;
    /** The errno value, 0 if none. */
    private final int errno;
    /** The child's setup step that failed, or {@code null}. */
    private final String step;

    /**
     * A failed call.
     *
     * @param call  the call with its arguments, such as {@code setns(fd=7, CLONE_NEWNET)}
     * @param errno the errno value, or 0 if there is none
     * @param hint  what to do about it, or {@code null}
     */
    public NamespaceException(String call, int errno, String hint) {
        this(call, errno, null, hint);
    }

    /**
     * A failed step of a child process's setup.
     *
     * @param call  the call with its arguments
     * @param errno the errno value, or 0 if there is none
     * @param step  a description of the step, or {@code null}
     * @param hint  what to do about it, or {@code null}
     */
    public NamespaceException(String call, int errno, String step, String hint) {
        super(format(call, errno, step, hint));
        this.call = call;
        this.errno = errno;
        this.step = step;
    }

    /**
     * A failure that is not a system call's: the message says it all.
     *
     * @param message what failed
     * @param cause the underlying failure
     */
    public NamespaceException(String message, Throwable cause) {
        super(message, cause);
        this.call = message;
        this.errno = 0;
        this.step = null;
    }

    private NamespaceException(String message, String call, int errno, String step, boolean ignored) {
        super(message);
        this.call = call;
        this.errno = errno;
        this.step = step;
    }

    /** For subclasses whose message follows another API's wording: the step is the command's exec. */
    NamespaceException(String message, String call, int errno) {
        this(message, call, errno, "execute", true);
    }

    private static String format(String call, int errno, String step, String hint) {
        StringBuilder sb = new StringBuilder();
        if (step != null) sb.append(step).append(": ");
        sb.append(call);
        if (errno != 0) sb.append(": ").append(Errno.name(errno)).append(" (").append(Native.strerror(errno)).append(')');
        if (hint != null) {
            boolean sentence = errno != 0 || step != null;
            sb.append(sentence ? ". " : ": ")
                    .append(sentence && !hint.isEmpty() ? Character.toUpperCase(hint.charAt(0)) + hint.substring(1) : hint);
        }
        return sb.toString();
    }

    /** {@return the call that failed, with its arguments, such as {@code setns(fd=7, CLONE_NEWNET)}} */
    public String call() { return call; }

    /** {@return the errno value, or 0 when the failure was not a failing system call} */
    public int errno() { return errno; }

    /** {@return the errno's symbolic name, such as {@code EPERM}} */
    public String errnoName() { return Errno.name(errno); }

    /** {@return the step of a child's setup that failed, if the failure was one} */
    public Optional<String> step() { return Optional.ofNullable(step); }
}
