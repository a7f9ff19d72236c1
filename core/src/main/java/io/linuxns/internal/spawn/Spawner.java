package io.linuxns.internal.spawn;

import io.linuxns.IdMapping;
import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.NamespacedProcessBuilder.Mount;
import io.linuxns.Propagation;
import io.linuxns.SetGroups;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Starts a process with {@code clone3} and a child program (DESIGN §4): validates the request,
 * opens in the parent everything the child needs (so the child only {@code dup2}s and
 * {@code close}s), writes the program, clones, does the parent's part during the child's sync
 * window (id maps, time offsets, {@link NamespacedProcessBuilder.ParentSetup}s) and reads the
 * error pipe: EOF means the exec happened, 16 bytes name the failed step and its errno.
 */
public final class Spawner {
    private Spawner() {}

    /** Everything {@link NamespacedProcessBuilder} was told, immutable. */
    public record Request(List<String> command, Path directory, Map<String, String> environment,
                          ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream,
                          Set<NamespaceType> unshare, List<Namespace> join,
                          List<IdMapping> uidMap, List<IdMapping> gidMap, SetGroups setgroups,
                          String hostname, String domainname, Propagation propagation,
                          List<Mount> mounts, Path rootfs,
                          Duration monotonicOffset, Duration boottimeOffset, Path cgroup,
                          int deathSignal, boolean init, boolean preserveCredentials, boolean loopback, Map<Integer, Integer> passFds,
                          List<NamespacedProcessBuilder.ParentSetup> parentSetups) {}

    /** Signals an init or forwarder passes on to the command. */
    private static final int[] FORWARDED = {1, 2, 3, 10, 12, 15, 28, 17}; // HUP INT QUIT USR1 USR2 TERM WINCH, CHLD to reap

