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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Entering all five thread-joinable namespaces of a process and going back: five fds, one
 * {@code setns(2)} each way per type, against one pidfd, one {@code setns(pidfd, flags)} each way
 * (Linux 5.8+; the way back is a pidfd of this JVM, whose main thread is where we started).
 *
 * <p>The thread unshares CLONE_FS first ({@link ThreadGuard#adopt(boolean)}): without it the
 * mount namespace fd is refused, and the pidfd call would move the root of every JVM thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SetnsManyBench {
    private static final List<NamespaceType> TYPES = List.of(NamespaceType.UTS, NamespaceType.IPC,
            NamespaceType.NETWORK, NamespaceType.CGROUP, NamespaceType.MOUNT);

    private final ThreadGuard guard = new ThreadGuard();
    private TargetProcess target;
    private final Namespace[] into = new Namespace[TYPES.size()];
    private final Namespace[] back = new Namespace[TYPES.size()];
    private int targetPidfd = -1;
    private int selfPidfd = -1;
    private int flags;

    @Setup(Level.Trial)
    public void open() throws NamespaceException {
        target = TargetProcess.start();
        for (int i = 0; i < TYPES.size(); i++) {
            into[i] = Namespace.ofProcess(target.pid(), TYPES.get(i));
            back[i] = Namespace.ofCurrentThread(TYPES.get(i));
        }
        flags = NamespaceType.cloneFlags(NamespaceType.threadScoped());
        targetPidfd = Native.pidfdOpen(target.pid());
        selfPidfd = Native.pidfdOpen(ProcessHandle.current().pid());
        Jna.Direct.getpid();
    }

    @Setup(Level.Iteration)
    public void adopt() {
        guard.adopt(true);
    }

    @TearDown(Level.Iteration)
    public void verify() {
        guard.verify();
    }

    @TearDown(Level.Trial)
    public void close() {
        guard.close();
        for (int i = 0; i < TYPES.size(); i++) {
            into[i].close();
            back[i].close();
        }
        Native.close(targetPidfd);
        Native.close(selfPidfd);
        target.close();
    }

    @Benchmark
    @Versus(value = "rawFfmFds", target = 1.10)
    public void libraryFds() throws NamespaceException {
        for (Namespace ns : into) Native.setns(ns.fd(), ns.type().cloneFlag());
        for (Namespace ns : back) Native.setns(ns.fd(), ns.type().cloneFlag());
    }

    @Benchmark
    public void rawFfmFds() {
        int r = 0;
        for (Namespace ns : into) r |= RawFfm.setns(ns.fd(), ns.type().cloneFlag());
        for (Namespace ns : back) r |= RawFfm.setns(ns.fd(), ns.type().cloneFlag());
        if (r != 0) throw new IllegalStateException("setns failed");
    }

    @Benchmark
    @Versus(value = {"rawFfmPidfd", "jnaPidfd", "libraryFds"}, target = 1.10)
    public void libraryPidfd() throws NamespaceException {
        Native.setns(targetPidfd, flags);
        Native.setns(selfPidfd, flags);
    }

    @Benchmark
    public void rawFfmPidfd() {
        int in = RawFfm.setns(targetPidfd, flags);
        int out = RawFfm.setns(selfPidfd, flags);
        if ((in | out) != 0) throw new IllegalStateException("setns failed: " + in + ", " + out);
    }

    @Benchmark
    @Versus("rawFfmPidfd")
    public void jnaPidfd() {
        int in = Jna.Direct.setns(targetPidfd, flags);
        int out = Jna.Direct.setns(selfPidfd, flags);
        if ((in | out) != 0) throw new IllegalStateException("setns failed: " + in + ", " + out);
    }
}
