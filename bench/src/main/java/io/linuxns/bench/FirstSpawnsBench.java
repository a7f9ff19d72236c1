package io.linuxns.bench;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The first 100 spawns of a fresh JVM: one single-shot batch of 100 {@code /bin/true} spawns
 * and waits per fork, no warm-up, so that class loading, linking of the downcall handles and
 * interpreted and C1 code are all in the figure. Several forks give several fresh JVMs. The
 * score is the time of the whole batch; the report divides it by 100.
 *
 * <p>stdin, stdout and stderr are inherited on every side ({@code inheritIO()}), as the C limit's
 * child has them ({@link SpawnBench}).
 *
 * <p>Building the builder (and, for C, compiling and loading the library) happens in the
 * trial's setup, outside the measured batch: the first {@code start()} is in it.
 *
 * <p>{@code bench/run.sh} runs this class in a JMH run of its own ({@code -f 5 -wi 0 -i 1
 * -bs 100}), because the options of the main run would replace these annotations and warm the
 * JVM up first.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = FirstSpawnsBench.SPAWNS)
@Fork(value = 5, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class FirstSpawnsBench {
    /** Spawns per measured batch. */
    public static final int SPAWNS = 100;
    private static final String TRUE = "/bin/true";

    private ProcessBuilder processBuilder;
    private NamespacedProcessBuilder namespacedTrue;
    private NamespacedProcessBuilder namespacedUtsIpcPidMnt;
    private final Arena arena = Arena.ofShared();
    private MemorySegment truePath;

    @Setup(Level.Trial)
    public void setup() {
        processBuilder = new ProcessBuilder(TRUE)
                .inheritIO();
        namespacedTrue = new NamespacedProcessBuilder(TRUE)
                .inheritIO();
        namespacedUtsIpcPidMnt = new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT)
                .inheritIO();
        truePath = arena.allocateFrom(TRUE);
        CLimits.load();
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

    @Benchmark
    @Versus("cTrue")
    public void processBuilder() throws IOException, InterruptedException {
        check(processBuilder.start());
    }

    @Benchmark
    @Versus({"cTrue", "processBuilder"})
    public void namespacedTrue() throws IOException, InterruptedException {
        check(namespacedTrue.start());
    }

    @Benchmark
    @Versus("cUtsIpcPidMnt")
    public void namespacedUtsIpcPidMnt() throws IOException, InterruptedException {
        check(namespacedUtsIpcPidMnt.start());
    }
}
