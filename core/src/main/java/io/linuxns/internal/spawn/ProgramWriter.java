package io.linuxns.internal.spawn;

import io.linuxns.Mount;

import io.linuxns.Namespace;
import io.linuxns.NamespaceType;
import io.linuxns.Propagation;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Flags;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.linuxns.bindings.mount_attr;
import io.linuxns.bindings.open_how;

import static io.linuxns.internal.spawn.ChildProgram.IGNORE_FAILURE;
import static io.linuxns.internal.spawn.ChildProgram.STORE_RESULT;
import static io.linuxns.internal.spawn.ChildProgram.ZERO_FAILS;

/**
 * Writes a spawn's two child programs, each in one method whose calls read like the table in
 * docs/spawn.md: the {@linkplain #trampoline trampoline} that the clone3 child runs in the JVM's
 * memory, and the {@linkplain #helper helper's program}, which runs in the helper's own address
 * space and does everything else.
 */
final class ProgramWriter {
    /** Signals an init or forwarder passes on to the command (HUP INT QUIT USR1 USR2 TERM WINCH), and SIGCHLD to reap. */
    static final int[] FORWARDED = {1, 2, 3, 10, 12, 15, 28, 17};

    /** The shell that runs a file without "#!", as in the JDK's childproc.c and glibc's execvp. */
    private static final String SHELL = "/bin/sh";

    /**
     * The descriptors the children use, as numbered in the parent (the children inherit the
     * numbers), and the parent's own ends of the error, sync and ready pipes, which a child that
     * waits must not hold (it would keep its own wait from ever seeing EOF).
     */
    record ChildFds(int error, int syncRead, int readyWrite, Stdio stdio, Map<Integer, Integer> passFds,
                    Map<Namespace, Integer> joinFds, int image, int[] parentEnds) {
        /** Without parent ends to close: a child that never waits, or a test's. */
        ChildFds(int error, int syncRead, int readyWrite, Stdio stdio, Map<Integer, Integer> passFds,
                 Map<Namespace, Integer> joinFds, int image) {
            this(error, syncRead, readyWrite, stdio, passFds, joinFds, image, new int[0]);
        }

        ChildFds withImage(int fd) {
            return new ChildFds(error, syncRead, readyWrite, stdio, passFds, joinFds, fd, parentEnds);
        }

        /** Those above stderr that the helper needs: the trampoline keeps them across its exec, the helper closes all others. */
        java.util.SortedSet<Integer> helperNeeds() {
            java.util.SortedSet<Integer> keep = new java.util.TreeSet<>(List.of(error));
            if (syncRead >= 0) keep.add(syncRead);
            if (readyWrite >= 0) keep.add(readyWrite);
            for (int fd : stdio.childEnds()) if (fd >= 0) keep.add(fd);
            keep.addAll(passFds.values());
            keep.addAll(joinFds.values());
            return keep;
        }
    }

    private final ChildProgram p;
    private final Request r;
    /** The death signal armed last and the parent pid its check expected: a credential change clears it, so it is armed again. */
    private int armedSignal;
    private long armedParent;
    private final Spawner.Plan plan;
    private final ChildFds fds;

    private ProgramWriter(ChildProgram program, Request request, Spawner.Plan plan, ChildFds fds) {
        this.p = program;
        this.r = request;
        this.plan = plan;
        this.fds = fds;
    }

    /**
     * The trampoline: all the clone3 child does while it shares the JVM's memory. It touches only
     * its signal mask and its own descriptor table, waits on a pipe while it is in namespaces
     * nobody else is in, and execs the helper.
     */
    static void trampoline(ChildProgram t, Request r, Spawner.Plan plan, ChildFds fds) {
        ProgramWriter w = new ProgramWriter(t, r, plan, fds);
        w.blockSignals();
        // Every descriptor close-on-exec in this table, then the helper's cleared again: the helper's
        // exec closes the JVM's files (after the vfork release, however many), and the helper
        // needs no close_range of its own.
        if (!r.streams().inheritDescriptors() && !plan.trampolineWaits) w.markCloseOnExec();
        java.util.SortedSet<Integer> needs = fds.helperNeeds();
        for (int fd : needs) w.keepAcrossExec(fd);
        // Exec recomputes capabilities: uid 0 inside keeps them only if the map is there before.
        if (plan.trampolineWaits) {
            // While it waits it must hold none of the JVM's files, nor other spawns' pipes; those
            // the caller asked the command to inherit it holds, and other spawns' pipes are close-on-exec.
            java.util.SortedSet<Integer> keep = new java.util.TreeSet<>(needs);
            keep.add(fds.image());
            w.waitForMaps(keep);
        }
        w.execHelper();
    }

