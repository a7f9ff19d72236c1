package io.linuxns.internal.spawn;

import io.linuxns.ParentSetup;


import io.linuxns.IdMapping;
import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Starts a process (docs/design.md, "Spawning"): validates the request, opens in the parent
 * everything the children need, writes the helper's program into a {@link HelperImage} and seals
 * it into a memfd, clones a child that only execs that helper, does the parent's part in the sync
 * windows (id maps before the helper's exec; time offsets, loopback and
 * {@link ParentSetup}s before the command's) and reads the error pipe:
 * EOF means the command was exec'd, 16 bytes name the failed step and its errno.
 */
public final class Spawner {
    private Spawner() {}


    public static NamespacedProcess spawn(Request r) throws IOException {
        Plan plan = Plan.of(r); // the rest of the validation, before any system call
        Reaper.start(); // before anything is opened: a failure here leaves nothing to undo
        if (plan.direct && !plan.trampolineWaits) return DirectSpawn.spawn(r, plan);
        byte[] code = ChildRoutine.forCurrentArchitecture().orElseThrow(() -> new UnsupportedOperationException(
                "NamespacedProcessBuilder has no child program interpreter for " + System.getProperty("os.arch")
                        + " yet (x86_64 only)"));
        List<String> candidates = Executables.candidates(r, plan.direct);
        // The trampoline, its stack and the buffers around the clone: freed (back to the pool) in finally, where the child has exec'd or is dead.
        Scratch scratch = Scratch.take();
        Fds fds = new Fds(scratch);
        HelperImage image = null;
        // Set while a child may run on the scratch block or the image: from clone3 until it is known exec'd or reaped.
        boolean childMayRun = false;
        try {
            Stdio stdio = Stdio.open(r, fds, false);
            int[] err = fds.pipe();
            int[] sync = plan.trampolineWaits || plan.helperSync ? fds.pipe() : null;
            int[] ready = plan.helperSync ? fds.pipe() : null;
            // The children's ends never at 0-2 (a closed stdio of the JVM's): stdio would overwrite them, or the command inherit them.
            err[1] = fds.aboveStdio(err[1]);
            if (sync != null) sync[0] = fds.aboveStdio(sync[0]);
            if (ready != null) ready[1] = fds.aboveStdio(ready[1]);
            int cgroupFd = r.namespaces().cgroup() == null ? -1
                    : fds.add(Native.open(r.namespaces().cgroup().toString(), LinuxNs.O_RDONLY() | LinuxNs.O_DIRECTORY() | LinuxNs.O_CLOEXEC(), 0));
            // Our own copies of the joined namespaces' descriptors: a handle closed by another
            // thread meanwhile cannot turn the number into some other file.
            Map<Namespace, Integer> joinFds = new java.util.IdentityHashMap<>();
            for (Namespace ns : r.namespaces().join()) joinFds.put(ns, fds.add(Native.dupCloexecAtLeast(ns.fd(), 3)));
            Map<Integer, Integer> passFds = clearOfPassedNumbers(r.streams().passFds(), err, fds);
            ProgramWriter.ChildFds childFds = new ProgramWriter.ChildFds(err[1], sync == null ? -1 : sync[0],
                    ready == null ? -1 : ready[1], stdio, passFds, joinFds, -1,
                    new int[] {err[0], sync == null ? -1 : sync[1], ready == null ? -1 : ready[0]});

            ChildProgram helper = null;
            ChildProgram trampoline = new ChildProgram(scratch, 0);
            int imageFd = -1;
            if (plan.direct) {
                // In a new user namespace with the JVM's uid as root: the child waits for the maps, then execs the command.
                ProgramWriter.directAfterMaps(trampoline, r, plan, childFds, candidates);
            } else {
                for (long capacity = HelperImage.FIRST_CAPACITY; ; capacity *= 4) {
                    image = new HelperImage(code, capacity);
                    try {
                        helper = new ChildProgram(image.memory(), Steps.HELPER_BASE);
                        ProgramWriter.helper(helper, r, plan, childFds, candidates);
                        helper.encode(err[1]);
                        break;
                    } catch (HelperImage.Full full) {
                        image.close();
                        image = null;
                    }
                }
                if (helper.address() != image.programAddress()) throw new AssertionError("the helper's program must start its page");
                imageFd = fds.aboveStdio(fds.add(image.seal(plan.helperName())));
                ProgramWriter.trampoline(trampoline, r, plan, childFds.withImage(imageFd));
            }
            trampoline.encode(err[1]);
            Steps steps = new Steps(trampoline, helper);

            Clone3.Child child = Clone3.clone(scratch, trampoline.address(), plan.cloneFlags, cgroupFd,
                    r.lifetime().deathSignal() > 0);
            childMayRun = true;
            // The child has its own descriptor table (and, with CLONE_VFORK, has exec'd the helper already).
            fds.closeChildSide(stdio.childEnds());
            fds.close(err[1]);
            if (imageFd >= 0) fds.close(imageFd);
            if (sync != null) fds.close(sync[0]);
            if (ready != null) fds.close(ready[1]);
            if (cgroupFd >= 0) fds.close(cgroupFd);

            ParentSide parent = new ParentSide(r, plan, child);
            try {
                if (plan.trampolineWaits) {
                    parent.writeMaps();
                    parent.release(sync[1]);
                }
                if (plan.helperSync) {
                    long netlinkFd = parent.awaitReady(ready[0]);
                    if (plan.mapsInHelperWindow) parent.writeMaps();
                    if (plan.timeNamespace) parent.writeTimeOffsets();
                    if (r.namespaces().loopback()) parent.loopbackUp((int) netlinkFd);
                    parent.runSetups();
                    parent.release(sync[1]);
                }
                if (sync != null) fds.close(sync[1]);
            } catch (Throwable t) {
                // A signal that killed it explains "the child is gone" (EPIPE on the sync pipe); asked before abandon() reaps it.
                NamespaceException killed = null;
                try {
                    killed = ExecCheck.diedBeforeExec(child, plan, r.exec().command().get(0), scratch);
                } catch (RuntimeException | Error e) {
                    t.addSuppressed(e); // only a better message lost: the child is abandoned all the same
                }
                // Killed and reaped before the image is freed (in finally): nothing of it runs on.
                childMayRun = !parent.abandon();
                // A child failure explains a parent failure better (it usually caused it).
                ChildFailure f = readQuietly(err[0], scratch);
                IOException e = f != null ? f.exception(steps, r) : killed;
                if (e != null) {
                    e.addSuppressed(t);
                    throw e;
                }
                throw t;
            }
            try {
                ErrorPipe said = ErrorPipe.read(err[0], scratch);
                if (said.failure() != null) throw said.failure().exception(steps, r);
                // EOF: the exec, or the death of the command's process before it.
                if (!said.unblocked()) {
                    NamespaceException killed = ExecCheck.diedBeforeHelperExec(child, plan, r.exec().command().get(0), scratch);
                    if (killed != null) throw killed;
                }
                fds.close(err[0]);
                ProcessImpl p = ProcessImpl.start(child, stdio.parentEnds(fds), plan.forkIntoPidNamespace);
                childMayRun = false; // the command has exec'd
                return p;
            } catch (Throwable t) {
                childMayRun = !parent.abandon();
                throw t;
            }
        } finally {
            fds.closeAll();
            if (childMayRun) {
                // Killed but not known reaped (or never abandoned): it may still run on this memory; never reuse it.
                scratch.leak();
            } else {
                // The command has exec'd, or every child is dead: no one reads the image any more.
                if (image != null) image.close();
                scratch.close();
            }
        }
    }

    /** The spawn's steps, trampoline first (the helper is {@code null} for a direct spawn): what a failure report's index names. */
    record Steps(ChildProgram trampoline, ChildProgram helper) {
        /** The helper's first step number: far above any trampoline's count. */
        static final int HELPER_BASE = 1 << 16;

        ChildProgram.Step step(int index) {
            return index < HELPER_BASE ? trampoline.step(index) : helper.step(index - HELPER_BASE);
        }
    }

    /**
     * The passed descriptors are dup2'ed last, onto numbers that may be taken by the error pipe or
     * by another passed descriptor's source: moves those out of the way (replacing {@code err[1]}
     * when it moves) and returns the map with the sources the child will find.
     */
    static Map<Integer, Integer> clearOfPassedNumbers(Map<Integer, Integer> passFds, int[] err, Fds fds)
            throws NamespaceException {
        if (passFds.isEmpty()) return passFds;
        int highest = passFds.keySet().stream().mapToInt(Integer::intValue).max().orElse(2);
        int above = highest + 1;
        boolean errorPipeMoves = err[1] >= 0 && err[1] < above;
        checkOpenFilesLimit(passFds, highest, errorPipeMoves);
        if (errorPipeMoves) {
            int moved = fds.add(Native.dupCloexecAtLeast(err[1], above));
            fds.close(err[1]);
            err[1] = moved;
        }
        Map<Integer, Integer> safe = new java.util.LinkedHashMap<>();
        for (Map.Entry<Integer, Integer> e : passFds.entrySet()) {
            int source = e.getValue();
            // stdio is dup2'ed over before the passed descriptors: a source of 0-2 would be the child's.
            boolean clobbered = source < 3 || (passFds.containsKey(source) && source != e.getKey());
            safe.put(e.getKey(), clobbered ? fds.add(Native.dupCloexecAtLeast(source, above)) : source);
        }
        return safe;
    }

    /**
     * Refuses, before any descriptor moves, a passed number the descriptor table cannot hold:
     * every number must be below the soft RLIMIT_NOFILE (the child's dup2 fails otherwise), and
     * the descriptors moved out of the way take the numbers right above the highest one
     * (F_DUPFD fails with EINVAL or EMFILE otherwise).
     */
    private static void checkOpenFilesLimit(Map<Integer, Integer> passFds, int highest, boolean errorPipeMoves) {
        long moves = errorPipeMoves ? 1 : 0;
        for (Map.Entry<Integer, Integer> e : passFds.entrySet()) {
            int source = e.getValue();
            if (source < 3 || (passFds.containsKey(source) && source != e.getKey())) moves++;
        }
        long limit = openFilesLimit();
        if (limit < 0 || (long) highest + 1 + moves <= limit) return;
        throw new IllegalArgumentException("passFd(" + passFds.get(highest) + ", " + highest + "): descriptor " + highest
                + " does not fit under the open-files limit (RLIMIT_NOFILE, " + limit + " here)"
                + (moves == 0 ? "" : ", with the " + moves + " above it that the spawn needs to move descriptors out of its way")
                + ": use numbers up to " + (limit - 1 - moves) + ", or raise the limit (ulimit -n, setrlimit(2))");
    }

    /** {@return the soft RLIMIT_NOFILE of this process, from /proc/self/limits, or -1 if unknown or unlimited} */
    private static long openFilesLimit() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc: let fcntl and dup2 say it
        }
        return -1;
    }

    private static ChildFailure readQuietly(int errorFd, SegmentAllocator scratch) {
        try {
            return ChildFailure.read(errorFd, scratch);
        } catch (NamespaceException e) {
            return null;
        }
    }

    /** What the request implies, decided before any system call. */
    static final class Plan {
        /**
         * The new namespaces a direct spawn may ask for: clone3 makes them in microseconds
         * (a network namespace takes milliseconds, so the helper makes that one off the cloning
         * thread; a user namespace needs the id maps before the exec; a time namespace would
         * freeze its offsets), and nobody but the child is in them until its exec.
         */
        static final Set<NamespaceType> MADE_BY_CLONE = java.util.Collections.unmodifiableSet(EnumSet.of(NamespaceType.UTS,
                NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.CGROUP));
        /** {@link #MADE_BY_CLONE} and a user namespace in which the JVM's uid is root (the child waits for its maps). */
        private static final Set<NamespaceType> MADE_BY_CLONE_WITH_USER = java.util.Collections.unmodifiableSet(EnumSet.of(
                NamespaceType.USER, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.CGROUP));
        /**
         * For clone3: only namespaces that must exist before the helper's exec (user, PID), and
         * CLONE_VFORK; on a {@link #direct} plan every new namespace, and CLONE_CLEAR_SIGHAND.
         */
        long cloneFlags;
        /** The clone3 child waits on the sync pipe for the id maps before its exec (of the helper, or of the command on a {@link #direct} plan). */
        boolean trampolineWaits;
        /** The helper tells the parent it is ready and waits on the sync pipe (time offsets, loopback, setups). */
        boolean helperSync;
        /**
         * Nothing but descriptors to set up, and at most new namespaces of {@link #MADE_BY_CLONE}
         * (made by clone3 itself, with / made private in a new mount namespace), and a new user
         * namespace whose maps make the JVM's uid root inside: the clone3 child execs the command
         * itself, with no helper (it joins nothing, changes no credential and does not outlive the
         * spawn), and clone3 resets its signal handlers (CLONE_CLEAR_SIGHAND). With a user
         * namespace ({@link #trampolineWaits}) it waits for the maps first and reports on the error
         * pipe ({@code Spawner.spawn}); otherwise it is a CLONE_VFORK child ({@link DirectSpawn}).
         */
        boolean direct;
        /** The helper creates the new user namespace: the parent writes the maps in its sync window. */
        boolean mapsInHelperWindow;
        /** The helper is in the JVM's PID namespace, so getppid() names the JVM. */
        boolean helperSeesParent;
        boolean joinUser;
        boolean timeNamespace;
        boolean forkIntoPidNamespace;
        boolean hasMountNamespace;
        boolean newMountNamespace;
        boolean init;
        /** The namespaces the helper creates with unshare. */
        int unshareInChild;

        /** argv[0] and comm of the helper: what ps shows for an init or forwarder that stays. */
        String helperName() {
            return init ? "linuxns-init" : forkIntoPidNamespace ? "linuxns-fwd" : "linuxns-spawn";
        }

        static Plan of(Request r) {
            Plan p = new Plan();
            EnumSet<NamespaceType> joined = EnumSet.noneOf(NamespaceType.class);
            for (Namespace ns : r.namespaces().join()) {
                ns.fd(); // closed handles fail now
                if (!joined.add(ns.type())) {
                    throw new IllegalArgumentException("two " + ns.type() + " namespaces to join: a process is in one of each type");
                }
                if (r.namespaces().unshare().contains(ns.type())) {
                    throw new IllegalArgumentException("both a new and an existing " + ns.type() + " namespace asked for: choose one");
                }
            }
            boolean joinUser = joined.contains(NamespaceType.USER);
            p.joinUser = joinUser;
            p.init = r.lifetime().init();
            Set<NamespaceType> fresh = EnumSet.noneOf(NamespaceType.class);
            fresh.addAll(r.namespaces().unshare());
            fresh.remove(NamespaceType.TIME);
            boolean newUser = fresh.contains(NamespaceType.USER);
            if (!r.namespaces().join().isEmpty() || (newUser && !helperIsRootInside(r))) {
                // Joins come first, from the JVM's own user namespace (a namespace owned by it
                // cannot be joined from inside a new one), and new namespaces must belong to a
                // joined user namespace: create them after setns.
                // A new user namespace in which the helper would not be root: its exec would leave
                // it no capability there, so the helper creates it, with the rest, and keeps them.
                p.unshareInChild = NamespaceType.cloneFlags(fresh);
            } else {
                // A new user namespace with the helper as root inside and a new PID namespace must
                // exist before the helper's exec (it then keeps every capability there; only
                // children enter a PID namespace). The rest, slow ones included, the helper makes:
                // off the JVM thread that every spawn uses.
                Set<NamespaceType> atClone = EnumSet.noneOf(NamespaceType.class);
                for (NamespaceType t : fresh) if (t == NamespaceType.USER || t == NamespaceType.PID) atClone.add(t);
                Set<NamespaceType> inHelper = EnumSet.copyOf(fresh);
                inHelper.removeAll(atClone);
                p.cloneFlags = NamespaceType.cloneFlags(atClone);
                p.unshareInChild = inHelper.isEmpty() ? 0 : NamespaceType.cloneFlags(inHelper);
            }
            p.timeNamespace = r.namespaces().unshare().contains(NamespaceType.TIME);
            if (p.timeNamespace) requireKernel(6, 0, "a time namespace for a spawned process (the command enters it at its"
                    + " exec only since Linux 6.0)");
            boolean newPid = r.namespaces().unshare().contains(NamespaceType.PID);
            p.forkIntoPidNamespace = joined.contains(NamespaceType.PID) || (p.unshareInChild & LinuxNs.CLONE_NEWPID()) != 0;
            p.hasMountNamespace = r.namespaces().unshare().contains(NamespaceType.MOUNT) || joined.contains(NamespaceType.MOUNT);
            p.newMountNamespace = r.namespaces().unshare().contains(NamespaceType.MOUNT);
            if (joined.contains(NamespaceType.MOUNT) && r.filesystem().any()) {
                // Mounts and pivot_root would change the joined namespace for every process in it:
                // the child takes a private copy of it first.
                p.unshareInChild |= LinuxNs.CLONE_NEWNS();
                p.newMountNamespace = true;
            }
            boolean hasUts = r.namespaces().unshare().contains(NamespaceType.UTS) || joined.contains(NamespaceType.UTS);

            if ((r.namespaces().hostname() != null || r.namespaces().domainname() != null) && !hasUts) {
                throw new IllegalArgumentException("hostname and domainname need a new (or joined) UTS namespace, else the host's"
                        + " would change: add NamespaceType.UTS");
            }
            if (r.filesystem().any() && !p.hasMountNamespace) {
                throw new IllegalArgumentException("mounts and rootfs need a new (or joined) mount namespace, else they would"
                        + " appear on the host: add NamespaceType.MOUNT");
            }
            if (r.ids().any() && !newUser) {
                throw new IllegalArgumentException("uid/gid maps and setgroups are for a new user namespace: add NamespaceType.USER");
            }
            if (r.lifetime().init() && !newPid) {
                throw new IllegalArgumentException("init(true) runs an init as PID 1 of a new PID namespace: add NamespaceType.PID");
            }
            if (r.exec().directory() != null && !r.exec().directory().isAbsolute() && r.filesystem().rootfs() != null) {
                throw new IllegalArgumentException("with a rootfs the working directory must be absolute (inside it): " + r.exec().directory());
            }
            if (r.namespaces().loopback() && !r.namespaces().unshare().contains(NamespaceType.NETWORK)) {
                throw new IllegalArgumentException("loopback(true) brings up lo in a new network namespace: add NamespaceType.NETWORK");
            }
            if (r.credentials().ambientCapabilities() && !newUser && !joinUser) {
                throw new IllegalArgumentException("keepCapabilities(true) keeps the capabilities of a new or joined user namespace:"
                        + " add NamespaceType.USER or join one");
            }
            p.trampolineWaits = r.ids().any() && (p.cloneFlags & LinuxNs.CLONE_NEWUSER()) != 0;
            p.mapsInHelperWindow = r.ids().any() && (p.unshareInChild & LinuxNs.CLONE_NEWUSER()) != 0;
            p.helperSync = r.namespaces().loopback() || p.timeNamespace || !r.lifetime().parentSetups().isEmpty() || p.mapsInHelperWindow;
            p.helperSeesParent = (p.cloneFlags & LinuxNs.CLONE_NEWPID()) == 0;
            // Loopback and time offsets need a namespace that clone3 does not make here, checked above;
            // id maps a new user namespace, which clone3 makes when the JVM's uid is root inside.
            Set<NamespaceType> made = newUser && p.trampolineWaits ? MADE_BY_CLONE_WITH_USER : MADE_BY_CLONE;
            p.direct = made.containsAll(r.namespaces().unshare()) && r.namespaces().join().isEmpty()
                    && r.exec().directory() == null && r.lifetime().deathSignal() <= 0 && r.namespaces().cgroup() == null
                    && r.lifetime().parentSetups().isEmpty() && !r.credentials().any() && !r.lifetime().init()
                    && r.namespaces().hostname() == null && r.namespaces().domainname() == null && !r.filesystem().any();
            if (p.direct) {
                // One clone3 makes them all, and the child execs the command itself: no helper's exec.
                p.cloneFlags = NamespaceType.cloneFlags(r.namespaces().unshare()) | LinuxNs.CLONE_CLEAR_SIGHAND();
                p.unshareInChild = 0;
            }
            // Into a cgroup, the child may be frozen at once: without CLONE_VFORK only this spawn waits
            // for it, not the origin thread that every spawn uses.
            if (!p.trampolineWaits && r.namespaces().cgroup() == null) {
                // The spawning thread sleeps only until the helper's exec: no page-table copy.
                p.cloneFlags |= LinuxNs.CLONE_VFORK();
            }
            return p;
        }
    }

    /** Whether the JVM's euid is mapped to uid 0 in the new user namespace: the helper then execs as root there. */
    private static boolean helperIsRootInside(Request r) {
        long euid = Native.geteuid();
        for (IdMapping m : r.ids().uidMap()) {
            if (euid >= m.outside() && euid - m.outside() < m.count()) return m.inside() + (euid - m.outside()) == 0;
        }
        return false;
    }

    private static void requireKernel(int major, int minor, String what) {
        String[] v = System.getProperty("os.version", "0.0").split("[.-]");
        try {
            int ma = Integer.parseInt(v[0]), mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
            if (ma > major || (ma == major && mi >= minor)) return;
        } catch (NumberFormatException e) {
            return; // an unusual version string: let the kernel decide
        }
        throw new UnsupportedOperationException(what + " needs Linux " + major + "." + minor + " or later; this kernel is "
                + System.getProperty("os.version"));
    }

    /**
     * What the error pipe said until EOF: the helper's command process writes
     * {@link ProgramWriter#UNBLOCKED} right after it unblocked signals, and a failing step
     * (step, errno), 16 bytes, before its exit (after the mark when an execve failed).
     *
     * @param unblocked the mark came: EOF after it is the command's exec (or a death in the
     *                  few instructions between the mark and the exec's point of no return)
     */
    record ErrorPipe(boolean unblocked, ChildFailure failure) {
        static ErrorPipe read(int fd, SegmentAllocator scratch) throws NamespaceException {
            MemorySegment buf = scratch.allocate(24, 8);
            long got = 0, want = 16;
            while (got < want) {
                long n = Native.rawRead(fd, buf.asSlice(got), want - got);
                if (n == -Errno.EINTR) continue;
                if (n < 0) throw new NamespaceException("read(error pipe)", (int) -n, null);
                if (n == 0) break;
                got += n;
                // Writes of at most PIPE_BUF bytes are atomic: the mark is read whole or not at all.
                if (got >= 8 && want == 16 && buf.get(JAVA_LONG, 0) == ProgramWriter.UNBLOCKED) want = 24;
            }
            boolean unblocked = want == 24;
            long at = unblocked ? 8 : 0;
            if (got < at + 16) return new ErrorPipe(unblocked, null);
            return new ErrorPipe(unblocked, new ChildFailure((int) buf.get(JAVA_LONG, at), (int) buf.get(JAVA_LONG, at + 8)));
        }
    }

    /** A failure reported by the child on the error pipe. */
    record ChildFailure(int step, int errno) {
        /** Reads the error pipe to EOF; {@code null} if the child exec'd without reporting. */
        static ChildFailure read(int fd, SegmentAllocator scratch) throws NamespaceException {
            return ErrorPipe.read(fd, scratch).failure();
        }

        /** The failure a direct child stored in its program's header (no error pipe); {@code null} if none. */
        static ChildFailure stored(ChildProgram trampoline) {
            long[] f = trampoline.storedFailure();
            return f == null ? null : new ChildFailure((int) f[0], (int) f[1]);
        }

        IOException exception(Steps steps, Request r) {
            ChildProgram.Step s = steps.step(step);
            if (s.nr() == LinuxNs.SYS_execve()) return new io.linuxns.ExecFailedException(r.exec().command().get(0), r.exec().directory(), s.call(), errno);
            if (errno == 0 && (s.flags() & ChildProgram.EXPECT_RESULT) != 0) {
                String hint = Hints.forStep(s, 0);
                return new NamespaceException(s.call() + " failed", 0, "child step " + step + " (" + s.what() + ")",
                        hint != null ? hint : "the parent went away before the child could go on");
            }
            if (errno == 0) {
                return new NamespaceException(s.call(), 0, "child step " + step + " (" + s.what() + ")",
                        "the parent gave up before the child could go on");
            }
            return new NamespaceException(s.call(), errno, "child step " + step + " (" + s.what() + ")", Hints.forStep(s, errno));
        }
    }
}