    public static NamespacedProcess spawn(Request r) throws IOException {
        Plan plan = Plan.of(r); // all validation, before any system call
        for (String arg : r.command()) {
            if (arg.indexOf('\u0000') >= 0) throw new IllegalArgumentException("invalid null character in command: " + r.command());
        }
        r.environment().forEach((k, v) -> {
            if (k.indexOf('\u0000') >= 0 || v.indexOf('\u0000') >= 0 || k.indexOf('=') >= 0 || k.isEmpty()) {
                throw new IllegalArgumentException("invalid environment variable " + k);
            }
        });
        List<String> candidates = Executables.candidates(r);
        Fds fds = new Fds();
        ChildProgram program = new ChildProgram(r.init() || plan.forkIntoPidNamespace);
        boolean programOwned = false;
        try {
            Stdio stdio = Stdio.open(r, fds);
            int[] err = fds.pipe();
            int[] sync = plan.needsSync ? fds.pipe() : null;
            int[] ready = plan.needsReady ? fds.pipe() : null;
            MemorySegment netlinkSlot = r.loopback() ? program.slot() : null;
            int cgroupFd = r.cgroup() == null ? -1
                    : fds.add(Native.open(r.cgroup().toString(), LinuxNs.O_RDONLY() | LinuxNs.O_DIRECTORY() | LinuxNs.O_CLOEXEC(), 0));

            // Our own copies of the joined namespaces' descriptors: a handle closed by another
            // thread meanwhile cannot turn the number into some other file.
            Map<Namespace, Integer> joinFds = new java.util.IdentityHashMap<>();
            for (Namespace ns : r.join()) joinFds.put(ns, fds.add(Native.dupCloexecAtLeast(ns.fd(), 3)));
            Map<Integer, Integer> passFds = clearOfPassedNumbers(r.passFds(), err, fds);
            ProgramWriter w = new ProgramWriter(program, r, plan, passFds, joinFds);
            // Nothing of the JVM may run here: block every signal, then reset every handler.
            w.blockSignals();
            w.resetSignals(SignalDispositions.handled());
            w.closeAllBut(childNeeds(err, sync, ready, stdio, passFds, joinFds));
            // Joined namespaces first: namespaces made after joining a user namespace belong to it,
            // and what the parent does in the sync window must find the child's final namespaces.
            w.joinNamespaces();
            w.unshareAfterJoin();
            if (plan.timeNamespace) w.unshareTime();
            if (netlinkSlot != null) w.openNetlinkSocket(netlinkSlot);
            if (ready != null) w.tellParent(ready[1]);
            if (sync != null) w.waitForParent(sync[0]);
            w.deathSignal(r.deathSignal());
            if (plan.forkIntoPidNamespace) {
                w.processName("linuxns-fwd");
                program.forkAndWait("enter the PID namespace through a child", 16 * 1024, FORWARDED);
                // The forwarder's death (destroyForcibly) must take the command with it.
                w.deathSignal(LinuxNs.SIGKILL());
            }
            w.names();
            w.mounts();
            if (r.init()) {
                w.processName("linuxns-init");
                program.forkAndWait("start the command under an init (PID 1)", 16 * 1024, FORWARDED);
                w.deathSignal(LinuxNs.SIGKILL());
            }
            w.workingDirectory();
            w.stdio(stdio, err[1]);
            w.unblockSignals();
            w.exec(candidates);

            MemorySegment encoded = program.encode(err[1]);
            Clone3.Child child = Clone3.clone(program, encoded, plan.cloneFlags, cgroupFd);
            // The child has its own copies now (or, with CLONE_VFORK, has exec'd already).
            fds.closeChildSide(stdio.childEnds());
            fds.close(err[1]);
            if (sync != null) fds.close(sync[0]);
            if (ready != null) fds.close(ready[1]);
            if (cgroupFd >= 0) fds.close(cgroupFd);

            ParentSide parent = new ParentSide(r, plan, child);
            try {
                if (ready != null) parent.awaitReady(ready[0]);
                parent.writeMaps();
                if (plan.timeNamespace) parent.writeTimeOffsets();
                if (netlinkSlot != null) parent.loopbackUp((int) netlinkSlot.get(JAVA_LONG, 0));
                parent.runSetups();
                if (sync != null) {
                    parent.release(sync[1]);
                    fds.close(sync[1]);
                }
            } catch (Throwable t) {
                // Killed and reaped before the program memory is freed (in finally): nothing of it runs on.
                parent.abandon();
                // A child failure explains a parent failure better (it usually caused it).
                ChildFailure f = readQuietly(err[0]);
                if (f != null) {
                    IOException e = f.exception(program, r);
                    e.addSuppressed(t);
                    throw e;
                }
                throw t;
            }
            NamespacedProcess p;
            try {
                ChildFailure failure = ChildFailure.read(err[0]);
                if (failure != null) throw failure.exception(program, r);
                fds.close(err[0]);
                p = ProcessImpl.start(child, stdio.parentEnds(fds), program.forks() ? program : null);
            } catch (Throwable t) {
                parent.abandon();
                throw t;
            }
            programOwned = program.forks();
            return p;
        } finally {
            fds.closeAll();
            if (!programOwned) program.close();
        }
    }

