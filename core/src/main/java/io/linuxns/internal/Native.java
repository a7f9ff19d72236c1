package io.linuxns.internal;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc and system calls linuxns makes, with errno captured by the linker.
 *
 * <p>Every handle is built from the generated binding's symbol address and descriptor plus
 * {@code Linker.Option.captureCallState("errno")}: jextract does not generate errno capture,
 * and reading {@code errno} after the call could see a value the JVM wrote in between.
 * Each method returns the call's result or throws {@link NamespaceException} naming the call,
 * its arguments and the errno. Methods named {@code raw…} return {@code -errno} instead, for
 * callers that handle some errors themselves.
 *
 * <p>None of these may be called from a thread that the library does not own when the call
 * changes the thread's namespaces (docs/design.md §2–3); that rule is kept by the callers.
 */
public final class Native {
    private Native() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    /** One capture buffer per thread, so that hot calls allocate nothing. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));

    /**
     * A downcall handle with errno capture. A failure to make it (a descriptor the linker refuses,
     * native access denied) is a {@link LinkageError} naming the function, so that it reaches the
     * caller as it is, not wrapped, also when it happens in a holder class's initialiser.
     */
    static MethodHandle downcall(String name, MemorySegment address, FunctionDescriptor descriptor,
                                 Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE;
        System.arraycopy(options, 0, all, 1, options.length);
        try {
            return LINKER.downcallHandle(address, descriptor, all);
        } catch (RuntimeException e) {
            throw linkFailure(name, e);
        }
    }

    static MethodHandle downcall(String name, MemorySegment address, FunctionDescriptor descriptor) {
        return downcall(name, address, descriptor, new Linker.Option[0]);
    }

    /** {@link #downcall} for a variadic function whose variadic arguments start at {@code firstVariadic}. */
    static MethodHandle variadic(String name, MemorySegment address, FunctionDescriptor descriptor, int firstVariadic) {
        return downcall(name, address, descriptor, Linker.Option.firstVariadicArg(firstVariadic));
    }

    static LinkageError linkFailure(String name, Throwable cause) {
        LinkageError e = new LinkageError("linuxns: cannot make the downcall handle for " + name + ": " + cause);
        e.initCause(cause);
        return e;
    }

