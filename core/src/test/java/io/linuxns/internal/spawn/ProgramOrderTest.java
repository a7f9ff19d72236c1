package io.linuxns.internal.spawn;

import io.linuxns.IdMapping;
import io.linuxns.Mount;
import io.linuxns.NamespaceType;
import io.linuxns.Propagation;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of the steps a spawn writes, for a few requests, without running them (no root
 * needed): what runs in the JVM's memory is only the trampoline's few kinds of calls, and the
 * helper's steps follow docs/spawn.md.
 */
class ProgramOrderTest {
    /**
     * What the clone3 child, which shares the JVM's memory, may call: its mask, its descriptor
     * table, a pipe, its death signal while it waits on that pipe (and the checks that the parent is
     * still there), the exec.
     */
    private static final Set<String> TRAMPOLINE_CALLS = Set.of("rt_sigprocmask", "fcntl", "close_range", "close", "read", "prctl",
            "getppid", "poll", "execveat");

    private static Request request(Set<NamespaceType> unshare, List<IdMapping> uidMap, String hostname, List<Mount> mounts,
                                   boolean init, int deathSignal, boolean loopback) {
        return new Request(new Request.Exec(List.of("/bin/true"), null, Map.of()),
                new Request.Streams(new ProcessBuilder.Redirect[] {ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT,
                        ProcessBuilder.Redirect.INHERIT}, false, Map.of(), false),
                new Request.Namespaces(unshare, List.of(), false, hostname, null, loopback, null),
                new Request.IdMaps(uidMap, uidMap, null), new Request.Filesystem(Propagation.PRIVATE, mounts, null),
                new Request.Clocks(Duration.ZERO, Duration.ZERO), new Request.Lifetime(deathSignal, init, List.of()));
    }

    /** The calls of both programs, by name: the trampoline's, then "|", then the helper's. */
    private static List<String> calls(Request r) {
        Spawner.Plan plan = Spawner.Plan.of(r);
        ProgramWriter.ChildFds fds = new ProgramWriter.ChildFds(10, plan.trampolineWaits || plan.helperSync ? 11 : -1,
                plan.helperSync ? 12 : -1, new Stdio(new int[] {-1, -1, -1}, new int[] {-1, -1, -1}, false), Map.of(), Map.of(), 13);
        try (HelperImage image = new HelperImage(ChildRoutine.X86_64, 64 * 1024); Arena scratch = Arena.ofConfined()) {
            ChildProgram trampoline = new ChildProgram(scratch, 0);
            List<String> out = new ArrayList<>();
            if (plan.direct) {
                ProgramWriter.direct(trampoline, r, plan, fds, List.of("/bin/true"));
                for (int i = 0; i < trampoline.size(); i++) out.add(name(trampoline.step(i)));
                return out;
            }
            ChildProgram helper = new ChildProgram(image.memory(), Spawner.Steps.HELPER_BASE);
            ProgramWriter.helper(helper, r, plan, fds, List.of("/bin/true"));
            ProgramWriter.trampoline(trampoline, r, plan, fds);
            for (int i = 0; i < trampoline.size(); i++) out.add(name(trampoline.step(i)));
            out.add("|");
            for (int i = 0; i < helper.size(); i++) out.add(name(helper.step(i)));
            return out;
        }
    }

    private static String name(ChildProgram.Step s) {
        return s.op() == ChildProgram.OP_FORK_AND_WAIT ? "FORK_AND_WAIT" : s.call().substring(0, s.call().indexOf('('));
    }

    private static void assertOnlyTrampolineCalls(List<String> calls) {
        for (String c : calls.subList(0, calls.indexOf("|"))) {
            assertTrue(TRAMPOLINE_CALLS.contains(c), c + " would run in the JVM's memory: " + calls);
        }
    }

    /** Nothing to set up but descriptors: no helper, the command is exec'd with handlers cleared by clone3. */
    @Test
    void aPlainSpawnExecsTheCommandDirectly() {
        Request r = request(Set.of(), List.of(), null, List.of(), false, 0, false);
        assertTrue(Spawner.Plan.of(r).direct);
        assertTrue((Spawner.Plan.of(r).cloneFlags & io.linuxns.bindings.LinuxNs.CLONE_CLEAR_SIGHAND()) != 0);
        assertEquals(List.of("rt_sigprocmask", "close_range", "rt_sigprocmask", "execve", "execve"), calls(r),
                "the command, then /bin/sh for it on ENOEXEC");
    }

