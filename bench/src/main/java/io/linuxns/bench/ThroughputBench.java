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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;

/**
 * Spawns per second from four threads at once, each starting {@code /bin/true} and waiting for
 * it (stdin, stdout and stderr inherited on every side, as {@link SpawnBench}'s): {@link NamespacedProcessBuilder} with no new namespace and
 * with UTS+IPC+PID+MNT, against the C limit ({@link CLimits}) from the same four threads (and,
 * for the namespaced spawn, the C replay of the helper path), and plain {@code ProcessBuilder}. JMH sums the four threads' operations.
 *
 * <p>Four threads on a 2-CPU machine: a spawn sleeps most of its time (in the vfork wait and
 * in {@code waitpid}), so four keep both CPUs busy, and anything every spawn passes through (a
 * lock, one thread all clones are made from) shows as a lower figure than C's. The builders are
 * shared by the four threads, as a server shares one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ThroughputBench {
    private static final String TRUE = "/bin/true";

    private ProcessBuilder processBuilder;
    private NamespacedProcessBuilder namespacedTrue;
    private NamespacedProcessBuilder namespacedUtsIpcPidMnt;
    private final Arena arena = Arena.ofShared();
    private MemorySegment truePath;

    /**
     * Spawns before the measurement, from four threads, until the JIT is quiet
     * ({@link SpawnWarmup}), as {@link SpawnBench} does from one: a one-thread warm-up left this
     * measurement deoptimizing the spawn path, and a fixed count ended while C2 was still
     * compiling it. The C limit has no JIT in its path and skips it.
     */
    private void warmUp(BenchmarkParams params) throws Exception {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (name.startsWith("c")) return;
        try {
            SpawnWarmup.run(name, this, MethodHandles.lookup().findVirtual(ThroughputBench.class, name,
                    MethodType.methodType(void.class)), 4);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) throws Exception {
        processBuilder = new ProcessBuilder(TRUE)
                .inheritIO();
        namespacedTrue = new NamespacedProcessBuilder(TRUE)
                .inheritIO();
        namespacedUtsIpcPidMnt = new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT)
                .inheritIO();
        truePath = arena.allocateFrom(TRUE);
        CLimits.load();
        warmUp(params);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private static void check(Process p) throws InterruptedException {
        int exit = p.waitFor();
        if (exit != 0) throw new IllegalStateException(TRUE + " exited with " + exit);
    }

    @Benchmark
    public void cTrue() {
        CLimits.spawn(truePath, 0, false);
    }

    @Benchmark
    public void cUtsIpcPidMnt() {
        CLimits.spawn(truePath, SpawnBench.NS4, false);
    }

    /**
     * The C replay of linuxns's helper path ({@link SpawnBench#cHelperUtsIpcPidMnt}) from the
     * same four threads: the rate a spawn through the helper allows (a memfd, an exec of a static
     * helper in its own address space, its unshare); {@link #namespacedUtsIpcPidMnt} no longer
     * takes that path.
     */
    @Benchmark
    public void cHelperUtsIpcPidMnt() {
        CLimits.spawnHelper(truePath, NamespaceType.PID.cloneFlag() & 0xffffffffL,
                SpawnBench.NS4 & ~(NamespaceType.PID.cloneFlag() & 0xffffffffL));
    }

    @Benchmark
    @Versus("cTrue")
    public void processBuilder() throws IOException, InterruptedException {
        check(processBuilder.start());
    }

    @Benchmark
    @Versus(value = {"cTrue", "processBuilder"}, target = 0.9)
    public void namespacedTrue() throws IOException, InterruptedException {
        check(namespacedTrue.start());
    }

    @Benchmark
    @Versus(value = {"cUtsIpcPidMnt", "cHelperUtsIpcPidMnt"}, target = 0.9)
    public void namespacedUtsIpcPidMnt() throws IOException, InterruptedException {
        check(namespacedUtsIpcPidMnt.start());
    }
}
