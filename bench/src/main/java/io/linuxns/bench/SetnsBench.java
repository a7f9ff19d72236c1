package io.linuxns.bench;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.internal.Native;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Entering one namespace and going back ({@code setns(2)} twice, one fd per namespace), for each
 * type a thread can join: through the library's syscall layer, through a minimal hand-made FFM
 * handle, through JNA, and in C ({@link CLimits}: both calls in one downcall, the limit). The library's ratio to the raw handle is its overhead (errno capture,
 * the capture buffer lookup, the result check, the handle's fd accessor).
 *
 * <p>Runs on JMH's worker thread, which {@link ThreadGuard} checks is back in its own namespaces
 * after every iteration. The joined namespaces belong to a {@link TargetProcess}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SetnsBench {
    @Param({"UTS", "IPC", "NETWORK", "MOUNT", "CGROUP"})
    public NamespaceType type;

    private final ThreadGuard guard = new ThreadGuard();
    private TargetProcess target;
    private Namespace into;
    private Namespace back;
    private int flag;

    @Setup(Level.Trial)
    public void open() throws NamespaceException {
        target = TargetProcess.start();
        into = Namespace.ofProcess(target.pid(), type);
        back = Namespace.ofCurrentThread(type);
        flag = type.cloneFlag();
        // Link JNA while still at home: its first call loads classes and may start a thread.
        Jna.Direct.getpid();
        CLimits.load();
    }

    @Setup(Level.Iteration)
    public void adopt() {
        guard.adopt(type == NamespaceType.MOUNT);
    }

    @TearDown(Level.Iteration)
    public void verify() {
        guard.verify();
    }

    @TearDown(Level.Trial)
    public void close() {
        guard.close();
        into.close();
        back.close();
        target.close();
    }

    /** The library's path, as {@code NamespaceExecutor.join} takes it for each namespace. */
    @Benchmark
    @Versus(value = {"rawFfm", "jna", "c"}, target = 1.10)
    public void library() throws NamespaceException {
        Native.setns(into.fd(), into.type().cloneFlag());
        Native.setns(back.fd(), back.type().cloneFlag());
    }

    @Benchmark
    public void rawFfm() {
        int in = RawFfm.setns(into.fd(), flag);
        int out = RawFfm.setns(back.fd(), flag);
        if ((in | out) != 0) throw new IllegalStateException("setns failed: " + in + ", " + out);
    }

    @Benchmark
    public void c() {
        CLimits.setnsPair(into.fd(), back.fd(), flag);
    }

    @Benchmark
    @Versus("rawFfm")
    public void jna() {
        int in = Jna.Direct.setns(into.fd(), flag);
        int out = Jna.Direct.setns(back.fd(), flag);
        if ((in | out) != 0) throw new IllegalStateException("setns failed: " + in + ", " + out);
    }
}