    /**
     * New namespaces that clone3 makes, and nothing else to set up: no helper either. The child
     * makes / private in its new mount namespace, which only it is in, and execs the command.
     */
    @Test
    void namespacesClone3MakesNeedNoHelper() {
        Request r = request(EnumSet.of(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.CGROUP),
                List.of(), null, List.of(), false, 0, false);
        Spawner.Plan plan = Spawner.Plan.of(r);
        assertTrue(plan.direct);
        long made = io.linuxns.bindings.LinuxNs.CLONE_NEWUTS() | io.linuxns.bindings.LinuxNs.CLONE_NEWIPC()
                | io.linuxns.bindings.LinuxNs.CLONE_NEWPID() | io.linuxns.bindings.LinuxNs.CLONE_NEWNS()
                | io.linuxns.bindings.LinuxNs.CLONE_NEWCGROUP();
        assertEquals(made | io.linuxns.bindings.LinuxNs.CLONE_VFORK() | io.linuxns.bindings.LinuxNs.CLONE_CLEAR_SIGHAND(), plan.cloneFlags);
        assertEquals(0, plan.unshareInChild);
        assertEquals(List.of("rt_sigprocmask", "mount", "close_range", "rt_sigprocmask", "execve", "execve"), calls(r));
    }

    /**
     * A new user namespace in which the JVM's uid is root: clone3 makes it with the rest, and its
     * child, without CLONE_VFORK, closes what it does not need, waits for the id maps, makes /
     * private, marks the error pipe and execs the command, which keeps its capabilities there.
     */
    @Test
    void aUserNamespaceWithTheJvmAsRootInsideNeedsNoHelperEither() {
        long euid = io.linuxns.internal.Native.geteuid();
        Request r = request(EnumSet.of(NamespaceType.USER, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT),
                List.of(new IdMapping(0, euid, 1)), null, List.of(), false, 0, false);
        Spawner.Plan plan = Spawner.Plan.of(r);
        assertTrue(plan.direct && plan.trampolineWaits);
        assertEquals(0, plan.cloneFlags & io.linuxns.bindings.LinuxNs.CLONE_VFORK(), "the parent writes the maps while the child waits");
        assertEquals(io.linuxns.bindings.LinuxNs.CLONE_NEWUSER(), plan.cloneFlags & io.linuxns.bindings.LinuxNs.CLONE_NEWUSER());
        ProgramWriter.ChildFds fds = new ProgramWriter.ChildFds(10, 11, -1,
                new Stdio(new int[] {-1, -1, -1}, new int[] {-1, -1, -1}, false), Map.of(), Map.of(), -1);
        try (Arena scratch = Arena.ofConfined()) {
            ChildProgram t = new ChildProgram(scratch, 0);
            ProgramWriter.directAfterMaps(t, r, plan, fds, List.of("/bin/true"));
            List<String> calls = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) calls.add(name(t.step(i)));
            assertEquals(List.of("rt_sigprocmask", "close_range", "close_range", "prctl", "poll", "read", "prctl", "mount", "close_range",
                    "rt_sigprocmask", "write", "execve", "execve"), calls,
                    "gaps closed around the error and sync pipes, then the wait under a death signal, taken off before the exec");
        }
    }

    /** What clone3 cannot make here, or anything set up inside, still goes through the helper. */
    @Test
    void otherNamespacesAndAnythingSetUpInsideNeedTheHelper() {
        long euid = io.linuxns.internal.Native.geteuid();
        List<Request> helped = List.of(
                request(EnumSet.of(NamespaceType.UTS, NamespaceType.NETWORK), List.of(), null, List.of(), false, 0, false),
                request(EnumSet.of(NamespaceType.UTS, NamespaceType.USER), List.of(new IdMapping(1000, euid, 1)), null, List.of(), false, 0, false),
                request(EnumSet.of(NamespaceType.UTS, NamespaceType.TIME), List.of(), null, List.of(), false, 0, false),
                request(EnumSet.of(NamespaceType.UTS), List.of(), "box", List.of(), false, 0, false),
                request(EnumSet.of(NamespaceType.MOUNT), List.of(), null, List.of(new Mount.Tmpfs(Path.of("/tmp"), null)), false, 0, false),
                request(EnumSet.of(NamespaceType.PID), List.of(), null, List.of(), true, 0, false),
                request(EnumSet.of(NamespaceType.UTS), List.of(), null, List.of(), false, 9, false));
        for (Request r : helped) {
            assertTrue(!Spawner.Plan.of(r).direct, r.toString());
            assertOnlyTrampolineCalls(calls(r));
        }
    }

    /** A working directory goes through the helper: a chdir onto a hung mount must not hold the origin thread. */
    @Test
    void aWorkingDirectoryNeedsTheHelper() {
        Request plain = request(Set.of(), List.of(), null, List.of(), false, 0, false);
        Request r = new Request(new Request.Exec(List.of("/bin/true"), Path.of("/tmp"), Map.of()), plain.streams(), plain.namespaces(),
                plain.ids(), plain.filesystem(), plain.clocks(), plain.lifetime());
        assertTrue(!Spawner.Plan.of(r).direct);
        List<String> calls = calls(r);
        assertOnlyTrampolineCalls(calls);
        assertTrue(calls.subList(calls.indexOf("|"), calls.size()).contains("chdir"), calls.toString());
    }

    /** A death signal, like anything else beyond descriptors, goes through the helper. */
    @Test
    void aDeathSignalNeedsTheHelper() {
        List<String> calls = calls(request(Set.of(), List.of(), null, List.of(), false, 9, false));
        assertEquals(List.of("rt_sigprocmask", "close_range", "fcntl", "execveat"), calls.subList(0, calls.indexOf("|")),
                "the JVM's descriptors marked close-on-exec, the helper's kept");
        assertEquals(1, java.util.Collections.frequency(calls.subList(calls.indexOf("|"), calls.size()), "close_range"),
                "the helper closes nothing, only marks its own descriptors close-on-exec before the command's exec: " + calls);
        assertTrue(calls.contains("getppid") && calls.contains("poll"), calls.toString());
    }

    @Test
    void aRootlessContainerWaitsForItsMapsBeforeTheHelperAndMountsInTheHelper() {
        Request r = request(EnumSet.of(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS,
                        NamespaceType.NETWORK), List.of(new IdMapping(0, io.linuxns.internal.Native.geteuid(), 1)), "box",
                List.of(new Mount.Proc(Path.of("/proc"))), true, 9, true);
        List<String> calls = calls(r);
        assertOnlyTrampolineCalls(calls);
        List<String> t = calls.subList(0, calls.indexOf("|"));
        assertEquals(List.of("read", "prctl", "execveat"), t.subList(t.size() - 3, t.size()),
                "the trampoline waits for the maps right before its exec, and takes its death signal off: " + t);
        List<String> h = calls.subList(calls.indexOf("|") + 1, calls.size());
        // Slow namespaces in the helper, then the death signal and its checks, the sync window,
        // names and mounts, the init, and the exec.
        List<String> order = List.of("unshare", "socket", "prctl", "poll", "write", "read", "sethostname", "mount", "FORK_AND_WAIT",
                "getppid", "execve");
        int at = -1;
        for (String c : order) {
            int i = indexAfter(h, c, at);
            assertTrue(i > at, c + " out of order in " + h);
            at = i;
        }
    }

    @Test
    void aNetworkNamespaceIsNotMadeByClone3() {
        Spawner.Plan plan = Spawner.Plan.of(request(EnumSet.of(NamespaceType.NETWORK, NamespaceType.PID, NamespaceType.UTS),
                List.of(), null, List.of(), false, 0, false));
        assertEquals(io.linuxns.bindings.LinuxNs.CLONE_NEWPID() | io.linuxns.bindings.LinuxNs.CLONE_VFORK(), plan.cloneFlags,
                "only the PID namespace at clone3, and the thread released at the helper's exec");
    }

    @Test
    void aMappingWhereTheJvmIsNotRootInsideLetsTheHelperMakeTheUserNamespace() {
        long euid = io.linuxns.internal.Native.geteuid();
        Request r = request(EnumSet.of(NamespaceType.USER, NamespaceType.PID, NamespaceType.UTS),
                List.of(new IdMapping(1000, euid, 1)), "box", List.of(), false, 0, false);
        Spawner.Plan plan = Spawner.Plan.of(r);
        assertEquals(io.linuxns.bindings.LinuxNs.CLONE_VFORK(), plan.cloneFlags);
        assertTrue(plan.mapsInHelperWindow && plan.forkIntoPidNamespace, "maps in the helper's window, PID through a fork");
        List<String> calls = calls(r);
        assertOnlyTrampolineCalls(calls);
    }

    private static int indexAfter(List<String> list, String item, int after) {
        for (int i = after + 1; i < list.size(); i++) if (list.get(i).equals(item)) return i;
        return -1;
    }
}
