package io.linuxns;

import io.linuxns.bindings.LinuxNs;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The eight Linux namespace types, each with its {@code CLONE_NEW*} flag and its name under
 * {@code /proc/PID/ns/}. See {@code namespaces(7)}.
 */
public enum NamespaceType {
    /** Mount points ({@code mount_namespaces(7)}), {@code CLONE_NEWNS}, {@code /proc/PID/ns/mnt}. */
    MOUNT(LinuxNs.CLONE_NEWNS(), "mnt"),
    /** Hostname and NIS domain name ({@code uts_namespaces(7)}), {@code CLONE_NEWUTS}. */
    UTS(LinuxNs.CLONE_NEWUTS(), "uts"),
    /** System V IPC and POSIX message queues ({@code ipc_namespaces(7)}), {@code CLONE_NEWIPC}. */
    IPC(LinuxNs.CLONE_NEWIPC(), "ipc"),
    /** Process IDs ({@code pid_namespaces(7)}), {@code CLONE_NEWPID}. */
    PID(LinuxNs.CLONE_NEWPID(), "pid"),
    /** Network devices, stacks, ports ({@code network_namespaces(7)}), {@code CLONE_NEWNET}. */
    NETWORK(LinuxNs.CLONE_NEWNET(), "net"),
    /** User and group IDs, capabilities ({@code user_namespaces(7)}), {@code CLONE_NEWUSER}. */
    USER(LinuxNs.CLONE_NEWUSER(), "user"),
    /** Cgroup root directory ({@code cgroup_namespaces(7)}), {@code CLONE_NEWCGROUP}. */
    CGROUP(LinuxNs.CLONE_NEWCGROUP(), "cgroup"),
    /** Boot and monotonic clocks ({@code time_namespaces(7)}), {@code CLONE_NEWTIME}. */
    TIME(LinuxNs.CLONE_NEWTIME(), "time");

    private final int cloneFlag;
    private final String procName;

    NamespaceType(int cloneFlag, String procName) {
        this.cloneFlag = cloneFlag;
        this.procName = procName;
    }

    /** {@return the {@code CLONE_NEW*} flag, as {@code setns(2)} and {@code NS_GET_NSTYPE} use it} */
    public int cloneFlag() {
        return cloneFlag;
    }

    /** {@return the file name under {@code /proc/PID/ns/}, such as {@code net}} */
    public String procName() {
        return procName;
    }

    /**
     * {@return whether a thread of a running JVM can unshare or join this type}
     * USER is refused by the kernel in a multi-threaded process; PID and TIME affect only the
     * thread's future children. Those need a new process: see {@link NamespacedProcessBuilder}.
     */
    public boolean isThreadScoped() {
        return this != USER && this != PID && this != TIME;
    }

    /**
     * {@return the type whose {@code CLONE_NEW*} flag is {@code flag}, if any}
     *
     * @param flag one {@code CLONE_NEW*} value
     */
    public static Optional<NamespaceType> ofCloneFlag(int flag) {
        for (NamespaceType t : values()) {
            if (t.cloneFlag == flag) return Optional.of(t);
        }
        return Optional.empty();
    }

    /**
     * {@return the type whose {@code /proc/PID/ns/} name is {@code name}, if any}
     *
     * @param name such as {@code net}
     */
    public static Optional<NamespaceType> ofProcName(String name) {
        for (NamespaceType t : values()) {
            if (t.procName.equals(name)) return Optional.of(t);
        }
        return Optional.empty();
    }

    /**
     * {@return the OR of the types' clone flags}
     *
     * @param types any types
     */
    public static int cloneFlags(Set<NamespaceType> types) {
        int flags = 0;
        for (NamespaceType t : types) flags |= t.cloneFlag;
        return flags;
    }

    /** {@return the types that a {@link NamespaceExecutor} can unshare or join} */
    public static Set<NamespaceType> threadScoped() {
        return EnumSet.of(MOUNT, UTS, IPC, NETWORK, CGROUP);
    }
}
