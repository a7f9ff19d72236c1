package io.linuxns.bench;

import io.linuxns.bindings.LinuxNs;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the binding itself: one trivial system call, {@code getpid(2)} (glibc no longer
 * caches it, so every call enters the kernel), through the jextract-generated binding, a
 * hand-made FFM handle with and without errno capture, and JNA in its direct-mapped and
 * interface forms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class BindingBench {
    private Arena arena;
    private MemorySegment callState;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofConfined();
        callState = RawFfm.newCallState(arena);
    }

    @TearDown(Level.Trial)
    public void close() {
        arena.close();
    }

    /** jextract's generated wrapper: the plain handle plus its trace-flag check. */
    @Benchmark
    @Versus(value = {"jnaDirect", "ffmPlain"}, target = 1.0)
    public int generated() {
        return LinuxNs.getpid();
    }

    /**
     * A handle with {@code captureCallState("errno")}: what the library's other libc calls do, and
     * its system calls where it has no raw routine for the architecture (on x86_64 they return
     * {@code -errno} without capture).
     */
    @Benchmark
    @Versus(value = {"jnaDirect", "ffmPlain"}, target = 1.0)
    public int ffmCapture() {
        return RawFfm.getpidCapture(callState);
    }

    @Benchmark
    public int ffmPlain() {
        return RawFfm.getpid();
    }

    @Benchmark
    @Versus("ffmPlain")
    public int jnaDirect() {
        return Jna.Direct.getpid();
    }

    @Benchmark
    @Versus({"jnaDirect", "ffmPlain"})
    public int jnaInterface() {
        return Jna.LibC.INSTANCE.getpid();
    }
}
