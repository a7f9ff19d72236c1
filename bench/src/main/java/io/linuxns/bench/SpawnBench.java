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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Starting {@code /bin/true} and waiting for it: {@link NamespacedProcessBuilder} with no new
 * namespace, with UTS+IPC+PID+MNT, with USER (root mapped to the caller) added, and with NET
 * added; against plain {@code ProcessBuilder} and {@code ProcessBuilder} running util-linux
 * {@code unshare} with the same namespaces ({@code -r} for the user map, {@code -n} for NET).
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

    @Setup(Level.Trial)
    public void setup() {
        processBuilder = discard(new ProcessBuilder(TRUE));
        unshareUtsIpcPidMnt = discard(new ProcessBuilder("unshare", "--uts", "--ipc", "--pid", "--fork", "--mount", TRUE));
        unshareUser = discard(new ProcessBuilder("unshare", "-r", "--uts", "--ipc", "--pid", "--fork", "--mount", TRUE));
        unshareNet = discard(new ProcessBuilder("unshare", "--uts", "--ipc", "--pid", "--fork", "--mount", "-n", TRUE));
        namespacedTrue = discard(new NamespacedProcessBuilder(TRUE));
        namespacedUtsIpcPidMnt = discard(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT));
        namespacedUser = discard(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.USER, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT)
                .mapRootToCurrentUser());
        namespacedNet = discard(new NamespacedProcessBuilder(TRUE)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.NETWORK));
    }

    private static ProcessBuilder discard(ProcessBuilder pb) {
        return pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    }

    private static NamespacedProcessBuilder discard(NamespacedProcessBuilder pb) {
        return pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    }

    private static void check(Process p, Object what) throws InterruptedException {
        int exit = p.waitFor();
        if (exit != 0) throw new IllegalStateException(what + " exited with " + exit);
    }

    @Benchmark
    public void processBuilder() throws IOException, InterruptedException {
        check(processBuilder.start(), processBuilder.command());
    }

    @Benchmark
    @Versus("processBuilder")
    public void unshareUtsIpcPidMnt() throws IOException, InterruptedException {
        check(unshareUtsIpcPidMnt.start(), unshareUtsIpcPidMnt.command());
    }

    @Benchmark
    @Versus("processBuilder")
    public void unshareUser() throws IOException, InterruptedException {
        check(unshareUser.start(), unshareUser.command());
    }

    @Benchmark
    @Versus("processBuilder")
    public void unshareNet() throws IOException, InterruptedException {
        check(unshareNet.start(), unshareNet.command());
    }

    @Benchmark
    @Versus("processBuilder")
    public void namespacedTrue() throws IOException, InterruptedException {
        check(namespacedTrue.start(), namespacedTrue.command());
    }

    @Benchmark
    @Versus({"unshareUtsIpcPidMnt", "processBuilder"})
    public void namespacedUtsIpcPidMnt() throws IOException, InterruptedException {
        check(namespacedUtsIpcPidMnt.start(), namespacedUtsIpcPidMnt.command());
    }

    @Benchmark
    @Versus({"unshareUser", "processBuilder"})
    public void namespacedUser() throws IOException, InterruptedException {
        check(namespacedUser.start(), namespacedUser.command());
    }

    @Benchmark
    @Versus({"unshareNet", "processBuilder"})
    public void namespacedNet() throws IOException, InterruptedException {
        check(namespacedNet.start(), namespacedNet.command());
    }
}
