package io.linuxns.bench;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.bindings.stat;
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
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Getting a namespace handle (and closing it): {@link Namespace#open(Path)}, which asks the
 * kernel for the type ({@code open}, {@code ioctl(NS_GET_NSTYPE)}, {@code fstat}, {@code close}),
 * against {@link Namespace#ofProcess(long, NamespaceType)}, which knows it ({@code open},
 * {@code fstat}, {@code close}), each against the same syscalls through raw FFM handles with the
 * path prepared once. No thread changes namespace here.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class OpenBench {
    private final Arena arena = Arena.ofShared();
    private long pid;
    private Path path;
    private MemorySegment cPath;
    private MemorySegment statBuf;
    private final int flags = LinuxNs.O_RDONLY() | LinuxNs.O_CLOEXEC();

    @Setup(Level.Trial)
    public void setup() {
        pid = ProcessHandle.current().pid();
        path = Path.of("/proc/" + pid + "/ns/net");
        cPath = arena.allocateFrom(path.toString());
        statBuf = arena.allocate(stat.layout());
    }

    @TearDown(Level.Trial)
    public void close() {
        arena.close();
    }

    @Benchmark
    @Versus({"rawFfmOpenIoctlFstat", "namespaceOfProcess"})
    public long namespaceOpen() throws NamespaceException {
        try (Namespace ns = Namespace.open(path)) {
            return ns.inode();
        }
    }

    @Benchmark
    @Versus("rawFfmOpenFstat")
    public long namespaceOfProcess() throws NamespaceException {
        try (Namespace ns = Namespace.ofProcess(pid, NamespaceType.NETWORK)) {
            return ns.inode();
        }
    }

    @Benchmark
    public long rawFfmOpenIoctlFstat() {
        int fd = RawFfm.open(cPath, flags);
        if (fd < 0) throw new IllegalStateException("open failed");
        try {
            if (RawFfm.ioctl(fd, LinuxNs.NS_GET_NSTYPE(), 0L) != LinuxNs.CLONE_NEWNET()) throw new IllegalStateException("NS_GET_NSTYPE");
            if (RawFfm.fstat(fd, statBuf) != 0) throw new IllegalStateException("fstat failed");
            return stat.st_ino(statBuf);
        } finally {
            RawFfm.close(fd);
        }
    }

    @Benchmark
    public long rawFfmOpenFstat() {
        int fd = RawFfm.open(cPath, flags);
        if (fd < 0) throw new IllegalStateException("open failed");
        try {
            if (RawFfm.fstat(fd, statBuf) != 0) throw new IllegalStateException("fstat failed");
            return stat.st_ino(statBuf);
        } finally {
            RawFfm.close(fd);
        }
    }
}
