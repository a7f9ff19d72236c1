package io.linuxns.bench.floor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The floor of {@code linuxns unshare -u true} on the FFM API: the fewest steps a JVM can take
 * to run {@code /bin/true} in a new UTS namespace and wait for it, written by hand with nothing
 * of the library's. {@code unshare(CLONE_NEWUTS)} on the main thread (this process does nothing
 * else, so the thread may stay there), glibc's {@code posix_spawn(3)} of {@code /bin/true} with
 * this JVM's environment, which inherits the thread's namespaces, then {@code wait4(2)}.
 *
 * <p>One downcall shape, as the library has: {@code syscall(3)} and {@code posix_spawn(3)} are
 * both linked as functions of seven longs returning a long, so that the second link is the
 * linker's cached stub (posix_spawn's six pointers go in the same registers, it never reads the
 * seventh, and its {@code int} result is the low half of the register). Native memory is
 * written and read by bulk copies from Java arrays, not through var handles, whose forms a fresh
 * JVM spins at run time. Not a way to spawn from a JVM that runs anything else: the main thread
 * is left in the new namespace. Exits 1 if a call fails or {@code true} does not exit 0.
 */
public final class FfmUnshareTrue {
    private FfmUnshareTrue() {}

    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    private static final long SYS_UNSHARE = AARCH64 ? 97 : 272;
    private static final long SYS_WAIT4 = AARCH64 ? 260 : 61;
    private static final long CLONE_NEWUTS = 0x04000000L;

    /**
     * Unshares, spawns, waits.
     *
     * @param args none
     * @throws Throwable what a call throws (nothing, unless the linker refuses)
     */
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        FunctionDescriptor shape = FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        MethodHandle syscall = linker.downcallHandle(libc.find("syscall").orElseThrow(), shape);
        MethodHandle posixSpawn = linker.downcallHandle(libc.find("posix_spawn").orElseThrow(), shape);
        long[] environ = new long[1];
        MemorySegment.copy(libc.find("environ").orElseThrow().reinterpret(8), JAVA_LONG, 0, environ, 0, 1);
        try (Arena arena = Arena.ofConfined()) {
            byte[] path = "/bin/true".getBytes(StandardCharsets.US_ASCII);
            MemorySegment file = arena.allocate(path.length + 1);
            MemorySegment.copy(path, 0, file, JAVA_BYTE, 0, path.length);
            MemorySegment argv = arena.allocate(16, 8);
            MemorySegment.copy(new long[] {file.address(), 0}, 0, argv, JAVA_LONG, 0, 2);
            MemorySegment pid = arena.allocate(8, 8);
            if ((long) syscall.invokeExact(SYS_UNSHARE, CLONE_NEWUTS, 0L, 0L, 0L, 0L, 0L) != 0) System.exit(1);
            int error = (int) (long) posixSpawn.invokeExact(pid.address(), file.address(), 0L, 0L, argv.address(), environ[0], 0L);
            if (error != 0) System.exit(1);
            int[] out = new int[1];
            MemorySegment.copy(pid, JAVA_INT, 0, out, 0, 1);
            long child = out[0];
            if ((long) syscall.invokeExact(SYS_WAIT4, child, pid.address(), 0L, 0L, 0L, 0L) != child) System.exit(1);
            MemorySegment.copy(pid, JAVA_INT, 0, out, 0, 1);
            if (out[0] != 0) System.exit(1);
        }
    }
}
