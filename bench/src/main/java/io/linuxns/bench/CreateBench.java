package io.linuxns.bench;

import io.linuxns.NamespaceException;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.bindings.LinuxNs;
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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Creating a namespace of one thread-scoped type and throwing it away: a
 * {@link NamespaceExecutor#unshare(java.util.Set)} that is closed at once (a new platform thread
 * created via the library's origin thread, {@code unshare(2)}, for MOUNT a recursive
 * {@code MS_PRIVATE} remount of {@code /}, then the thread ends and the namespace with it);
 * against a bare platform thread making the same calls through raw FFM and through JNA; against
 * C ({@link CLimits}: {@code pthread_create}, the same calls, {@code pthread_join}); and
 * against {@code ProcessBuilder} running util-linux {@code unshare --TYPE true}.
 *
 * <p>The namespace syscalls run only on the new threads; JMH's thread never changes namespace.
 * A NETWORK namespace is torn down asynchronously by the kernel, so its figure includes some
 * of that work done by kernel threads in the background.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class CreateBench {
    @Param({"UTS", "IPC", "NETWORK", "MOUNT", "CGROUP"})
    public NamespaceType type;

    private EnumSet<NamespaceType> types;
    private int flag;
    private ProcessBuilder unshareCommand;
    private final Arena arena = Arena.ofShared();
    private MemorySegment slash;

    @Setup(Level.Trial)
    public void setup() {
        types = EnumSet.of(type);
        flag = type.cloneFlag();
        String option = switch (type) {
            case UTS -> "--uts";
            case IPC -> "--ipc";
            case NETWORK -> "--net";
            case MOUNT -> "--mount";
            case CGROUP -> "--cgroup";
            default -> throw new IllegalArgumentException(type + " is not thread-scoped");
        };
        unshareCommand = new ProcessBuilder("unshare", option, "true")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        slash = arena.allocateFrom("/");
        Jna.Direct.getpid();
        CLimits.load();
    }

    @Benchmark
    @Versus({"c", "rawFfmThread", "jnaThread", "unshareCommand"})
    public void executor() throws NamespaceException {
        NamespaceExecutor.unshare(types).close();
    }

    @Benchmark
    public void c() {
        CLimits.unshareOnThread(flag);
    }

    @Benchmark
    @Versus("c")
    public void rawFfmThread() throws InterruptedException {
        onNewThread(() -> {
            int r = RawFfm.unshare(flag);
            if (r == 0 && type == NamespaceType.MOUNT) {
                // As the library and unshare(1) do: mounts made inside must not propagate out.
                r = RawFfm.mount(MemorySegment.NULL, slash, MemorySegment.NULL,
                        LinuxNs.MS_REC() | LinuxNs.MS_PRIVATE(), MemorySegment.NULL);
            }
            return r;
        });
    }

    @Benchmark
    @Versus("rawFfmThread")
    public void jnaThread() throws InterruptedException {
        onNewThread(() -> {
            int r = Jna.Direct.unshare(flag);
            if (r == 0 && type == NamespaceType.MOUNT) {
                r = Jna.Direct.mount(null, "/", null, LinuxNs.MS_REC() | LinuxNs.MS_PRIVATE(), null);
            }
            return r;
        });
    }

    @Benchmark
    @Versus("c")
    public void unshareCommand() throws IOException, InterruptedException {
        int exit = unshareCommand.start().waitFor();
        if (exit != 0) throw new IllegalStateException(unshareCommand.command() + " exited with " + exit);
    }

    /** Runs {@code body} on a new platform thread that ends with it, and fails if it returned non-zero. */
    private static void onNewThread(IntSupplier body) throws InterruptedException {
        int[] result = {-1};
        Thread t = Thread.ofPlatform().start(() -> result[0] = body.getAsInt());
        t.join();
        if (result[0] != 0) throw new IllegalStateException("unshare on a new thread failed: " + result[0]);
    }
}
