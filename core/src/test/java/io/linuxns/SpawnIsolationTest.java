package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Nothing of the JVM's address space or credentials reaches a spawned process, nor outlives
 * the JVM in one: the clone3 child only execs the per-spawn helper, and everything else (the
 * namespace joins, credential changes, the init and the forwarder) runs in the helper's own
 * address space. The engine before (cf7c1e0) ran all of that in {@code clone(CLONE_VM)}
 * children of the JVM, so: a sandbox could write the JVM's memory through its init's or
 * forwarder's {@code /proc/PID/mem}; a {@code setresuid} after joining a user namespace made the
 * whole JVM non-dumpable; an init kept the JVM's memory (and argv) after the JVM was gone and
 * ignored a death signal other than SIGKILL; a join into a namespace that denies setgroups kept
 * the JVM's supplementary groups where nsenter drops them. Each test here but the control
 * ({@link #theAttackOverwritesMemoryWhereItIsAllowed}) fails on that engine.
 *
 * <p>Real kernel, real processes; most cases need root (as the JVM's or as a mapped uid), the
 * rootless attack runs in a JVM under uid 65534 ({@link Unprivileged}, {@link IsolationProbe}).
 */
@ExtendWith(ThreadNamespaceGuard.class)
class SpawnIsolationTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(TestSupport.isRoot(), "these cases need root (and uid 65534 for the rootless one)");
    }

    // ---- 1. /proc/PID/mem -----------------------------------------------------------------

    /**
     * The method works: the same dd line writes this JVM's memory from the host. Without this,
     * an intact marker in the other tests could just mean a broken attack.
     */
    @Test
    void theAttackOverwritesMemoryWhereItIsAllowed() throws Exception {
        MemoryAttack.Outcome control = MemoryAttack.control();
        assertEquals(MemoryAttack.PAYLOAD, control.memory().substring(0, MemoryAttack.PAYLOAD.length()), control.report());
    }

    /**
     * Root in the sandbox (user, PID and mount namespaces, its own /proc, an init) writes at
     * the segment's address through /proc/1/mem (the init), /proc/$PPID/mem (the init again)
     * and every /proc/N/mem it sees. The init is a fork of the helper: the address is not even
     * mapped there. The old init shared the JVM's memory and the sandbox's credentials.
     */
    @Test
    void aSandboxCannotWriteTheJvmsMemoryThroughItsInit() throws Exception {
        MemoryAttack.Outcome o = MemoryAttack.fromInitSandbox();
        assertTrue(o.reachedSubject(), "the attack never tried /proc/1/mem: " + o.report());
        assertEquals(MemoryAttack.MARKER, o.memory(), "the sandbox wrote into the JVM: " + o.report());
    }

    /**
     * A process already in a user and PID namespace (sharing the host's /proc) attacks a spawn
     * that joins them, while it runs: the forwarder that stays outside the PID namespace to wait
     * for the command is in the joined user namespace, with the same uid. The old forwarder was
     * a CLONE_VM child of the JVM.
     */
    @Test
    void aProcessInAJoinedNamespaceCannotWriteTheJvmsMemoryThroughTheNewcomer() throws Exception {
        MemoryAttack.Outcome o = MemoryAttack.fromJoinedNamespace();
        assertTrue(o.reachedSubject(), "the attack never tried the forwarder's memory: " + o.report());
        assertEquals(MemoryAttack.MARKER, o.memory(), "the joined namespace wrote into the JVM: " + o.report());
        // The forwarder stays in the JVM's other namespaces with the command's lifetime: it is not
        // dumpable, so the joined namespace's root may not even open its memory (runc's CVE-2016-9962).
        assertTrue(o.report().lines().anyMatch(l -> l.startsWith("FAILED /proc/" + o.subject() + "/mem:")
                && l.contains("Permission denied")), "the forwarder's memory could be opened: " + o.report());
    }

    /** Both attacks from a JVM running as uid 65534, with root in the sandbox mapped to it. */
    @Test
    void rootlessSandboxesCannotWriteTheJvmsMemory() throws Exception {
        Path dir = Unprivileged.readableTempDirectory("linuxns-isolation");
        try {
            Process p = new ProcessBuilder(Unprivileged.java(dir, IsolationProbe.class, "attack")).redirectErrorStream(true)
                    .directory(dir.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe hung");
            assertEquals(0, p.exitValue(), out);
            Map<String, String> r = Unprivileged.keyValues(out);
            assertAll(
                    () -> assertEquals(Integer.toString(Unprivileged.NOBODY), r.get("uid"), out),
                    () -> assertTrue(r.get("control").startsWith("OVERWRITTEN |"), "control: " + r.get("control")),
                    () -> assertTrue(r.get("init").startsWith("intact |"), "init: " + r.get("init")),
                    () -> assertTrue(r.get("join").startsWith("intact |"), "join: " + r.get("join")));
        } finally {
            deleteTree(dir);
        }
    }

    // ---- 2. dumpable ----------------------------------------------------------------------

    /**
     * Joining a user namespace whose root is uid 100000 outside makes the joining process uid
     * 100000: a credential change that sets its memory non-dumpable (fs.suid_dumpable). Done in
     * the JVM's memory (the old engine) it made the JVM itself non-dumpable: no core dump, and
     * /proc/PID of the JVM owned by root and closed to its own user. In the helper it touches
     * only the helper. Read with prctl(PR_GET_DUMPABLE) in this JVM before and after a join as
     * root inside, and one with preserveCredentials (setns alone; dumpable set back to 1 in
     * between so that each join is judged on its own).
     */
    @Test
    void joiningAUserNamespaceLeavesTheJvmDumpable() throws Exception {
        assumeTrue(dumpable() == 1, "this JVM is not dumpable to begin with (" + dumpable() + ")");
        Process holder = new NamespacedProcessBuilder("sh", "-c", "echo ok; exec sleep 60").unshare(NamespaceType.USER)
                .uidMap(new IdMapping(0, 100000, 65536)).gidMap(new IdMapping(0, 100000, 65536)).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
             Namespace user = ((NamespacedProcess) holder).namespace(NamespaceType.USER)) {
            assertEquals("ok", r.readLine());
            Spawned root = Spawned.run(new NamespacedProcessBuilder("id", "-u").join(user));
            assertEquals("0", root.out().strip(), root.err());
            int afterJoin = dumpable();
            if (afterJoin != 1) prctl(LinuxNs.PR_SET_DUMPABLE(), 1);
            Spawned kept = Spawned.run(new NamespacedProcessBuilder("id", "-u").join(user).preserveCredentials(true));
            assertEquals("65534", kept.out().strip(), "uid 0 outside is unmapped inside: " + kept.err());
            int afterPreserving = dumpable();
            assertAll(() -> assertEquals(1, afterJoin, "PR_GET_DUMPABLE after a join as root inside"),
                    () -> assertEquals(1, afterPreserving, "PR_GET_DUMPABLE after a join with preserveCredentials"));
        } finally {
            holder.destroyForcibly().waitFor();
            // A failure here must not leave the JVM non-dumpable for the tests after it (the attacks need it).
            if (dumpable() != 1) prctl(LinuxNs.PR_SET_DUMPABLE(), 1);
        }
    }

    private static int dumpable() {
        return prctl(LinuxNs.PR_GET_DUMPABLE(), 0);
    }

    /** prctl(option, arg2, 0, 0, 0) through the generated variadic invoker: the value of this JVM's own memory. */
    private static int prctl(int option, long arg2) {
        MemoryLayout[] four = {JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG};
        int r = LinuxNs.prctl.makeInvoker(four).apply(option, arg2, 0L, 0L, 0L);
        if (r < 0) throw new IllegalStateException("prctl(" + option + ") failed");
        return r;
    }

    // ---- 3. an init that outlives the JVM --------------------------------------------------

    /**
     * An init without dieWithParent outlives the JVM that started it (a child JVM that filled
     * 300 MB of heap): it must hold a few pages of its own, not the dead JVM's memory, and show
     * as linuxns-init with no trace of java in its command line. The old init was a CLONE_VM
     * child: the JVM's whole address space stayed resident in it, under the JVM's argv.
     */
    @Test
    void anInitThatOutlivesTheJvmHoldsNoneOfItsMemory() throws Exception {
        Map<String, String> r = probe("leftover", "keep");
        long init = Long.parseLong(r.get("init")), command = Long.parseLong(r.get("command"));
        try {
            assertEquals(Integer.toString(IsolationProbe.HEAP_MB), r.get("heap"));
            assertFalse(waitUntilDead(init, 1), "without dieWithParent the init outlives the JVM");
            String status = Files.readString(Path.of("/proc/" + init + "/status"));
            long rssKb = Long.parseLong(status.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow()
                    .replaceAll("\\D", ""));
            String cmdline = Files.readString(Path.of("/proc/" + init + "/cmdline")).replace('\0', ' ');
            assertAll(
                    () -> assertTrue(rssKb < 4096, "the init keeps " + rssKb + " kB resident"),
                    () -> assertEquals("linuxns-init", Files.readString(Path.of("/proc/" + init + "/comm")).strip()),
                    () -> assertFalse(cmdline.contains("java"), "cmdline: " + cmdline));
        } finally {
            kill(init);
            kill(command);
        }
    }

    /**
     * dieWithParent(SIGALRM): the init gets the death signal when the JVM goes, and must act on
     * it though it blocks every signal (it waits for it with the ones it forwards), then its
     * child dies with it. The old init waited only for the forwarded ones: SIGALRM stayed
     * pending, and init and command lived on.
     */
    @Test
    void anInitAndItsCommandDieWithTheJvmOnANonKillSignal() throws Exception {
        assertDieWithTheJvm(probe("leftover", "die"));
    }

    /** A death signal that the init forwards, and that the command ignores: both still end with the JVM. */
    @Test
    void anInitAndACommandIgnoringItDieWithTheJvmOnAForwardedSignal() throws Exception {
        assertDieWithTheJvm(probe("leftover", "die-term"));
    }

    private static void assertDieWithTheJvm(Map<String, String> r) throws InterruptedException {
        long init = Long.parseLong(r.get("init")), command = Long.parseLong(r.get("command"));
        try {
            assertAll(() -> assertTrue(waitUntilDead(init, 100), "init " + init + " outlived the JVM"),
                    () -> assertTrue(waitUntilDead(command, 100), "command " + command + " outlived the JVM"));
        } finally {
            kill(init);
            kill(command);
        }
    }

    /**
     * The same for the forwarder of a PID-namespace join, which waits outside the namespace;
     * the holder of the namespace stays (it would take the command with it), and is killed after.
     */
    @Test
    void aForwarderAndItsCommandDieWithTheJvmOnANonKillSignal() throws Exception {
        Map<String, String> r = probe("leftover", "die-join");
        long holder = Long.parseLong(r.get("holder")), fwd = Long.parseLong(r.get("init")), command = Long.parseLong(r.get("command"));
        try {
            assertEquals("linuxns-fwd", r.get("comm"));
            assertAll(() -> assertTrue(waitUntilDead(fwd, 100), "forwarder " + fwd + " outlived the JVM"),
                    () -> assertTrue(waitUntilDead(command, 100), "command " + command + " outlived the JVM"));
            assertFalse(waitUntilDead(holder, 1), "the holder (no dieWithParent) is still there");
        } finally {
            kill(fwd);
            kill(command);
            kill(holder);
        }
    }

    // ---- 4. supplementary groups after a join ----------------------------------------------

    /**
     * The probe JVM runs with supplementary groups 10 and 27 (as root nothing else would have
     * any to drop, and every comparison would pass). nsenter drops them before setns, so none
     * are left even where the joined namespace denies setgroups; a join must leave the same.
     * The old engine dropped them only after setns: with "deny" that failed quietly and the
     * command kept them (shown as the overflow gid 65534).
     */
    @Test
    void supplementaryGroupsAfterAJoinMatchNsenter() throws Exception {
        Map<String, String> r = groupsProbe();
        assertEquals("10 27", r.get("self"), "the probe must start with groups to drop");
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (String sg : List.of("allow", "deny")) {
            checks.add(() -> assertEquals(sg, r.get(sg + ".setgroups")));
            checks.add(() -> assertEquals(r.get(sg + ".nsenter"), r.get(sg + ".spawn"), "setgroups " + sg + ": spawn vs nsenter"));
            checks.add(() -> assertEquals(r.get(sg + ".nsenter-preserve"), r.get(sg + ".spawn-preserve"),
                    "setgroups " + sg + ", preserving credentials: spawn vs nsenter --preserve-credentials"));
        }
        assertAll(checks);
        // What nsenter does here (so the comparison has teeth): none left, or kept and unmapped.
        assertEquals("", r.get("deny.nsenter"));
        assertEquals("65534 65534", r.get("deny.nsenter-preserve"));
    }

    private static Map<String, String> groupsProbe() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--groups=10,27"));
        cmd.addAll(javaCommand("groups"));
        return run(cmd);
    }

    // ---- 5. the init's address space --------------------------------------------------------

    /**
     * The command's parent (the init) has no mapping of the JVM: its /proc/PID/maps, read from
     * inside the sandbox, names no libjvm.so and nothing under java.home. The old init's maps
     * were the JVM's.
     */
    @Test
    void theInitMapsNothingOfTheJvm() throws Exception {
        String javaHome = Path.of(System.getProperty("java.home")).toRealPath().toString();
        String own = Files.readString(Path.of("/proc/self/maps"));
        assertTrue(own.contains("libjvm.so") && own.contains(javaHome), "this JVM's own maps name libjvm.so and java.home");
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT)
                .mapRootToCurrentUser().mountProc().init(true), "echo $PPID; cat /proc/$PPID/comm /proc/$PPID/maps");
        List<String> lines = s.out().lines().toList();
        assertTrue(lines.size() > 2, s.out() + s.err());
        assertEquals(List.of("1", "linuxns-init"), lines.subList(0, 2), s.err());
        List<String> jvm = jvmMappings(lines.subList(2, lines.size()), javaHome);
        assertTrue(jvm.isEmpty(), "the init maps the JVM: " + jvm);
    }

    /**
     * The same for the forwarder that waits outside a joined PID namespace, read from the host
     * while the command runs.
     */
    @Test
    void theForwarderMapsNothingOfTheJvm() throws Exception {
        String javaHome = Path.of(System.getProperty("java.home")).toRealPath().toString();
        Process holder = new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.PID).start();
        Process joined = null;
        try (Namespace pid = ((NamespacedProcess) holder).namespace(NamespaceType.PID)) {
            joined = new NamespacedProcessBuilder("sh", "-c", "echo in; exec sleep 60").join(pid).start();
            assertEquals("in", new BufferedReader(new InputStreamReader(joined.getInputStream())).readLine());
            String comm = Files.readString(Path.of("/proc/" + joined.pid() + "/comm")).strip();
            String maps = Files.readString(Path.of("/proc/" + joined.pid() + "/maps"));
            assertEquals("linuxns-fwd", comm);
            assertFalse(maps.isBlank());
            List<String> jvm = jvmMappings(maps.lines().toList(), javaHome);
            assertTrue(jvm.isEmpty(), "the forwarder maps the JVM: " + jvm);
        } finally {
            holder.destroyForcibly().waitFor(); // first: see MemoryAttack.fromJoinedNamespace
            if (joined != null) {
                joined.destroyForcibly().waitFor();
                joined.getInputStream().close();
                joined.getOutputStream().close();
            }
        }
    }

    /**
     * The direct paths' children share the JVM's memory until the command's exec: when start()
     * has returned, the command's /proc/PID/maps names nothing of the JVM, in the JVM's
     * namespaces, in new ones clone3 made, and in a new user namespace (the child waited for its
     * maps without CLONE_VFORK).
     */
    @Test
    void aDirectlySpawnedCommandMapsNothingOfTheJvmOnceStartReturns() throws Exception {
        String javaHome = Path.of(System.getProperty("java.home")).toRealPath().toString();
        List<NamespacedProcessBuilder> builders = new ArrayList<>(List.of(new NamespacedProcessBuilder("sleep", "60"),
                new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT)
                        .mapRootToCurrentUser()));
        if (TestSupport.isRoot()) {
            builders.add(new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID,
                    NamespaceType.MOUNT));
        }
        for (int i = 0; i < builders.size(); i++) {
            Process p = builders.get(i).start();
            try {
                // Read at once: a child still sharing the JVM's memory would show the JVM's mappings here.
                String maps = Files.readString(Path.of("/proc/" + p.pid() + "/maps"));
                assertFalse(maps.isBlank());
                List<String> jvm = jvmMappings(maps.lines().toList(), javaHome);
                assertTrue(jvm.isEmpty(), "spawn " + i + ": the command maps the JVM: " + jvm);
            } finally {
                p.destroyForcibly().waitFor();
                p.getInputStream().close();
                p.getOutputStream().close();
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** {@return the lines of a maps file that name libjvm.so or a file under java.home, at most five, and how many} */
    private static List<String> jvmMappings(List<String> maps, String javaHome) {
        List<String> jvm = maps.stream().filter(l -> l.contains("libjvm.so") || l.contains(javaHome)).toList();
        if (jvm.size() <= 5) return jvm;
        List<String> some = new ArrayList<>(jvm.subList(0, 5));
        some.add("... " + jvm.size() + " in all");
        return some;
    }

    /** The command that runs {@link IsolationProbe} in a JVM like this one (as DieWithParentTest does). */
    private static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), IsolationProbe.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Map<String, String> probe(String... args) throws Exception {
        return run(javaCommand(args));
    }

    private static Map<String, String> run(List<String> cmd) throws Exception {
        Process jvm = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        jvm.getOutputStream().close();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), "probe hung");
        assertEquals(0, jvm.exitValue(), out);
        return Unprivileged.keyValues(out);
    }

    /** Gone or a zombie (no reaper may run on this machine) within {@code tries} × 50 ms. */
    private static boolean waitUntilDead(long pid, int tries) throws InterruptedException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        for (int i = 0; i < tries; i++) {
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) return true;
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static void kill(long pid) throws InterruptedException {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        waitUntilDead(pid, 100);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
