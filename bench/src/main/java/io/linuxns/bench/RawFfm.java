package io.linuxns.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The smallest FFM downcalls one could write by hand: one {@code static final} handle per libc
 * function from {@link Linker#defaultLookup()}, invoked with {@code invokeExact}, with no errno
 * capture, no checks and no exceptions. This is the floor the library's syscall layer
 * ({@code io.linuxns.internal.Native}) is measured against, so that its own overhead
 * (errno capture, the thread-local capture buffer, result checks) shows as a ratio.
 *
 * <p>Also one getpid handle <em>with</em> errno capture, to separate the cost of the capture
 * itself from the cost of the library's code around it.
 */
public final class RawFfm {
    private RawFfm() {}

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle libc(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment address = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
        return LINKER.downcallHandle(address, fd, options);
    }

    private static final MethodHandle SETNS = libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = libc("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPID = libc("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle FCHDIR = libc("fchdir", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FSTAT = libc("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MOUNT = libc("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    /** {@code open(path, flags, ...)}: variadic mode, as the ABI requires for the third argument. */
    private static final MethodHandle OPEN = libc("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** {@code ioctl(fd, request, ...)} with an integer argument. */
    private static final MethodHandle IOCTL = libc("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    /** {@code syscall(nr, a, b)}, for pidfd_open which glibc 2.36 wraps but older ones do not. */
    private static final MethodHandle SYSCALL2 = libc("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle GETPID_CAPTURE = libc("getpid", FunctionDescriptor.of(JAVA_INT),
            Linker.Option.captureCallState("errno"));

    /** {@return a buffer for {@link #getpidCapture(MemorySegment)}'s call state} */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(STATE);
    }

    /** {@return the errno captured in {@code state}} */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    public static int setns(int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(fd, nstype);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int unshare(int flags) {
        try {
            return (int) UNSHARE.invokeExact(flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getpidCapture(MemorySegment state) {
        try {
            return (int) GETPID_CAPTURE.invokeExact(state);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fchdir(int fd) {
        try {
            return (int) FCHDIR.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code fstat(2)} into {@code statBuf} (at least {@code sizeof(struct stat)} bytes). */
    public static int fstat(int fd, MemorySegment statBuf) {
        try {
            return (int) FSTAT.invokeExact(fd, statBuf);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int open(MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(path, flags, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int ioctl(int fd, long request, long arg) {
        try {
            return (int) IOCTL.invokeExact(fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int mount(MemorySegment source, MemorySegment target, MemorySegment fstype, long flags, MemorySegment data) {
        try {
            return (int) MOUNT.invokeExact(source, target, fstype, flags, data);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int pidfdOpen(long pid, int sysPidfdOpen) {
        try {
            return (int) (long) SYSCALL2.invokeExact((long) sysPidfdOpen, pid, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