    /**
     * The passed descriptors are dup2'ed last, onto numbers that may be taken by the error pipe or
     * by another passed descriptor's source: moves those out of the way (replacing {@code err[1]}
     * when it moves) and returns the map with the sources the child will find.
     */
    private static Map<Integer, Integer> clearOfPassedNumbers(Map<Integer, Integer> passFds, int[] err, Fds fds)
            throws NamespaceException {
        if (passFds.isEmpty()) return passFds;
        int above = passFds.keySet().stream().mapToInt(Integer::intValue).max().orElse(2) + 1;
        if (err[1] < above) {
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

    /** The descriptors above stderr that the child uses before its exec; it closes all others. */
    private static java.util.SortedSet<Integer> childNeeds(int[] err, int[] sync, int[] ready, Stdio stdio,
                                                            Map<Integer, Integer> passFds, Map<Namespace, Integer> joinFds) {
        java.util.SortedSet<Integer> keep = new java.util.TreeSet<>(List.of(err[1]));
        if (sync != null) keep.add(sync[0]);
        if (ready != null) keep.add(ready[1]);
        for (int fd : stdio.childEnds()) if (fd >= 0) keep.add(fd);
        keep.addAll(passFds.values());
        keep.addAll(joinFds.values());
        return keep;
    }

    private static ChildFailure readQuietly(int errorFd) {
        try {
            return ChildFailure.read(errorFd);
        } catch (NamespaceException e) {
            return null;
        }
    }

    /** What the request implies, decided before any system call. */
    static final class Plan {
        long cloneFlags;
        boolean needsSync;
        boolean timeNamespace;
        boolean needsReady;
        boolean forkIntoPidNamespace;
        boolean hasMountNamespace;
        boolean newMountNamespace;
        int unshareInChild;

        static Plan of(Request r) {
            Plan p = new Plan();
            EnumSet<NamespaceType> joined = EnumSet.noneOf(NamespaceType.class);
            for (Namespace ns : r.join()) {
                ns.fd(); // closed handles fail now
                if (!joined.add(ns.type())) {
                    throw new IllegalArgumentException("two " + ns.type() + " namespaces to join: a process is in one of each type");
                }
                if (r.unshare().contains(ns.type())) {
                    throw new IllegalArgumentException("both a new and an existing " + ns.type() + " namespace asked for: choose one");
                }
            }
            boolean joinUser = joined.contains(NamespaceType.USER);
            Set<NamespaceType> fresh = EnumSet.noneOf(NamespaceType.class);
            fresh.addAll(r.unshare());
            fresh.remove(NamespaceType.TIME);
            if (joinUser) {
                // New namespaces must belong to the joined user namespace: create them after setns.
                p.unshareInChild = NamespaceType.cloneFlags(fresh);
            } else {
                p.cloneFlags = NamespaceType.cloneFlags(fresh);
            }
            p.timeNamespace = r.unshare().contains(NamespaceType.TIME);
            boolean newPid = r.unshare().contains(NamespaceType.PID);
            p.forkIntoPidNamespace = joined.contains(NamespaceType.PID) || (joinUser && newPid);
            p.hasMountNamespace = r.unshare().contains(NamespaceType.MOUNT) || joined.contains(NamespaceType.MOUNT);
            p.newMountNamespace = r.unshare().contains(NamespaceType.MOUNT);
            if (joined.contains(NamespaceType.MOUNT) && (!r.mounts().isEmpty() || r.rootfs() != null)) {
                // Mounts and pivot_root would change the joined namespace for every process in it:
                // the child takes a private copy of it first.
                p.unshareInChild |= LinuxNs.CLONE_NEWNS();
                p.newMountNamespace = true;
            }
            boolean hasUts = r.unshare().contains(NamespaceType.UTS) || joined.contains(NamespaceType.UTS);
            boolean newUser = r.unshare().contains(NamespaceType.USER);

            if ((r.hostname() != null || r.domainname() != null) && !hasUts) {
                throw new IllegalArgumentException("hostname and domainname need a new (or joined) UTS namespace, else the host's"
                        + " would change: add NamespaceType.UTS");
            }
            if ((!r.mounts().isEmpty() || r.rootfs() != null) && !p.hasMountNamespace) {
                throw new IllegalArgumentException("mounts and rootfs need a new (or joined) mount namespace, else they would"
                        + " appear on the host: add NamespaceType.MOUNT");
            }
            if ((!r.uidMap().isEmpty() || !r.gidMap().isEmpty() || r.setgroups() != null) && !newUser) {
                throw new IllegalArgumentException("uid/gid maps and setgroups are for a new user namespace: add NamespaceType.USER");
            }
            IdMapping.validate("uid map", r.uidMap());
            IdMapping.validate("gid map", r.gidMap());
            if (r.init() && !newPid) {
                throw new IllegalArgumentException("init(true) runs an init as PID 1 of a new PID namespace: add NamespaceType.PID");
            }
            if (r.rootfs() != null) {
                if (!r.rootfs().isAbsolute()) {
                    throw new IllegalArgumentException("rootfs must be an absolute path, got \"" + r.rootfs() + "\"");
                }
                if (!Files.isDirectory(r.rootfs())) {
                    throw new IllegalArgumentException("rootfs " + r.rootfs() + " is not a directory");
                }
            }
            for (Mount m : r.mounts()) {
                Path target = switch (m) {
                    case Mount.Tmpfs t -> t.target();
                    case Mount.Bind b -> {
                        if (!b.source().isAbsolute()) throw new IllegalArgumentException("bind source must be absolute: " + b.source());
                        yield b.target();
                    }
                    case Mount.Proc pr -> pr.target();
                };
                if (!target.isAbsolute()) throw new IllegalArgumentException("mount target must be absolute: " + target);
            }
            if (r.directory() != null && !r.directory().isAbsolute() && r.rootfs() != null) {
                throw new IllegalArgumentException("with a rootfs the working directory must be absolute (inside it): " + r.directory());
            }
            if (r.cgroup() != null && !Files.isDirectory(r.cgroup())) {
                throw new IllegalArgumentException("cgroup " + r.cgroup() + " is not a directory (a cgroup v2 group, for example"
                        + " /sys/fs/cgroup/NAME)");
            }
            if (p.timeNamespace && (r.monotonicOffset().isNegative() || r.boottimeOffset().isNegative())) {
                // The kernel allows negative offsets only down to the current clock value; say so clearly.
                for (Duration d : List.of(r.monotonicOffset(), r.boottimeOffset())) {
                    if (d.isNegative() && d.abs().toNanos() > System.nanoTime()) {
                        throw new IllegalArgumentException("a negative clock offset larger than the clock itself (" + d + ") is refused");
                    }
                }
            }
            if (r.loopback() && !r.unshare().contains(NamespaceType.NETWORK)) {
                throw new IllegalArgumentException("loopback(true) brings up lo in a new network namespace: add NamespaceType.NETWORK");
            }
            p.needsReady = p.timeNamespace || r.loopback();
            p.needsSync = r.loopback() || !r.uidMap().isEmpty() || !r.gidMap().isEmpty() || r.setgroups() != null || p.timeNamespace
                    || !r.parentSetups().isEmpty();
            boolean childStays = r.init() || p.forkIntoPidNamespace;
            if (!p.needsSync && !childStays) {
                // The parent thread sleeps until the exec: no page-table copy, no race on the program memory.
                p.cloneFlags |= LinuxNs.CLONE_VFORK();
            }
            return p;
        }
    }

    /** A failure reported by the child on the error pipe. */
    record ChildFailure(int step, int errno) {
        /** Reads the error pipe to EOF; {@code null} if the child exec'd without reporting. */
        static ChildFailure read(int fd) throws NamespaceException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16, 8);
                long got = 0;
                while (got < 16) {
                    long n = Native.rawRead(fd, buf.asSlice(got), 16 - got);
                    if (n == -Errno.EINTR) continue;
                    if (n < 0) throw new NamespaceException("read(error pipe)", (int) -n, null);
                    if (n == 0) break;
                    got += n;
                }
                if (got < 16) return null;
                return new ChildFailure((int) buf.get(JAVA_LONG, 0), (int) buf.get(JAVA_LONG, 8));
            }
        }

        IOException exception(ChildProgram program, Request r) {
            ChildProgram.Step s = program.step(step);
            if (s.what().startsWith("execute")) {
                String dir = r.directory() == null ? "" : " (in directory \"" + r.directory() + "\")";
                return NamespaceException.withMessage("Cannot run program \"" + r.command().get(0) + "\"" + dir + ": error="
                        + errno + ", " + Native.strerror(errno), s.call(), errno, s.what());
            }
            if (errno == 0) {
                return new NamespaceException(s.call(), 0, "child step " + step + " (" + s.what() + ")",
                        "the parent gave up before the child could go on");
            }
            return new NamespaceException(s.call(), errno, "child step " + step + " (" + s.what() + ")", Hints.forStep(s, errno));
        }
    }
}
