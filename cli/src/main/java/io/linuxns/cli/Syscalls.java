package io.linuxns.cli;

import io.linuxns.bindings.LinuxNs;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The command's own few system calls ({@code fcntl}, {@code ioctl}, {@code rt_sigaction}, ...)
 * through glibc's {@code syscall(3)} with the very descriptor and (no) options of the library's
 * system-call shape ({@code io.linuxns.internal.Native}, not exported; it links {@code syscall(3)}
 * so to map its raw system call): the linker keeps one stub per shape, so the command adds no
 * downcall shape of its own, each of which costs milliseconds in a fresh JVM. The command reads
 * no errno of these, so it needs no errno capture, which would be a shape of its own.
 */
final class Syscalls {
    private Syscalls() {}

    private static final class Handle {
        static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(LinuxNs.syscall.address(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    }

    /** {@return syscall(3)'s result for system call {@code nr} with up to four arguments: -1 on failure (errno not kept)} */
    static long call(long nr, long a, long b, long c, long d) {
        try {
            return (long) Handle.SYSCALL.invokeExact(nr, a, b, c, d, 0L, 0L);
        } catch (Throwable t) {
            if (t instanceof Error e) throw e;
            throw new IllegalStateException("syscall(" + nr + ") failed", t);
        }
    }
}
