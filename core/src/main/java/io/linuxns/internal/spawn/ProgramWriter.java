package io.linuxns.internal.spawn;

import io.linuxns.Namespace;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder.Mount;
import io.linuxns.Propagation;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Flags;
import io.linuxns.internal.MountTable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static io.linuxns.internal.spawn.ChildProgram.IGNORE_FAILURE;
import static io.linuxns.internal.spawn.ChildProgram.ZERO_FAILS;

/** Writes the steps of a child program for a request, in the order {@link Spawner} calls them. */
final class ProgramWriter {
    private final ChildProgram p;
    private final Spawner.Request r;
    private final Spawner.Plan plan;
    private final Map<Integer, Integer> passFds;
    private final Map<Namespace, Integer> joinFds;

    /**
     * @param passFds child fd to the parent fd it comes from, with sources moved clear of the targets
     * @param joinFds the spawn's own descriptor for each namespace to join
     */
    ProgramWriter(ChildProgram program, Spawner.Request request, Spawner.Plan plan, Map<Integer, Integer> passFds,
                  Map<Namespace, Integer> joinFds) {
        this.p = program;
        this.r = request;
        this.plan = plan;
        this.passFds = passFds;
        this.joinFds = joinFds;
    }

    /**
     * Every signal blocked, the synchronous faults too (the origin thread could not block those):
     * a fault now kills the child instead of running a JVM handler in it.
     */
    void blockSignals() {
        p.syscall("block every signal", "rt_sigprocmask(SIG_SETMASK, ~0)", 0, LinuxNs.SYS_rt_sigprocmask(),
                LinuxNs.SIG_SETMASK(), p.bytes(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}), 0, 8);
    }

    /**
     * Closes every descriptor above stderr but {@code keep}, at once: the child's copies of the
     * parent's pipe ends (a read would never see EOF while it held them), of the JVM's files,
     * and of the pipes of other spawns under way on other threads, whose EOF would otherwise
     * wait for this child's exec.
     */
    void closeAllBut(java.util.SortedSet<Integer> keep) {
        long from = 3;
        for (int fd : keep) {
            if (fd < from) continue;
            if (fd > from) closeRange(from, fd - 1);
            from = fd + 1L;
        }
        closeRange(from, 0xFFFF_FFFFL);
    }

    private void closeRange(long first, long last) {
        p.syscall("close what the child does not need", "close_range(" + first + ", " + (last == 0xFFFF_FFFFL ? "~0" : last) + ", 0)",
                0, LinuxNs.SYS_close_range(), first, last, 0);
    }

    /** A new time namespace for the exec'd program, whose offsets the parent then writes. */
    void unshareTime() {
        p.syscall("create a time namespace", "unshare(CLONE_NEWTIME)", 0, LinuxNs.SYS_unshare(), LinuxNs.CLONE_NEWTIME());
    }

    /**
     * A NETLINK_ROUTE socket created inside the new network namespace, by a process that holds
     * every capability there; the parent takes a copy with pidfd_getfd and configures the
     * namespace through it, rootless too.
     */
    void openNetlinkSocket(java.lang.foreign.MemorySegment slot) {
        p.syscall("open a netlink socket in the new network namespace", "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)",
                ChildProgram.STORE_RESULT, LinuxNs.SYS_socket(), LinuxNs.AF_NETLINK(), LinuxNs.SOCK_RAW() | LinuxNs.SOCK_CLOEXEC(),
                LinuxNs.NETLINK_ROUTE(), 0, 0, slot.address());
    }

    /** One byte on the ready pipe: the parent may now look at what the steps before made. */
    void tellParent(int readyFd) {
        p.syscall("tell the parent", "write(" + readyFd + ", 1)", 0, LinuxNs.SYS_write(), readyFd, p.bytes(new byte[] {'r'}), 1);
    }

    void waitForParent(int syncFd) {
        p.syscall("wait for the parent (id maps, offsets, setup)", "read(" + syncFd + ", 1)", ZERO_FAILS,
                LinuxNs.SYS_read(), syncFd, p.buffer(8), 1);
    }

    /** setns into joined namespaces: the user namespace first (it grants the rest), mount last. */
    void joinNamespaces() {
        List<Namespace> order = new ArrayList<>(r.join());
        order.sort(Comparator.comparingInt(ns -> ns.type() == NamespaceType.USER ? 0 : ns.type() == NamespaceType.MOUNT ? 2 : 1));
        for (Namespace ns : order) {
            int fd = joinFds.get(ns);
            p.syscall("join " + ns, "setns(" + fd + ", " + Flags.clone(ns.type().cloneFlag()) + ")", 0,
                    LinuxNs.SYS_setns(), fd, ns.type().cloneFlag());
            if (ns.type() == NamespaceType.USER && !r.preserveCredentials()) becomeRoot();
        }
    }

    /** As nsenter: no supplementary groups (where setgroups is allowed), then gid and uid 0 inside. */
    private void becomeRoot() {
        p.syscall("drop supplementary groups", "setgroups(0, NULL)", IGNORE_FAILURE, LinuxNs.SYS_setgroups(), 0, 0);
        p.syscall("become gid 0 in the joined user namespace", "setresgid(0, 0, 0)", 0, LinuxNs.SYS_setresgid(), 0, 0, 0);
        p.syscall("become uid 0 in the joined user namespace", "setresuid(0, 0, 0)", 0, LinuxNs.SYS_setresuid(), 0, 0, 0);
    }

    void unshareAfterJoin() {
        if (plan.unshareInChild != 0) {
            p.syscall("create namespaces owned by the joined user namespace", "unshare(" + Flags.clone(plan.unshareInChild) + ")", 0,
                    LinuxNs.SYS_unshare(), plan.unshareInChild);
        }
    }

    /**
     * The JVM's handlers back to SIG_DFL: they must never run in the child. Ignored signals stay
     * ignored, as they would through a plain exec (and through ProcessBuilder).
     */
    void resetSignals(List<Integer> handled) {
        long dfl = p.buffer(32); // struct kernel_sigaction, all zero: SIG_DFL, no flags, empty mask
        for (int sig : handled) {
            p.syscall("reset signal handlers", "rt_sigaction(" + sig + ", SIG_DFL)", IGNORE_FAILURE,
                    LinuxNs.SYS_rt_sigaction(), sig, dfl, 0, 8);
        }
    }

    /** PR_SET_PDEATHSIG; credential changes clear it, so it comes after every setns. */
    void deathSignal(int signal) {
        if (signal > 0) {
            p.syscall("die with the parent", "prctl(PR_SET_PDEATHSIG, " + signal + ")", 0,
                    LinuxNs.SYS_prctl(), LinuxNs.PR_SET_PDEATHSIG(), signal);
        }
    }

    /** PR_SET_NAME: otherwise a waiting parent process shows as the JVM thread that cloned it. */
    void processName(String name) {
        p.syscall("name the process", "prctl(PR_SET_NAME, \"" + name + "\")", IGNORE_FAILURE,
                LinuxNs.SYS_prctl(), LinuxNs.PR_SET_NAME(), p.cstring(name));
    }

    void names() {
        if (r.hostname() != null) {
            byte[] b = r.hostname().getBytes(StandardCharsets.UTF_8);
            p.syscall("set the hostname", "sethostname(\"" + r.hostname() + "\")", 0, LinuxNs.SYS_sethostname(), p.bytes(b), b.length);
        }
        if (r.domainname() != null) {
            byte[] b = r.domainname().getBytes(StandardCharsets.UTF_8);
            p.syscall("set the domain name", "setdomainname(\"" + r.domainname() + "\")", 0, LinuxNs.SYS_setdomainname(), p.bytes(b), b.length);
        }
    }

    void mounts() {
        if (plan.newMountNamespace && r.propagation() != Propagation.UNCHANGED) {
            int prop = switch (r.propagation()) {
                case PRIVATE -> LinuxNs.MS_PRIVATE();
                case SLAVE -> LinuxNs.MS_SLAVE();
                case SHARED -> LinuxNs.MS_SHARED();
                case UNCHANGED -> 0;
            };
            mount("make / " + r.propagation().name().toLowerCase(), null, "/", null, LinuxNs.MS_REC() | prop, null);
        }
        Path root = r.rootfs();
        if (root != null) {
            mount("bind the new root onto itself", root.toString(), root.toString(), null, LinuxNs.MS_BIND() | LinuxNs.MS_REC(), null);
        }
        for (Mount m : r.mounts()) {
            switch (m) {
                case Mount.Proc pr -> mount("mount proc", "proc", inside(pr.target()), "proc",
                        LinuxNs.MS_NOSUID() | LinuxNs.MS_NODEV() | LinuxNs.MS_NOEXEC(), null);
                case Mount.Tmpfs t -> mount("mount a tmpfs", "tmpfs", inside(t.target()), "tmpfs",
                        LinuxNs.MS_NOSUID() | LinuxNs.MS_NODEV(), t.options() == null ? "mode=0755" : t.options());
                case Mount.Bind b -> {
                    String target = inside(b.target());
                    mount("bind " + b.source(), b.source().toString(), target, null, LinuxNs.MS_BIND() | LinuxNs.MS_REC(), null);
                    if (b.readOnly()) {
                        // A remount must keep the flags the kernel locked on the source (in a user
                        // namespace dropping nosuid, nodev, noexec or atime flags is EPERM).
                        long keep = MountTable.lockedFlags(b.source());
                        mount("make " + b.target() + " read-only", null, target, null,
                                LinuxNs.MS_BIND() | LinuxNs.MS_REMOUNT() | LinuxNs.MS_RDONLY() | keep, null);
                    }
                }
            }
        }
        if (root != null) {
            // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
            p.syscall("enter the new root", "chdir(\"" + root + "\")", 0, LinuxNs.SYS_chdir(), p.cstring(root.toString()));
            long dot = p.cstring(".");
            p.syscall("pivot to the new root", "pivot_root(\".\", \".\")", 0, LinuxNs.SYS_pivot_root(), dot, dot);
            p.syscall("detach the old root", "umount2(\".\", MNT_DETACH)", 0, LinuxNs.SYS_umount2(), dot, LinuxNs.MNT_DETACH());
            p.syscall("go to the new root", "chdir(\"/\")", 0, LinuxNs.SYS_chdir(), p.cstring("/"));
        }
    }

    private String inside(Path target) {
        return r.rootfs() == null ? target.toString() : r.rootfs().toString() + (target.toString().equals("/") ? "" : target.toString());
    }

    private void mount(String what, String source, String target, String fstype, long flags, String data) {
        p.syscall(what, "mount(" + q(source) + ", " + q(target) + ", " + q(fstype) + ", " + Flags.mount(flags)
                        + (data == null ? "" : ", \"" + data + "\"") + ")", 0, LinuxNs.SYS_mount(),
                cstr(source), cstr(target), cstr(fstype), flags, cstr(data));
    }

    void workingDirectory() {
        Path dir = r.directory();
        if (dir == null) return;
        String d = r.rootfs() == null ? dir.toAbsolutePath().toString() : dir.toString();
        p.syscall("change to the working directory", "chdir(\"" + d + "\")", 0, LinuxNs.SYS_chdir(), p.cstring(d));
    }

    /** stdio, then every other descriptor close-on-exec, then the passed ones kept open. */
    void stdio(Stdio stdio, int errorFd) {
        int[] ends = stdio.childEnds();
        for (int i = 0; i < 3; i++) {
            if (ends[i] >= 0) p.syscall("set up stdio", "dup2(" + ends[i] + ", " + i + ")", 0, LinuxNs.SYS_dup2(), ends[i], i);
        }
        if (stdio.mergeErrorIntoOutput()) p.syscall("send stderr to stdout", "dup2(1, 2)", 0, LinuxNs.SYS_dup2(), 1, 2);
        p.syscall("mark inherited descriptors close-on-exec", "close_range(3, ~0, CLOSE_RANGE_CLOEXEC)", 0,
                LinuxNs.SYS_close_range(), 3, 0xFFFF_FFFFL, LinuxNs.CLOSE_RANGE_CLOEXEC());
        for (Map.Entry<Integer, Integer> e : passFds.entrySet()) {
            int child = e.getKey(), parent = e.getValue();
            if (child == parent) {
                p.syscall("pass a descriptor", "fcntl(" + child + ", F_SETFD, 0)", 0, LinuxNs.SYS_fcntl(), child, LinuxNs.F_SETFD(), 0);
            } else {
                p.syscall("pass a descriptor", "dup2(" + parent + ", " + child + ")", 0, LinuxNs.SYS_dup2(), parent, child);
            }
        }
    }

    void unblockSignals() {
        p.syscall("unblock signals", "rt_sigprocmask(SIG_SETMASK, {})", 0, LinuxNs.SYS_rt_sigprocmask(),
                LinuxNs.SIG_SETMASK(), p.buffer(8), 0, 8);
    }

    void exec(List<String> candidates) {
        long argv = p.cstringArray(r.command());
        List<String> env = new ArrayList<>(r.environment().size());
        for (Map.Entry<String, String> e : r.environment().entrySet()) env.add(e.getKey() + "=" + e.getValue());
        long envp = p.cstringArray(env);
        for (int i = 0; i < candidates.size(); i++) {
            String c = candidates.get(i);
            p.syscall("execute " + c, "execve(\"" + c + "\")", i < candidates.size() - 1 ? IGNORE_FAILURE : 0,
                    LinuxNs.SYS_execve(), p.cstring(c), argv, envp);
        }
    }

    private long cstr(String s) {
        return s == null ? 0 : p.cstring(s);
    }

    private static String q(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }
}