    // One holder class per function, as jextract does: a handle is made on the first call of its
    // function, not all when Native is first used (each costs milliseconds in a fresh JVM, and a
    // short-lived program such as the command needs a few of them). Each stays a static final,
    // which the JIT folds like any constant. A missing symbol is the binding's UnsatisfiedLinkError
    // ("unresolved symbol: NAME"), thrown by the first call of that function.
    private static final class Unshare { static final MethodHandle H = downcall("unshare", LinuxNs.unshare$address(), LinuxNs.unshare$descriptor()); }
    private static final class Setns { static final MethodHandle H = downcall("setns", LinuxNs.setns$address(), LinuxNs.setns$descriptor()); }
    private static final class Close { static final MethodHandle H = downcall("close", LinuxNs.close$address(), LinuxNs.close$descriptor()); }
    private static final class Read { static final MethodHandle H = downcall("read", LinuxNs.read$address(), LinuxNs.read$descriptor()); }
    private static final class Write { static final MethodHandle H = downcall("write", LinuxNs.write$address(), LinuxNs.write$descriptor()); }
    private static final class Pipe2 { static final MethodHandle H = downcall("pipe2", LinuxNs.pipe2$address(), LinuxNs.pipe2$descriptor()); }
    private static final class Mount { static final MethodHandle H = downcall("mount", LinuxNs.mount$address(), LinuxNs.mount$descriptor()); }
    private static final class Umount2 { static final MethodHandle H = downcall("umount2", LinuxNs.umount2$address(), LinuxNs.umount2$descriptor()); }
    private static final class Sethostname { static final MethodHandle H = downcall("sethostname", LinuxNs.sethostname$address(), LinuxNs.sethostname$descriptor()); }
    private static final class Gettid { static final MethodHandle H = downcall("gettid", LinuxNs.gettid$address(), LinuxNs.gettid$descriptor()); }
    private static final class Getuid { static final MethodHandle H = downcall("getuid", LinuxNs.getuid$address(), LinuxNs.getuid$descriptor()); }
    private static final class Getgid { static final MethodHandle H = downcall("getgid", LinuxNs.getgid$address(), LinuxNs.getgid$descriptor()); }
    private static final class Geteuid { static final MethodHandle H = downcall("geteuid", LinuxNs.geteuid$address(), LinuxNs.geteuid$descriptor()); }
    private static final class Fstat { static final MethodHandle H = downcall("fstat", LinuxNs.fstat$address(), LinuxNs.fstat$descriptor()); }
    private static final class Poll { static final MethodHandle H = downcall("poll", LinuxNs.poll$address(), LinuxNs.poll$descriptor()); }
    private static final class Waitid { static final MethodHandle H = downcall("waitid", LinuxNs.waitid$address(), LinuxNs.waitid$descriptor()); }
    private static final class Mmap { static final MethodHandle H = downcall("mmap", LinuxNs.mmap$address(), LinuxNs.mmap$descriptor()); }
    private static final class Munmap { static final MethodHandle H = downcall("munmap", LinuxNs.munmap$address(), LinuxNs.munmap$descriptor()); }
    private static final class Mprotect { static final MethodHandle H = downcall("mprotect", LinuxNs.mprotect$address(), LinuxNs.mprotect$descriptor()); }
    private static final class PthreadSigmask { static final MethodHandle H = downcall("pthread_sigmask", LinuxNs.pthread_sigmask$address(), LinuxNs.pthread_sigmask$descriptor()); }
    /** Without errno capture: strerror(3) sets none. */
    private static final class Strerror {
        static final MethodHandle H;
        static {
            try {
                H = LINKER.downcallHandle(LinuxNs.strerror$address(), LinuxNs.strerror$descriptor());
            } catch (RuntimeException e) {
                throw linkFailure("strerror", e);
            }
        }
    }
    /** {@code int open(const char *path, int flags, ... mode)}. */
    private static final class Open { static final MethodHandle H = variadic("open", LinuxNs.open.address(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2); }
    /** {@code int ioctl(int fd, unsigned long request, ... arg)}, with an integer argument. */
    private static final class Ioctl { static final MethodHandle H = variadic("ioctl", LinuxNs.ioctl.address(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2); }
    /** {@code int ioctl(int fd, unsigned long request, ... arg)}, with a pointer argument. */
    private static final class IoctlPtr { static final MethodHandle H = variadic("ioctl", LinuxNs.ioctl.address(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2); }
    /** {@code int fcntl(int fd, int cmd, ... int arg)}. */
    private static final class Fcntl { static final MethodHandle H = variadic("fcntl", LinuxNs.fcntl.address(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2); }
    /** {@code long syscall(long nr, ...)} with two integer arguments. */
    private static final class Syscall2 { static final MethodHandle H = variadic("syscall", LinuxNs.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1); }
    /** {@code long syscall(long nr, ...)} with four integer arguments. */
    private static final class Syscall4 { static final MethodHandle H = variadic("syscall", LinuxNs.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1); }

    public static MemorySegment callState() {
        return CALL_STATE.get();
    }

    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Wraps what a downcall can throw besides its result: only linkage or JVM errors. */
    static AssertionError unexpected(Throwable t) {
        if (t instanceof Error e) throw e;
        if (t instanceof RuntimeException r) throw r;
        return new AssertionError("downcall failed", t);
    }

    private static NamespaceException fail(String call, MemorySegment st) {
        return new NamespaceException(call, errno(st), null);
    }

