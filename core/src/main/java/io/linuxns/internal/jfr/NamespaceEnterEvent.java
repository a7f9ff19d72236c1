package io.linuxns.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * {@code linuxns.NamespaceEnter}: the creation of one {@code NamespaceExecutor} (its thread
 * unsharing or joining namespaces), from the call to the moment the executor is ready or has
 * failed, on the thread that asked for it. Filled in and committed by {@link Events}.
 */
@Name(NamespaceEnterEvent.NAME)
@Label("Namespace Enter")
@Category({"linuxns"})
@Description("A NamespaceExecutor created: its thread unshared (new namespaces) or joined existing ones")
public final class NamespaceEnterEvent extends Event {
    /** The event's name, for {@code jfr print --events} and {@code Recording.enable}. */
    public static final String NAME = "linuxns.NamespaceEnter";

    /** An event to begin before the executor creation and commit after it. */
    public NamespaceEnterEvent() {}

    @Label("Operation")
    @Description("\"unshare\" (new namespaces), \"join\" (namespace handles) or \"join pid\" (a process's, through a pidfd)")
    String operation;

    @Label("Namespaces")
    @Description("The namespace types, such as \"UTS, NETWORK\"")
    String namespaces;

    @Label("Joined")
    @Description("The namespaces joined, such as \"net:[4026532178]\", or null for unshare")
    String joined;

    @Label("Target Process Id")
    @Description("The process whose namespaces were joined (join pid), 0 otherwise")
    long targetPid;

    @Label("Executor Thread")
    @Description("The executor's own thread, the one that is in the namespaces")
    Thread executorThread;

    @Label("Failed Call")
    @Description("The system call that failed, with its arguments, or null")
    String failedCall;

    @Label("Errno")
    @Description("The errno of the failed call, 0 if none")
    int errno;

    @Label("Errno Name")
    @Description("The errno's symbolic name, such as EPERM, or null")
    String errnoName;

    @Label("Failure")
    @Description("The exception the executor's creation threw, with its message, or null if it succeeded")
    String failure;
}