    /**
     * A spawn that needs only its descriptors and its signal mask set up, in the JVM's
     * namespaces or in new ones that clone3 made ({@link Spawner.Plan#MADE_BY_CLONE}; no
     * working directory, join, credential, id map, name, mount, init or death signal): the clone3
     * child execs the command itself, as the rule allows, and no helper is made. In a new mount
     * namespace it first makes / private, which only it can see. A working directory goes through the
     * helper: a chdir onto a hung mount would hold the origin thread, which every spawn uses. Its handlers were reset by
     * CLONE_CLEAR_SIGHAND, so unblocking right before the exec runs nothing of the JVM's.
     *
     * @return a word in the program's memory that holds -1 until the child has returned from
     *         unblocking signals (a signal that waited blocked kills it before that), then 0: with
     *         CLONE_VFORK the parent reads it once clone3 returned, at the child's exec or exit
     *         ({@link ExecCheck#diedBeforeDirectExec})
     */
    static MemorySegment direct(ChildProgram t, Request r, Spawner.Plan plan, ChildFds fds, List<String> candidates) {
        ProgramWriter w = new ProgramWriter(t, r, plan, fds);
        w.blockSignals();
        w.propagation();
        // Nothing of the library's lost close-on-exec in this child's table: no descriptor to re-mark.
        w.stdio(fds.stdio(), false);
        MemorySegment unblocked = t.slot();
        unblocked.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, -1L);
        w.p.syscall("unblock signals", "rt_sigprocmask(SIG_SETMASK, {})", STORE_RESULT, LinuxNs.SYS_rt_sigprocmask(),
                LinuxNs.SIG_SETMASK(), w.p.buffer(8), 0, 8, 0, unblocked.address());
        w.exec(candidates);
        return unblocked;
    }

    /**
     * A direct spawn into a new user namespace ({@link Spawner.Plan#direct} with
     * {@link Spawner.Plan#trampolineWaits}): no CLONE_VFORK, since the parent writes the id maps
     * while the child waits, holding none of the JVM's files; then, as {@link #direct}, / made
     * private in a new mount namespace, stdio, the unblock, the mark on the error pipe
     * ({@link #tellUnblocked}) and the command's exec, which keeps every capability in the
     * namespace because the JVM's uid is root there (exec recomputes capabilities).
     */
    static void directAfterMaps(ChildProgram t, Request r, Spawner.Plan plan, ChildFds fds, List<String> candidates) {
        ProgramWriter w = new ProgramWriter(t, r, plan, fds);
        w.blockSignals();
        w.waitForMaps(fds.helperNeeds());
        w.propagation();
        // Nothing of the library's lost close-on-exec in this child's table: no descriptor to re-mark.
        w.stdio(fds.stdio(), false);
        w.unblockSignals();
        w.tellUnblocked();
        w.exec(candidates);
    }

    /** The helper's program: every namespace, credential, mount and init step, then the command's exec. */
    static void helper(ChildProgram h, Request r, Spawner.Plan plan, ChildFds fds, List<String> candidates) {
        ProgramWriter w = new ProgramWriter(h, r, plan, fds);
        w.processName(plan.helperName());
        // The JVM's descriptors are gone already: the trampoline left only the helper's without close-on-exec.
        // Joined namespaces first: namespaces made after joining a user namespace belong to it,
        // and what the parent does in the sync window must find the child's final namespaces.
        w.joinNamespaces();
        w.unshareInHelper();
        MemorySegment netlinkSlot = h.slot();
        if (r.namespaces().loopback()) w.openNetlinkSocket(netlinkSlot);
        w.deathSignal(r.lifetime().deathSignal(), plan.helperSeesParent ? ProcessHandle.current().pid() : -1);
        if (plan.helperSync) {
            w.tellParent(netlinkSlot);
            w.waitForParent("wait for the parent (time offsets, loopback, setups)");
        }
        if (plan.forkIntoPidNamespace) {
            w.processName("linuxns-fwd");
            // The forwarder lives as long as the command, in the JVM's other namespaces, with
            // credentials of the joined user namespace: not dumpable, so that namespace's root
            // cannot ptrace it or open its /proc files (runc's CVE-2016-9962). The command's exec
            // makes the command dumpable again.
            w.p.syscall("make the forwarder undumpable", "prctl(PR_SET_DUMPABLE, 0)", 0, LinuxNs.SYS_prctl(),
                    LinuxNs.PR_SET_DUMPABLE(), 0);
            h.forkAndWait("enter the PID namespace through a child", FORWARDED, exitOn(r.lifetime().deathSignal()));
            // The forwarder's death (destroyForcibly) must take the command with it. The forwarder is
            // outside the namespace, so getppid() is 0 before and after its death: only the
            // error pipe tells, and it tells of the JVM's death, not of the forwarder's.
            w.deathSignal(LinuxNs.SIGKILL(), 0);
        }
        w.names();
        w.mounts();
        if (r.lifetime().init()) {
            w.processName("linuxns-init");
            h.forkAndWait("start the command under an init (PID 1)", FORWARDED,
                    plan.forkIntoPidNamespace ? new int[0] : exitOn(r.lifetime().deathSignal()));
            w.deathSignal(LinuxNs.SIGKILL(), 1);
        }
        w.workingDirectory();
        w.credentials();
        // The trampoline cleared close-on-exec on the helper's descriptors: they must not reach the command.
        w.stdio(fds.stdio(), true);
        w.unblockSignals();
        w.tellUnblocked();
        w.exec(candidates);
    }

    /**
     * The 8 bytes {@link #UNBLOCKED} on the error pipe, right after the unblock that a signal
     * which waited blocked kills at: EOF after them is the command's exec (ExecCheck), EOF
     * without them a death before it, with no {@code /proc} read in the parent.
     */
    private void tellUnblocked() {
        p.syscall("tell the parent signals are unblocked", "write(" + fds.error() + ", 8)", 0, LinuxNs.SYS_write(), fds.error(),
                p.bytes(UNBLOCKED_BYTES), 8);
    }

    /** What {@link #tellUnblocked} writes: no step index is negative, so no failure report starts like it. */
    static final long UNBLOCKED = -1L;
    private static final byte[] UNBLOCKED_BYTES = {-1, -1, -1, -1, -1, -1, -1, -1};

    /**
     * An init or forwarder waits for the death signal too (blocked and pending, it would never
     * act): it passes it on to the command and ends, and the command then gets SIGKILL as its own
     * death signal, so both end with the JVM even if the command ignores the signal.
     */
    private static int[] exitOn(int deathSignal) {
        if (deathSignal <= 0 || deathSignal == LinuxNs.SIGKILL()) return new int[0];
        return new int[] {deathSignal};
    }

    /**
     * Every signal blocked, the synchronous faults too (the origin thread could not block those):
     * a fault now kills the child instead of running a JVM handler. The helper inherits the
     * mask through exec, which resets every handler (ignored signals stay ignored, as through
     * ProcessBuilder); only the command's exec comes after unblocking.
     */
    private void blockSignals() {
        p.syscall("block every signal", "rt_sigprocmask(SIG_SETMASK, ~0)", 0, LinuxNs.SYS_rt_sigprocmask(),
                LinuxNs.SIG_SETMASK(), p.bytes(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}), 0, 8);
    }

    /** In the child's own descriptor table: the parent's copy stays close-on-exec. */
    private void keepAcrossExec(int fd) {
        p.syscall("keep a descriptor for the helper", "fcntl(" + fd + ", F_SETFD, 0)", 0, LinuxNs.SYS_fcntl(), fd, LinuxNs.F_SETFD(), 0);
    }

    private void execHelper() {
        long argv = p.cstringArray(List.of(plan.helperName()));
        long envp = p.cstringArray(List.of());
        p.syscall("start the spawn helper", "execveat(" + fds.image() + ", \"\", AT_EMPTY_PATH)", 0, LinuxNs.SYS_execveat(),
                fds.image(), p.cstring(""), argv, envp, LinuxNs.AT_EMPTY_PATH());
    }

    /**
     * Closes every descriptor above stderr but {@code keep}, at once: the JVM's files that were not
     * close-on-exec, and anything else the helper must not hold while it sits in new namespaces.
     */
    private void closeAllBut(java.util.SortedSet<Integer> keep) {
        long from = 3;
        for (int fd : keep) {
            if (fd < from) continue;
            if (fd > from) closeRange(from, fd - 1);
            from = fd + 1L;
        }
        closeRange(from, 0xFFFF_FFFFL);
    }

    /**
     * The wait for the id maps of a child that shares the JVM's memory, which must not outlive
     * the JVM: it closes every descriptor but {@code keep} (with {@code inheritDescriptors(true)}
     * only the parent's ends of its own pipes), so that the JVM's death is EOF on the sync pipe;
     * and since another spawn's child that inherits descriptors may hold a copy of that pipe's
     * write end too, it also dies with the cloning thread while it waits (a caller's thread is
     * inside start() meanwhile, an origin thread never ends), checked as the helper checks its
     * death signal. The signal is taken off again before the exec: it would reach the command.
     */
    private void waitForMaps(java.util.SortedSet<Integer> keep) {
        if (!r.streams().inheritDescriptors()) {
            closeAllBut(keep);
        } else {
            for (int fd : fds.parentEnds()) {
                if (fd >= 0) p.syscall("close the parent's end of a pipe", "close(" + fd + ")", 0, LinuxNs.SYS_close(), fd);
            }
        }
        deathSignal(LinuxNs.SIGKILL(), (plan.cloneFlags & LinuxNs.CLONE_NEWPID()) == 0 ? ProcessHandle.current().pid() : -1);
        waitForParent("wait for the id maps");
        p.syscall("stop dying with the parent", "prctl(PR_SET_PDEATHSIG, 0)", 0, LinuxNs.SYS_prctl(), LinuxNs.PR_SET_PDEATHSIG(), 0);
        armedSignal = 0;
    }

    /** {@code close_range(3, ~0, CLOSE_RANGE_CLOEXEC)}: sets bits in this child's own table, closes nothing yet. */
    private void markCloseOnExec() {
        p.syscall("mark the JVM's descriptors close-on-exec", "close_range(3, ~0, CLOSE_RANGE_CLOEXEC)", 0,
                LinuxNs.SYS_close_range(), 3, 0xFFFF_FFFFL, LinuxNs.CLOSE_RANGE_CLOEXEC());
    }

    private void closeRange(long first, long last) {
        p.syscall("close what the child does not need", "close_range(" + first + ", " + (last == 0xFFFF_FFFFL ? "~0" : last) + ", 0)",
                0, LinuxNs.SYS_close_range(), first, last, 0);
    }

    /**
     * The namespaces clone3 did not make: the helper makes them, off the JVM thread that spawns
     * (a network namespace takes milliseconds). A time namespace comes last: clone3 would enter
     * it at once and freeze its offsets; after unshare the command enters it at its exec.
     */
    private void unshareInHelper() {
        if (plan.unshareInChild != 0) {
            p.syscall(plan.joinUser ? "create namespaces owned by the joined user namespace" : "create namespaces",
                    "unshare(" + Flags.clone(plan.unshareInChild) + ")", 0, LinuxNs.SYS_unshare(), plan.unshareInChild);
        }
        if (plan.timeNamespace) {
            p.syscall("create a time namespace", "unshare(CLONE_NEWTIME)", 0, LinuxNs.SYS_unshare(), LinuxNs.CLONE_NEWTIME());
        }
    }

    /**
     * A NETLINK_ROUTE socket created inside the new network namespace, by a process that holds
     * every capability there; the parent takes a copy with pidfd_getfd and configures the
     * namespace through it, rootless too.
     */
    private void openNetlinkSocket(MemorySegment slot) {
        p.syscall("open a netlink socket in the new network namespace", "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)",
                ChildProgram.STORE_RESULT, LinuxNs.SYS_socket(), LinuxNs.AF_NETLINK(), LinuxNs.SOCK_RAW() | LinuxNs.SOCK_CLOEXEC(),
                LinuxNs.NETLINK_ROUTE(), 0, 0, slot.address());
    }

    /** Eight bytes on the ready pipe: the netlink socket's number, and that the namespaces are final. */
    private void tellParent(MemorySegment slot) {
        p.syscall("tell the parent", "write(" + fds.readyWrite() + ", 8)", 0, LinuxNs.SYS_write(), fds.readyWrite(), slot.address(), 8);
        p.syscall("close the ready pipe", "close(" + fds.readyWrite() + ")", 0, LinuxNs.SYS_close(), fds.readyWrite());
    }

    /** One byte from the sync pipe; EOF means the parent gave up. The pipe carries one byte per wait. */
    private void waitForParent(String what) {
        p.syscall(what, "read(" + fds.syncRead() + ", 1)", ZERO_FAILS, LinuxNs.SYS_read(), fds.syncRead(), p.buffer(8), 1);
    }

    /** setns into joined namespaces: the user namespace first (it grants the rest), mount last. */
    private void joinNamespaces() {
        if (r.namespaces().join().isEmpty()) return; // and no comparator made: a fresh JVM links its lambda
        List<Namespace> order = new ArrayList<>(r.namespaces().join());
        order.sort(Comparator.comparingInt(ns -> ns.type() == NamespaceType.USER ? 0 : ns.type() == NamespaceType.MOUNT ? 2 : 1));
        for (Namespace ns : order) {
            int fd = fds.joinFds().get(ns);
            boolean user = ns.type() == NamespaceType.USER;
            // As nsenter: no supplementary groups. Dropped while the capability over the JVM's own
            // user namespace still allows it: a joined namespace with setgroups "deny" never would.
            if (user && !r.namespaces().preserveCredentials()) {
                p.syscall("drop supplementary groups", "setgroups(0, NULL)", IGNORE_FAILURE, LinuxNs.SYS_setgroups(), 0, 0);
            }
            p.syscall("join " + ns, "setns(" + fd + ", " + Flags.clone(ns.type().cloneFlag()) + ")", 0,
                    LinuxNs.SYS_setns(), fd, ns.type().cloneFlag());
            if (user && !r.namespaces().preserveCredentials()) becomeRoot();
        }
    }

    /** As nsenter: gid and uid 0 inside, and no supplementary group left, or the spawn fails. */
    private void becomeRoot() {
        p.syscall("drop supplementary groups", "setgroups(0, NULL)", IGNORE_FAILURE, LinuxNs.SYS_setgroups(), 0, 0);
        p.expect("check that no supplementary group is left", "getgroups(0, NULL) == 0", 0, LinuxNs.SYS_getgroups(), 0, 0);
        p.syscall("become gid 0 in the joined user namespace", "setresgid(0, 0, 0)", 0, LinuxNs.SYS_setresgid(), 0, 0, 0);
        p.syscall("become uid 0 in the joined user namespace", "setresuid(0, 0, 0)", 0, LinuxNs.SYS_setresuid(), 0, 0, 0);
    }

    /**
     * PR_SET_PDEATHSIG, after every credential change (they clear it), then a check that the
     * parent did not die before it: the signal would never come.
     *
     * @param parentPid the parent's pid as this process sees it: 0 when the parent is outside
     *        its PID namespace (a forwarder), -1 when that cannot tell (PID 1 of a new namespace,
     *        whose parent is outside before and after it dies): then the error pipe tells
     */
    private void deathSignal(int signal, long parentPid) {
        if (signal <= 0) return;
        armedSignal = signal;
        armedParent = parentPid;
        p.syscall("die with the parent", "prctl(PR_SET_PDEATHSIG, " + signal + ")", 0,
                LinuxNs.SYS_prctl(), LinuxNs.PR_SET_PDEATHSIG(), signal);
        if (parentPid >= 0) {
            p.expect("check that the parent is still there", "getppid() == " + parentPid, parentPid, LinuxNs.SYS_getppid());
        }
        {
            // The JVM holds the error pipe's read end until the exec: a pipe without readers polls POLLERR.
            MemorySegment pfd = p.slot();
            pfd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, fds.error());
            p.expect("check that the JVM is still there", "poll({" + fds.error() + ", 0}, 1, 0) == 0", 0,
                    LinuxNs.SYS_poll(), pfd.address(), 1, 0);
        }
    }

    /**
     * The command's own gid and uid, then its ambient capabilities, as {@code unshare -G -S
     * --keep-caps}: after the working directory (the old credentials may enter it), in the
     * command's process only (an init or forwarder keeps the helper's). A change of the effective
     * ids clears the death signal (commit_creds), so it is armed again and checked again.
     */
    private void credentials() {
        Request.Credentials c = r.credentials();
        if (c.gid() >= 0) {
            // Where setgroups is denied, an empty list already is what was asked for.
            p.syscall("drop supplementary groups", "setgroups(0, NULL)", IGNORE_FAILURE, LinuxNs.SYS_setgroups(), 0, 0);
            p.expect("check that no supplementary group is left before the gid change",
                    "getgroups(0, NULL) == 0", 0, LinuxNs.SYS_getgroups(), 0, 0);
            p.syscall("become gid " + c.gid(),
                    "setresgid(" + c.gid() + ", " + c.gid() + ", " + c.gid() + ")", 0, LinuxNs.SYS_setresgid(), c.gid(), c.gid(), c.gid());
        }
        if (c.uid() >= 0) {
            p.syscall("become uid " + c.uid(),
                    "setresuid(" + c.uid() + ", " + c.uid() + ", " + c.uid() + ")", 0, LinuxNs.SYS_setresuid(), c.uid(), c.uid(), c.uid());
        }
        if (c.ambientCapabilities()) ambientCapabilities();
        if ((c.uid() >= 0 || c.gid() >= 0) && armedSignal > 0) deathSignal(armedSignal, armedParent);
    }

    /**
     * As util-linux's cap_permitted_to_ambient: every capability inheritable ({@code capset(2)}),
     * then raised into the ambient set ({@code prctl(PR_CAP_AMBIENT_RAISE)}), which the exec turns
     * into permitted and effective ones for a command that is not uid 0. The helper holds the full
     * set in its new or joined user namespace, unless a uid change from 0 cleared it.
     */
    private void ambientCapabilities() {
        int last = Capabilities.LAST;
        long all = last >= 63 ? -1L : (1L << (last + 1)) - 1;
        MemorySegment header = p.slot();
        header.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, LinuxNs._LINUX_CAPABILITY_VERSION_3());
        MemorySegment data = p.slot24();
        for (int word = 0; word < 2; word++) {
            int bits = (int) (all >>> (32 * word));
            for (int set = 0; set < 3; set++) data.set(java.lang.foreign.ValueLayout.JAVA_INT, 12L * word + 4L * set, bits);
        }
        p.syscall("make every capability inheritable, to keep them across the exec",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, capabilities 0-" + last + " effective, permitted, inheritable)", 0,
                LinuxNs.SYS_capset(), header.address(), data.address());
        for (int cap = 0; cap <= last; cap++) {
            p.syscall("raise capability " + cap + " into the ambient set", "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, " + cap + ")", 0,
                    LinuxNs.SYS_prctl(), LinuxNs.PR_CAP_AMBIENT(), LinuxNs.PR_CAP_AMBIENT_RAISE(), cap, 0, 0);
        }
    }

    /** {@code /proc/sys/kernel/cap_last_cap}: the highest capability this kernel knows, read once. */
    private static final class Capabilities {
        static final int LAST = read();

        private static int read() {
            try {
                return Integer.parseInt(java.nio.file.Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).get(0).trim());
            } catch (java.io.IOException | NumberFormatException e) {
                return 40; // CAP_CHECKPOINT_RESTORE, the last one since Linux 5.9
            }
        }
    }

    /** PR_SET_NAME: what ps and /proc/PID/comm show for the helper, the init and the forwarder. */
    private void processName(String name) {
        p.syscall("name the process", "prctl(PR_SET_NAME, \"" + name + "\")", IGNORE_FAILURE,
                LinuxNs.SYS_prctl(), LinuxNs.PR_SET_NAME(), p.cstring(name));
    }

    private void names() {
        if (r.namespaces().hostname() != null) {
            byte[] b = r.namespaces().hostname().getBytes(StandardCharsets.UTF_8);
            p.syscall("set the hostname", "sethostname(\"" + r.namespaces().hostname() + "\")", 0, LinuxNs.SYS_sethostname(), p.bytes(b), b.length);
        }
        if (r.namespaces().domainname() != null) {
            byte[] b = r.namespaces().domainname().getBytes(StandardCharsets.UTF_8);
            p.syscall("set the domain name", "setdomainname(\"" + r.namespaces().domainname() + "\")", 0, LinuxNs.SYS_setdomainname(), p.bytes(b), b.length);
        }
    }

    /**
     * In a new mount namespace, the propagation of every mount (private unless asked otherwise):
     * a copy's mounts stay peers of the host's shared ones, so a mount made inside would appear
     * outside (DESIGN §3). Only this child is in the namespace, so a direct child may do it in
     * the JVM's memory: it changes no credential and nothing anyone else can see.
     */
    private void propagation() {
        if (!plan.newMountNamespace || r.filesystem().propagation() == Propagation.UNCHANGED) return;
        int prop = switch (r.filesystem().propagation()) {
            case PRIVATE -> LinuxNs.MS_PRIVATE();
            case SLAVE -> LinuxNs.MS_SLAVE();
            case SHARED -> LinuxNs.MS_SHARED();
            case UNCHANGED -> 0;
        };
        mount("make / " + r.filesystem().propagation().name().toLowerCase(), null, "/", null, LinuxNs.MS_REC() | prop, null);
    }

    private void mounts() {
        propagation();
        Path root = r.filesystem().rootfs();
        MemorySegment rootFd = null;
        if (root != null) {
            mount("bind the new root onto itself", root.toString(), root.toString(), null, LinuxNs.MS_BIND() | LinuxNs.MS_REC(), null);
            rootFd = p.slot();
            p.syscall("open the new root", "openat(AT_FDCWD, \"" + root + "\", O_PATH|O_DIRECTORY|O_CLOEXEC)", STORE_RESULT,
                    LinuxNs.SYS_openat(), LinuxNs.AT_FDCWD(), p.cstring(root.toString()),
                    LinuxNs.O_PATH() | LinuxNs.O_DIRECTORY() | LinuxNs.O_CLOEXEC(), 0, 0, rootFd.address());
        }
        for (Mount m : r.filesystem().mounts()) {
            Path target = switch (m) {
                case Mount.Proc pr -> pr.target();
                case Mount.Tmpfs t -> t.target();
                case Mount.Bind b -> b.target();
            };
            // Inside a root, a target is resolved as if the root were "/": the image's symlinks
            // cannot lead a mount out onto the host (the runc mount-target class of bugs).
            MemorySegment targetFd = rootFd == null ? null : resolveInRoot(rootFd, target);
            switch (m) {
                case Mount.Proc pr -> mountAt(targetFd, target, "mount proc", "proc", "proc",
                        LinuxNs.MS_NOSUID() | LinuxNs.MS_NODEV() | LinuxNs.MS_NOEXEC(), null);
                case Mount.Tmpfs t -> mountAt(targetFd, target, "mount a tmpfs", "tmpfs", "tmpfs",
                        LinuxNs.MS_NOSUID() | LinuxNs.MS_NODEV(), t.options() == null ? "mode=0755" : t.options());
                case Mount.Bind b -> bindAt(targetFd, b);
            }
            if (targetFd != null) closeStored(targetFd);
        }
        if (rootFd != null) closeStored(rootFd);
        if (root != null) {
            // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
            p.syscall("enter the new root", "chdir(\"" + root + "\")", 0, LinuxNs.SYS_chdir(), p.cstring(root.toString()));
            long dot = p.cstring(".");
            p.syscall("pivot to the new root", "pivot_root(\".\", \".\")", 0, LinuxNs.SYS_pivot_root(), dot, dot);
            p.syscall("detach the old root", "umount2(\".\", MNT_DETACH)", 0, LinuxNs.SYS_umount2(), dot, LinuxNs.MNT_DETACH());
            p.syscall("go to the new root", "chdir(\"/\")", 0, LinuxNs.SYS_chdir(), p.cstring("/"));
        }
    }

    /** {@code openat2(root, target, O_PATH, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS)}: the slot holding the descriptor. */
    private MemorySegment resolveInRoot(MemorySegment rootFd, Path target) {
        MemorySegment how = p.slot24();
        open_how.flags(how, LinuxNs.O_PATH() | LinuxNs.O_CLOEXEC());
        open_how.resolve(how, LinuxNs.RESOLVE_IN_ROOT() | LinuxNs.RESOLVE_NO_MAGICLINKS());
        MemorySegment fd = p.slot();
        p.syscall("find " + target + " inside the new root", "openat2(root, \"" + target + "\", O_PATH, RESOLVE_IN_ROOT)",
                STORE_RESULT | ChildProgram.loadArg(0), LinuxNs.SYS_openat2(), rootFd.address(), p.cstring(target.toString()),
                how.address(), open_how.sizeof(), 0, fd.address());
        return fd;
    }

    /** A new filesystem on {@code target}: on the descriptor found inside the root (as the working directory), else on the path. */
    private void mountAt(MemorySegment targetFd, Path target, String what, String source, String fstype, long flags, String data) {
        if (targetFd == null) {
            mount(what, source, target.toString(), fstype, flags, data);
            return;
        }
        p.syscall("go to " + target + " inside the new root", "fchdir(" + target + ")", ChildProgram.loadArg(0),
                LinuxNs.SYS_fchdir(), targetFd.address());
        p.syscall(what, "mount(" + q(source) + ", \"" + target + "\" in the new root, " + q(fstype) + ", " + Flags.mount(flags)
                        + (data == null ? "" : ", \"" + data + "\"") + ")", 0, LinuxNs.SYS_mount(),
                cstr(source), p.cstring("."), cstr(fstype), flags, cstr(data));
    }

    /**
     * A recursive bind through the mount API: {@code open_tree(OPEN_TREE_CLONE)}, then for a
     * read-only bind {@code mount_setattr(MOUNT_ATTR_RDONLY)} on the detached copy, which adds
     * read-only and keeps every other flag of the source (nosuid, nodev, noexec, atime), whatever
     * mount namespace or user namespace the helper is in; then {@code move_mount} onto the target.
     */
    private void bindAt(MemorySegment targetFd, Mount.Bind b) {
        MemorySegment tree = p.slot();
        p.syscall("bind " + b.source(), "open_tree(AT_FDCWD, \"" + b.source() + "\", OPEN_TREE_CLONE|AT_RECURSIVE)", STORE_RESULT,
                LinuxNs.SYS_open_tree(), LinuxNs.AT_FDCWD(), p.cstring(b.source().toString()),
                LinuxNs.OPEN_TREE_CLONE() | LinuxNs.OPEN_TREE_CLOEXEC() | LinuxNs.AT_RECURSIVE(), 0, 0, tree.address());
        if (b.readOnly()) {
            MemorySegment attr = p.slot32();
            mount_attr.attr_set(attr, LinuxNs.MOUNT_ATTR_RDONLY());
            p.syscall("make " + b.target() + " read-only", "mount_setattr(tree of \"" + b.source() + "\", AT_RECURSIVE, MOUNT_ATTR_RDONLY)",
                    ChildProgram.loadArg(0), LinuxNs.SYS_mount_setattr(), tree.address(), p.cstring(""),
                    LinuxNs.AT_EMPTY_PATH() | LinuxNs.AT_RECURSIVE(), attr.address(), mount_attr.sizeof());
        }
        String shown = "move_mount(tree of \"" + b.source() + "\", \"" + b.target() + "\"" + (targetFd == null ? "" : " in the new root") + ")";
        if (targetFd == null) {
            p.syscall("bind " + b.source() + " onto " + b.target(), shown, ChildProgram.loadArg(0), LinuxNs.SYS_move_mount(),
                    tree.address(), p.cstring(""), LinuxNs.AT_FDCWD(), p.cstring(b.target().toString()), LinuxNs.MOVE_MOUNT_F_EMPTY_PATH());
        } else {
            p.syscall("bind " + b.source() + " onto " + b.target(), shown, ChildProgram.loadArg(0) | ChildProgram.loadArg(2),
                    LinuxNs.SYS_move_mount(), tree.address(), p.cstring(""), targetFd.address(), p.cstring(""),
                    LinuxNs.MOVE_MOUNT_F_EMPTY_PATH() | LinuxNs.MOVE_MOUNT_T_EMPTY_PATH());
        }
        closeStored(tree);
    }

    private void closeStored(MemorySegment fd) {
        p.syscall("close a mount descriptor", "close(...)", ChildProgram.loadArg(0), LinuxNs.SYS_close(), fd.address());
    }

    private void mount(String what, String source, String target, String fstype, long flags, String data) {
        p.syscall(what, "mount(" + q(source) + ", " + q(target) + ", " + q(fstype) + ", " + Flags.mount(flags)
                        + (data == null ? "" : ", \"" + data + "\"") + ")", 0, LinuxNs.SYS_mount(),
                cstr(source), cstr(target), cstr(fstype), flags, cstr(data));
    }

    private void workingDirectory() {
        Path dir = r.exec().directory();
        if (dir == null) return;
        String d = r.filesystem().rootfs() == null ? dir.toAbsolutePath().toString() : dir.toString();
        p.syscall("change to the working directory", "chdir(\"" + d + "\")", 0, LinuxNs.SYS_chdir(), p.cstring(d));
    }

    /**
     * stdio, then every other descriptor close-on-exec (or, when the caller's are inherited, only
     * the library's own: {@code helpersOwn} says whether those lost close-on-exec in this table),
     * then the passed ones kept open.
     */
    private void stdio(Stdio stdio, boolean helpersOwn) {
        int[] ends = stdio.childEnds();
        for (int i = 0; i < 3; i++) {
            if (ends[i] == i) {
                // With the JVM's own descriptor i closed, the end got number i: dup2(i, i) would do
                // nothing and leave it close-on-exec, so the command would lose it.
                p.syscall("set up stdio", "fcntl(" + i + ", F_SETFD, 0)", 0, LinuxNs.SYS_fcntl(), i, LinuxNs.F_SETFD(), 0);
            } else if (ends[i] >= 0) {
                p.syscall("set up stdio", "dup2(" + ends[i] + ", " + i + ")", 0, LinuxNs.SYS_dup2(), ends[i], i);
            }
        }
        if (stdio.mergeErrorIntoOutput()) p.syscall("send stderr to stdout", "dup2(1, 2)", 0, LinuxNs.SYS_dup2(), 1, 2);
        if (!r.streams().inheritDescriptors()) {
            p.syscall("mark inherited descriptors close-on-exec", "close_range(3, ~0, CLOSE_RANGE_CLOEXEC)", 0,
                    LinuxNs.SYS_close_range(), 3, 0xFFFF_FFFFL, LinuxNs.CLOSE_RANGE_CLOEXEC());
        } else if (helpersOwn) {
            // The error pipe, sync and ready pipes, stdio ends, joined namespaces' and passed
            // descriptors' sources: all opened by the library. Descriptors it opened in the helper
            // (netlink socket, mount trees) were opened close-on-exec.
            java.util.Collection<Integer> callers = r.streams().passFds().values();
            for (int fd : fds.helperNeeds()) {
                // The ready pipe was closed after the sync window; a passed descriptor that was
                // not moved out of the way is the caller's, inherited as it is in the parent.
                if (fd < 3 || (plan.helperSync && fd == fds.readyWrite())) continue;
                if (callers.contains(fd) && !closeOnExecHere(fd)) continue;
                p.syscall("mark the library's descriptors close-on-exec", "fcntl(" + fd + ", F_SETFD, FD_CLOEXEC)", 0,
                        LinuxNs.SYS_fcntl(), fd, LinuxNs.F_SETFD(), LinuxNs.FD_CLOEXEC());
            }
        }
        for (Map.Entry<Integer, Integer> e : fds.passFds().entrySet()) {
            int child = e.getKey(), parent = e.getValue();
            if (child == parent) {
                p.syscall("pass a descriptor", "fcntl(" + child + ", F_SETFD, 0)", 0, LinuxNs.SYS_fcntl(), child, LinuxNs.F_SETFD(), 0);
            } else {
                p.syscall("pass a descriptor", "dup2(" + parent + ", " + child + ")", 0, LinuxNs.SYS_dup2(), parent, child);
            }
        }
    }

    /** Whether the caller's descriptor is close-on-exec in this process (the trampoline cleared the flag in its copy). */
    private static boolean closeOnExecHere(int fd) {
        long flags = io.linuxns.internal.Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_GETFD(), 0, 0);
        return flags >= 0 && (flags & LinuxNs.FD_CLOEXEC()) != 0;
    }

    private void unblockSignals() {
        p.syscall("unblock signals", "rt_sigprocmask(SIG_SETMASK, {})", 0, LinuxNs.SYS_rt_sigprocmask(),
                LinuxNs.SIG_SETMASK(), p.buffer(8), 0, 8);
    }

    private void exec(List<String> candidates) {
        long[] args = p.cstrings(r.exec().command());
        long argv = p.pointerArray(args);
        long shell = p.cstring(SHELL);
        long envp = Environment.envp(p, r.exec().environment());
        for (int i = 0; i < candidates.size(); i++) {
            String c = candidates.get(i);
            int ignore = i < candidates.size() - 1 ? IGNORE_FAILURE : 0; // all but the last may fail: the next is tried
            long file = p.cstring(c);
            p.syscall("execute " + c, "execve(\"" + c + "\")", ignore | ChildProgram.NEXT_ONLY_ON_ERRNO,
                    LinuxNs.SYS_execve(), file, argv, envp, 0, 0, Errno.ENOEXEC);
            p.syscall("execute " + c + " with " + SHELL, "execve(\"" + SHELL + "\", {\"" + SHELL + "\", \"" + c + "\", ...})", ignore,
                    LinuxNs.SYS_execve(), shell, shellArgv(shell, file, args), envp);
        }
    }

    /**
     * As ProcessBuilder and execvp(3) do for a file the kernel cannot execute (ENOEXEC: a script
     * without "#!"): /bin/sh runs it, with argv {"/bin/sh", file, arguments...}.
     */
    private long shellArgv(long shell, long file, long[] args) {
        long[] argv = new long[args.length + 1];
        argv[0] = shell;
        argv[1] = file;
        System.arraycopy(args, 1, argv, 2, args.length - 1); // the arguments' strings are shared with the command's argv
        return p.pointerArray(argv);
    }

    private long cstr(String s) {
        return s == null ? 0 : p.cstring(s);
    }

    private static String q(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }
}