    /** {@code strerror(3)}; the glibc table of messages is static, so the pointer stays valid. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- namespaces -------------------------------------------------------------------------

    /** {@code unshare(2)}; returns 0 or {@code -errno}. */
    public static int rawUnshare(int flags) {
        MemorySegment st = callState();
        try {
            int r = (int) Unshare.H.invokeExact(st, flags);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code unshare(2)}. */
    public static void unshare(int flags) throws NamespaceException {
        int r = rawUnshare(flags);
        if (r < 0) throw new NamespaceException("unshare(" + Flags.clone(flags) + ")", -r, null);
    }

    /** {@code setns(2)}; returns 0 or {@code -errno}. */
    public static int rawSetns(int fd, int nstype) {
        MemorySegment st = callState();
        try {
            int r = (int) Setns.H.invokeExact(st, fd, nstype);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code setns(2)}. */
    public static void setns(int fd, int nstype) throws NamespaceException {
        int r = rawSetns(fd, nstype);
        if (r < 0) throw new NamespaceException("setns(fd=" + fd + ", " + Flags.clone(nstype) + ")", -r, null);
    }

    /** {@code pidfd_open(2)}, with O_CLOEXEC set by the kernel. */
    public static int pidfdOpen(long pid) throws NamespaceException {
        MemorySegment st = callState();
        long r;
        try {
            r = (long) Syscall2.H.invokeExact(st, (long) LinuxNs.SYS_pidfd_open(), pid, 0L);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            int e = errno(st);
            throw new NamespaceException("pidfd_open(pid=" + pid + ")", e,
                    e == Errno.ESRCH ? "there is no process with pid " + pid : null);
        }
        return (int) r;
    }

    /** {@code pidfd_send_signal(2)}; returns 0 or {@code -errno}. */
    public static int rawPidfdSendSignal(int pidfd, int signal) {
        MemorySegment st = callState();
        try {
            long r = (long) Syscall4.H.invokeExact(st, (long) LinuxNs.SYS_pidfd_send_signal(), (long) pidfd, (long) signal, 0L, 0L);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code syscall(nr, a, b, c, d)} for calls without a wrapper here; returns the result or {@code -errno}. */
    public static long rawSyscall4(long nr, long a, long b, long c, long d) {
        MemorySegment st = callState();
        try {
            long r = (long) Syscall4.H.invokeExact(st, nr, a, b, c, d);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ioctl(2)} with an integer argument; returns the result or {@code -errno}. */
    public static int rawIoctl(int fd, long request, long arg) {
        MemorySegment st = callState();
        try {
            int r = (int) Ioctl.H.invokeExact(st, fd, request, arg);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ioctl(2)} with a pointer argument; returns the result or {@code -errno}. */
    public static int rawIoctl(int fd, long request, MemorySegment arg) {
        MemorySegment st = callState();
        try {
            int r = (int) IoctlPtr.H.invokeExact(st, fd, request, arg);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- files ------------------------------------------------------------------------------

    /** {@code open(2)}; returns the fd or {@code -errno}. */
    public static int rawOpen(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = callState();
            int r = (int) Open.H.invokeExact(st, arena.allocateFrom(path), flags, mode);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code open(2)}. */
    public static int open(String path, int flags, int mode) throws NamespaceException {
        int r = rawOpen(path, flags, mode);
        if (r < 0) throw new NamespaceException("open(\"" + path + "\", " + Flags.open(flags) + ")", -r, null);
        return r;
    }

    /** {@code close(2)}; EINTR still closes on Linux, so nothing is retried. */
    public static int close(int fd) {
        MemorySegment st = callState();
        try {
            int r = (int) Close.H.invokeExact(st, fd);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code read(2)}; returns the count or {@code -errno}. */
    public static long rawRead(int fd, MemorySegment buf, long count) {
        MemorySegment st = callState();
        try {
            long r = (long) Read.H.invokeExact(st, fd, buf, count);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code write(2)}; returns the count or {@code -errno}. */
    public static long rawWrite(int fd, MemorySegment buf, long count) {
        MemorySegment st = callState();
        try {
            long r = (long) Write.H.invokeExact(st, fd, buf, count);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pipe2(2)} with O_CLOEXEC; returns {read end, write end}. */
    public static int[] pipe() throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            return pipe(arena);
        }
    }

    /** {@code pipe2(2)} with O_CLOEXEC, its buffer from {@code scratch}; returns {read end, write end}. */
    public static int[] pipe(SegmentAllocator scratch) throws NamespaceException {
        return pipe(scratch, LinuxNs.O_CLOEXEC());
    }

    /** {@code pipe2(2)} with {@code flags} (O_CLOEXEC, O_NONBLOCK), its buffer from {@code scratch}; returns {read end, write end}. */
    public static int[] pipe(SegmentAllocator scratch, int flags) throws NamespaceException {
        MemorySegment fds = scratch.allocate(JAVA_INT, 2);
        MemorySegment st = callState();
        int r;
        try {
            r = (int) Pipe2.H.invokeExact(st, fds, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r != 0) throw fail("pipe2(" + Flags.open(flags) + ")", st);
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a close-on-exec copy of {@code fd} numbered {@code min} or above. */
    public static int dupCloexecAtLeast(int fd, int min) throws NamespaceException {
        MemorySegment st = callState();
        int r;
        try {
            r = (int) Fcntl.H.invokeExact(st, fd, LinuxNs.F_DUPFD_CLOEXEC(), min);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) throw fail("fcntl(" + fd + ", F_DUPFD_CLOEXEC, " + min + ")", st);
        return r;
    }

    /** {@code fstat(2)}; returns {st_dev, st_ino}. */
    public static long[] devIno(int fd) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            return devIno(fd, arena);
        }
    }

    /** {@code fstat(2)} into a buffer from {@code scratch}; returns {st_dev, st_ino}. */
    public static long[] devIno(int fd, SegmentAllocator scratch) throws NamespaceException {
        MemorySegment buf = scratch.allocate(io.linuxns.bindings.stat.layout());
        MemorySegment st = callState();
        int r;
        try {
            r = (int) Fstat.H.invokeExact(st, fd, buf);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r != 0) throw fail("fstat(fd=" + fd + ")", st);
        return new long[] {io.linuxns.bindings.stat.st_dev(buf), io.linuxns.bindings.stat.st_ino(buf)};
    }

    // ---- mounts and names -------------------------------------------------------------------

    /** {@code mount(2)}; any string may be {@code null}. Returns 0 or {@code -errno}. */
    public static int rawMount(String source, String target, String fstype, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = callState();
            int r = (int) Mount.H.invokeExact(st, str(arena, source), str(arena, target), str(arena, fstype), flags, str(arena, data));
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mount(2)}. */
    public static void mount(String source, String target, String fstype, long flags, String data) throws NamespaceException {
        int r = rawMount(source, target, fstype, flags, data);
        if (r < 0) {
            throw new NamespaceException("mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype) + ", "
                    + Flags.mount(flags) + ")", -r, null);
        }
    }

    /** {@code umount2(2)}; returns 0 or {@code -errno}. */
    public static int rawUmount2(String target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = callState();
            int r = (int) Umount2.H.invokeExact(st, arena.allocateFrom(target), flags);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code sethostname(2)} in the calling thread's UTS namespace. */
    public static void sethostname(String name) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(name);
            MemorySegment st = callState();
            int r = (int) Sethostname.H.invokeExact(st, s, s.byteSize() - 1);
            if (r != 0) throw fail("sethostname(\"" + name + "\")", st);
        } catch (NamespaceException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code gettid(2)}. */
    public static int gettid() {
        try {
            return (int) Gettid.H.invokeExact(callState());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getuid(2)}: the real uid of the process. */
    public static int getuid() {
        try {
            return (int) Getuid.H.invokeExact(callState());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code geteuid(2)}: the effective uid of the process. */
    public static int geteuid() {
        try {
            return (int) Geteuid.H.invokeExact(callState());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getgid(2)}: the real gid of the process. */
    public static int getgid() {
        try {
            return (int) Getgid.H.invokeExact(callState());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- processes and memory ---------------------------------------------------------------

    /** {@code poll(2)} on one fd; returns the revents, 0 on timeout, or {@code -errno}. */
    public static int rawPoll(MemorySegment pollfd, int timeoutMillis) {
        MemorySegment st = callState();
        try {
            int r = (int) Poll.H.invokeExact(st, pollfd, 1L, timeoutMillis);
            if (r < 0) return -errno(st);
            return r == 0 ? 0 : io.linuxns.bindings.pollfd.revents(pollfd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code poll(2)} on {@code count} pollfds; returns the number ready, 0 on timeout, or {@code -errno}. */
    public static int rawPoll(MemorySegment pollfds, int count, int timeoutMillis) {
        MemorySegment st = callState();
        try {
            int r = (int) Poll.H.invokeExact(st, pollfds, (long) count, timeoutMillis);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code waitid(2)}; returns 0 or {@code -errno}. */
    public static int rawWaitid(int idtype, int id, MemorySegment siginfo, int options) {
        MemorySegment st = callState();
        try {
            int r = (int) Waitid.H.invokeExact(st, idtype, id, siginfo, options);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mmap(2)} of anonymous private memory. */
    public static MemorySegment mmapAnonymous(long size, int prot, int extraFlags) throws NamespaceException {
        return mmapAnonymous(0, size, prot, extraFlags);
    }

    /** {@code mmap(2)} of anonymous private memory near {@code hint} (a hint only: the kernel may choose elsewhere). */
    public static MemorySegment mmapAnonymous(long hint, long size, int prot, int extraFlags) throws NamespaceException {
        MemorySegment st = callState();
        MemorySegment r;
        try {
            r = (MemorySegment) Mmap.H.invokeExact(st, MemorySegment.ofAddress(hint), size, prot,
                    LinuxNs.MAP_PRIVATE() | LinuxNs.MAP_ANONYMOUS() | extraFlags, -1, 0L);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r.address() == -1L) throw fail("mmap(size=" + size + ")", st);
        return r.reinterpret(size);
    }

    /** {@code munmap(2)}. */
    public static void munmap(MemorySegment segment) {
        try {
            int r = (int) Munmap.H.invokeExact(callState(), segment, segment.byteSize());
            if (r != 0) throw new AssertionError("munmap failed: " + segment);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mprotect(2)}. */
    public static void mprotect(MemorySegment segment, int prot) throws NamespaceException {
        MemorySegment st = callState();
        int r;
        try {
            r = (int) Mprotect.H.invokeExact(st, segment, segment.byteSize(), prot);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r != 0) throw fail("mprotect(size=" + segment.byteSize() + ", prot=" + prot + ")", st);
    }

    /** {@code pthread_sigmask(3)}; returns 0 or the error number. */
    public static int pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        try {
            return (int) PthreadSigmask.H.invokeExact(callState(), how, set, old);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static MemorySegment str(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    private static String quote(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }
}
