package io.linuxns;

/**
 * A process started by {@link NamespacedProcessBuilder}, backed by a pidfd
 * ({@code pidfd_open(2)}): waiting uses {@code waitid(P_PIDFD)} and signals
 * {@code pidfd_send_signal(2)}, so a recycled pid can never be hit.
 */
public abstract class NamespacedProcess extends Process {
    /** For the library only. */
    protected NamespacedProcess() {}

    /**
     * Opens a handle on the process's namespace of {@code type}, while it runs. For PID and
     * TIME it is the namespace the command runs in, also when this process is a forwarder that
     * stays outside it (a joined PID namespace, or one made under a user namespace the helper
     * creates) and runs the command as its child.
     *
     * @param type the namespace type
     * @return a new handle, which the caller closes
     * @throws NamespaceException if the process is gone or may not be inspected
     */
    public abstract Namespace namespace(NamespaceType type) throws NamespaceException;

    /**
     * The signal that terminated the process, as {@code waitid(2)} reported it when the process
     * was reaped ({@code CLD_KILLED} or {@code CLD_DUMPED}, {@code si_status} the signal). The
     * {@link #exitValue()} keeps {@link Process}'s convention and is 128 + that signal, which a
     * process that called {@code exit(128 + N)} gives too: this tells the two apart, so a caller
     * can die of the same signal itself, as {@code unshare(1)} and {@code nsenter(1)} do.
     *
     * <p>A process that is an init or a forwarder ({@link NamespacedProcessBuilder#init(boolean)},
     * a joined PID namespace) is not killed with its command: it exits with 128 + the signal that
     * killed the command, and this is then empty.
     *
     * @return the signal's number, or empty if the process exited (or was reaped outside the
     *         library, when its status is lost and {@code exitValue()} is -1)
     * @throws IllegalThreadStateException if the process has not terminated yet
     */
    public abstract java.util.OptionalInt terminatingSignal();

    /**
     * Sends {@code signal} to the process through its pidfd ({@code pidfd_send_signal(2)}), so
     * never to a process that reused its pid: {@link #destroy()} is {@code sendSignal(15)} and
     * {@link #destroyForcibly()} {@code sendSignal(9)}. An init or forwarder passes SIGHUP,
     * SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM and SIGWINCH on to its command.
     *
     * @param signal a signal number, 1 to 64 ({@code signal(7)})
     * @return whether it was sent: {@code false} once the process has been reaped
     * @throws IllegalArgumentException for a number outside 1 to 64
     */
    public abstract boolean sendSignal(int signal);
}
