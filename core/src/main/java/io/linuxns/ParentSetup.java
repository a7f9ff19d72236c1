package io.linuxns;

import java.io.IOException;

/**
 * Work the parent does for a spawned child that is waiting before exec
 * ({@link NamespacedProcessBuilder#parentSetup}), after its namespaces exist and its id maps
 * are written: for example moving a network link into its network namespace. The child execs
 * only after every setup returned; if one throws, the child is killed and
 * {@link NamespacedProcessBuilder#start()} throws.
 */
@FunctionalInterface
public interface ParentSetup {
    /**
     * Does the parent's part of the setup while the child waits before its exec.
     *
     * @param pid the child's pid, in the caller's PID namespace
     * @throws IOException to fail the spawn
     */
    void beforeExec(long pid) throws IOException;
}
