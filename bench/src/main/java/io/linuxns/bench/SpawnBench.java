package io.linuxns.bench;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;

/**
 * Starting {@code /bin/true} and waiting for it: {@link NamespacedProcessBuilder} with no new
 * namespace, with UTS+IPC+PID+MNT, with USER (root mapped to the caller) added, and with NET
 * added; against the C limit ({@link CLimits}: {@code clone3} + {@code execve} +
 * {@code waitpid} with the same namespaces, the parent writing the id maps for USER), plain
 * {@code ProcessBuilder} and {@code ProcessBuilder} running util-linux {@code unshare} with
 * the same namespaces ({@code -r} for the user map, {@code -n} for NET).
 *
 * <p>The {@code ...Pipes} variants give the command three pipes (the builders' default), closed
 * after the wait; their C limit makes the same pipes. The others inherit the JVM's stdin, stdout
 * and stderr on every side ({@code inheritIO()}), as the C limit's child does: like with like,
 * no pipe or {@code /dev/null} opened on the Java sides only (the command reads and writes nothing).
 *
 * <p>util-linux needs {@code --fork} for a PID namespace, so its figures include a second
 * process. There is no JNA variant: JNA cannot run anything between fork and exec in a JVM (see
 * {@link Jna}). Both builders are built once and reused, as they are meant to be.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SpawnBench {
    private static final String TRUE = "/bin/true";

    private ProcessBuilder processBuilder;
    private ProcessBuilder unshareUtsIpcPidMnt;
    private ProcessBuilder unshareUser;
    private ProcessBuilder unshareNet;
    private NamespacedProcessBuilder namespacedTrue;
    private NamespacedProcessBuilder namespacedUtsIpcPidMnt;
    private NamespacedProcessBuilder namespacedUser;
    private NamespacedProcessBuilder namespacedNet;
    private ProcessBuilder processBuilderPipes;
    private NamespacedProcessBuilder namespacedTruePipes;
    private NamespacedProcessBuilder namespacedUtsIpcPidMntPipes;
    private final Arena arena = Arena.ofShared();
    private MemorySegment truePath;

    /**
     * Spawns before the measurement, in the fork's setup, until the JIT is quiet
     * ({@link SpawnWarmup}): a JVM needs thousands of spawns before C2 has compiled the spawn
     * path (docs/spawn.md, "Where the namespaced spawn's time goes"), far more than the spawn
     * profile's warm-up iterations make; the first spawns of a JVM are FirstSpawnsBench's.
     */
    private void warmUp(BenchmarkParams params) throws Throwable {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (name.startsWith("c")) return; // the C limits: no JIT in their path
        SpawnWarmup.run(name, this, MethodHandles.lookup().findVirtual(SpawnBench.class, name, MethodType.methodType(void.class)), 1);
    }

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) throws Throwable {
        processBuilder = inheritStdio(new ProcessBuilder(TRUE));
        unshareUtsIpcPidMnt = inheritStdio(new ProcessBuilder("unshare", "--uts", "--ipc", "--pid", "--fork", "--mount", TRUE));
        unshareUser = inheritStdio(new ProcessBuilder("unshare", "-r", "--uts", "--ipc", "--pid", "--fork", "--mount", TRUE));
        unshareNet = inheritStdio(new ProcessBuilder("unshare", "--uts", "--ipc", "--pid", "--fork", "--mount", "-n", TRUE));
        namespacedTrue = inheritStdio(new NamespacedProcessBuilder(TRUE));
        namespacedUtsIpcPidMnt = inheritStdio(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT));
        namespacedUser = inheritStdio(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.USER, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT)
                .mapRootToCurrentUser());
        namespacedNet = inheritStdio(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.NETWORK));
        processBuilderPipes = new ProcessBuilder(TRUE);
        namespacedTruePipes = new NamespacedProcessBuilder(TRUE);
        namespacedUtsIpcPidMntPipes = new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT);
        truePath = arena.allocateFrom(TRUE);
        CLimits.load();
        warmUp(params);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS. */
    static final long NS4 = flags(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT);
    static final long NS4_USER = NS4 | NamespaceType.USER.cloneFlag();
    static final long NS4_NET = NS4 | NamespaceType.NETWORK.cloneFlag();

    static long flags(NamespaceType... types) {
        long f = 0;
        for (NamespaceType t : types) f |= t.cloneFlag() & 0xffffffffL;
        return f;
    }

    /** Waits, closes the three streams as a caller done with the process does, checks the exit. */
    private static void checkPipes(Process p, Object what) throws IOException, InterruptedException {
        int exit = p.waitFor();
        p.getOutputStream().close();
        p.getInputStream().close();
        p.getErrorStream().close();
        if (exit != 0) throw new IllegalStateException(what + " exited with " + exit);
    }

    /** stdin, stdout and stderr the JVM's, as the C limit's child has them. */
    private static ProcessBuilder inheritStdio(ProcessBuilder pb) {
        return pb.inheritIO();
    }

    /** stdin, stdout and stderr the JVM's, as the C limit's child has them. */
    private static NamespacedProcessBuilder inheritStdio(NamespacedProcessBuilder pb) {
        return pb.inheritIO();
    }

    private static void check(Process p, Object what) throws InterruptedException {
        int exit = p.waitFor();
        if (exit != 0) throw new IllegalStateException(what + " exited with " + exit);
    }

    @Benchmark
    public void cTrue() {
        CLimits.spawn(truePath, 0, false);
    }

    @Benchmark
    public void cUtsIpcPidMnt() {
        CLimits.spawn(truePath, NS4, false);
    }

    /**
     * linuxns's helper path in C (limits.c, {@code limit_spawn_helper}): memfd, clone3 with the new
     * PID namespace, execveat of a static helper that unshares UTS+IPC+MNT, makes / private and execs
     * the command. What a spawn that sets something up inside (a hostname, mounts, a join) costs
     * without the JVM: the gap to {@link #cUtsIpcPidMnt} is the helper's exec. A spawn of only
     * these four namespaces no longer takes it (docs/spawn.md, "The three tasks"): this is the
     * cost that saves.
     */
    @Benchmark
    public void cHelperUtsIpcPidMnt() {
        CLimits.spawnHelper(truePath, NamespaceType.PID.cloneFlag() & 0xffffffffL, NS4 & ~(NamespaceType.PID.cloneFlag() & 0xffffffffL));
    }

    @Benchmark
    public void cUser() {
        CLimits.spawn(truePath, NS4_USER, false);
    }

    @Benchmark
    public void cNet() {
        CLimits.spawn(truePath, NS4_NET, false);
    }

    @Benchmark
    public void cTruePipes() {
        CLimits.spawn(truePath, 0, true);
    }

    @Benchmark
    public void cUtsIpcPidMntPipes() {
        CLimits.spawn(truePath, NS4, true);
    }

    @Benchmark
    @Versus("cTruePipes")
    public void processBuilderPipes() throws IOException, InterruptedException {
        checkPipes(processBuilderPipes.start(), processBuilderPipes.command());
    }

    @Benchmark
    @Versus(value = {"cTruePipes", "processBuilderPipes"}, target = 1.15)
    public void namespacedTruePipes() throws IOException, InterruptedException {
        checkPipes(namespacedTruePipes.start(), namespacedTruePipes.command());
    }

    @Benchmark
    @Versus(value = {"cUtsIpcPidMntPipes", "namespacedTruePipes"}, target = 1.15)
    public void namespacedUtsIpcPidMntPipes() throws IOException, InterruptedException {
        checkPipes(namespacedUtsIpcPidMntPipes.start(), namespacedUtsIpcPidMntPipes.command());
    }

    @Benchmark
    @Versus("cTrue")
    public void processBuilder() throws IOException, InterruptedException {
        check(processBuilder.start(), processBuilder.command());
    }

    @Benchmark
    @Versus({"cUtsIpcPidMnt", "processBuilder"})
    public void unshareUtsIpcPidMnt() throws IOException, InterruptedException {
        check(unshareUtsIpcPidMnt.start(), unshareUtsIpcPidMnt.command());
    }

    @Benchmark
    @Versus({"cUser", "processBuilder"})
    public void unshareUser() throws IOException, InterruptedException {
        check(unshareUser.start(), unshareUser.command());
    }

    @Benchmark
    @Versus({"cNet", "processBuilder"})
    public void unshareNet() throws IOException, InterruptedException {
        check(unshareNet.start(), unshareNet.command());
    }

    @Benchmark
    @Versus(value = {"cTrue", "processBuilder"}, target = 1.15)
    public void namespacedTrue() throws IOException, InterruptedException {
        check(namespacedTrue.start(), namespacedTrue.command());
    }

    @Benchmark
    @Versus(value = {"cUtsIpcPidMnt", "cHelperUtsIpcPidMnt", "unshareUtsIpcPidMnt", "processBuilder"}, target = 1.15)
    public void namespacedUtsIpcPidMnt() throws IOException, InterruptedException {
        check(namespacedUtsIpcPidMnt.start(), namespacedUtsIpcPidMnt.command());
    }

    @Benchmark
    @Versus(value = {"cUser", "unshareUser", "processBuilder"}, target = 1.15)
    public void namespacedUser() throws IOException, InterruptedException {
        check(namespacedUser.start(), namespacedUser.command());
    }

    @Benchmark
    @Versus({"cNet", "unshareNet", "processBuilder"})
    public void namespacedNet() throws IOException, InterruptedException {
        check(namespacedNet.start(), namespacedNet.command());
    }
}
