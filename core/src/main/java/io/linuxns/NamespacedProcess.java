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
}
