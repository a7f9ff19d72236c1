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
import java.lang.ref.Reference;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The libc and system calls linuxns makes, with the errno of each failure.
 *
 * <p>Every system call goes through one downcall handle: {@link RawSyscall}'s machine code,
 * which returns the kernel's {@code -errno} itself, or where there is none glibc's
 * {@code syscall(3)} at the generated binding's symbol address made with
 * {@code Linker.Option.captureCallState("errno")} (reading {@code errno} after the call could
 * see a value the JVM wrote in between). The other libc functions linked here capture errno so.
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

    /**
     * errno capture, for the downcalls that are not system calls through {@link Syscall} (and for
     * those where there is no {@link RawSyscall}); a holder of its own, so that a run that makes
     * only system calls never sets it up.
     */
    private static final class Capture {
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        // A plain offset read, not STATE.varHandle(...) nor byteOffset(path): layout paths spin
        // method-handle forms at run time, milliseconds of a fresh JVM's first system call (docs/spawn.md).
        static final long ERRNO_OFFSET = errnoOffset();
        static final Linker.Option OPTION = Linker.Option.captureCallState("errno");
        /** One capture buffer per thread, so that hot calls allocate nothing. */
        static final ThreadLocal<MemorySegment> CALL_STATE =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));
    }

    /**
     * A downcall handle with errno capture. A failure to make it (a descriptor the linker refuses,
     * native access denied) is a {@link LinkageError} naming the function, so that it reaches the
     * caller as it is, not wrapped, also when it happens in a holder class's initialiser.
     */
    static MethodHandle downcall(String name, MemorySegment address, FunctionDescriptor descriptor,
                                 Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = Capture.OPTION;
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

    // One downcall shape for every system call: the number and six integer arguments (pointers
    // passed as their addresses) and a long result. In a fresh JVM each distinct FunctionDescriptor
    // (with its linker options) costs milliseconds: the linker spins a stub class and its
    // method-handle forms, interpreted, and the AOT cache does not keep them. With one shape the
    // first call pays that once, and any other handle of that shape (the CLI makes one) is the
    // linker's cached stub (docs/spawn.md, "The first spawn in a fresh JVM"); an argument register
    // more or less costs nothing at run time. The handle is a static final, which the JIT folds
    // like any constant.
    //
    // The calls go to RawSyscall's few bytes of machine code, which return what the kernel
    // returns (-errno on failure), so the shape needs no errno capture: that option alone costs
    // the first link about 10 ms. glibc's syscall(3), linked with the same shape and no options,
    // maps that code; where there is none (another architecture, or the page could not be
    // mapped) the calls go to syscall(3) with errno capture instead (CapturedSyscall).
    //
    // syscall(3) is linked as a function of seven longs, not as the variadic function C
    // declares: glibc's syscall() is an assembler routine (x86_64 and aarch64 alike) that reads
    // the six argument registers (the sixth from the stack on x86_64) and nothing else, and a
    // variadic call passes these integers in the same places; what differs is %al, the count of
    // vector registers a variadic x86_64 callee may spill, which this one never reads. The
    // linker's variadic path spins four bound-method-handle species and five forms more at the
    // first call (a fresh JVM's CLI run: 24 ms of CPU, 10 ms wall).
    //
    // A pointer argument is the address of a segment that the caller keeps alive across the
    // call: one from a confined arena of the calling thread, the global arena or an mmap; the
    // methods here that take a MemorySegment fence it (Reference.reachabilityFence) for the
    // automatic ones.
    private static final FunctionDescriptor SYSCALL_SHAPE = FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    private static final class Syscall {
        /** RawSyscall's code: the result or -errno; {@code null} where there is none. */
        static final MethodHandle RAW;
        static {
            MethodHandle libc;
            try {
                libc = LINKER.downcallHandle(LinuxNs.syscall.address(), SYSCALL_SHAPE);
            } catch (RuntimeException e) {
                throw linkFailure("syscall", e);
            }
            RAW = RawSyscall.link(LINKER, SYSCALL_SHAPE, libc);
        }
    }

    /** glibc's syscall(3) with errno capture: where {@link Syscall#RAW} is {@code null}. */
    private static final class CapturedSyscall {
        static final MethodHandle H = downcall("syscall", LinuxNs.syscall.address(), SYSCALL_SHAPE);
    }

    /** Without errno capture: strerror(3) sets none. Only error messages call it. */
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

    /** glibc's SIGCANCEL and SIGSETXID, which its pthread_sigmask(3) never blocks (bits 31 and 32 of the mask). */
    private static final long GLIBC_INTERNAL_SIGNALS = (1L << (32 - 1)) | (1L << (33 - 1));
    /**
     * The kernel's sigset_t: 64 signals, 8 bytes (what glibc passes to rt_sigprocmask), all that
     * {@link #pthreadSigmask} reads and writes of a mask.
     */
    public static final long KERNEL_SIGSET_SIZE = 8;
    /** Per thread: a copy of a signal mask without glibc's internal signals. */
    private static final ThreadLocal<MemorySegment> MASK_COPY =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(KERNEL_SIGSET_SIZE, 8));

    /**
     * {@code syscall(nr, a, b, c, d, e, f)}: the result, or {@code -errno}. The kernel ignores
     * the arguments a call does not take (glibc loads all six registers in any case).
     */
    public static long rawSyscall(long nr, long a, long b, long c, long d, long e, long f) {
        MethodHandle raw = Syscall.RAW;
        if (raw == null) return capturedSyscall(nr, a, b, c, d, e, f);
        try {
            return (long) raw.invokeExact(nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@link #rawSyscall} through glibc's syscall(3), errno read from the capture state. */
    static long capturedSyscall(long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment st = callState();
        try {
            long r = (long) CapturedSyscall.H.invokeExact(st, nr, a, b, c, d, e, f);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The address of a native segment, for a pointer argument; a heap segment has none. */
    private static long addr(MemorySegment s) {
        if (!s.isNative()) throw new IllegalArgumentException("a system call needs native memory, not " + s);
        return s.address();
    }

    private static long sys(int nr, long a) {
        return rawSyscall(nr, a, 0, 0, 0, 0, 0);
    }

    private static long sys(int nr, long a, long b) {
        return rawSyscall(nr, a, b, 0, 0, 0, 0);
    }

    private static long sys(int nr, long a, long b, long c) {
        return rawSyscall(nr, a, b, c, 0, 0, 0);
    }

    private static long errnoOffset() {
        long offset = 0;
        for (MemoryLayout m : Capture.STATE.memberLayouts()) {
            if (m.name().orElse("").equals("errno")) return offset;
            offset += m.byteSize();
        }
        throw new IllegalStateException("the linker's capture state has no errno: " + Capture.STATE);
    }

    public static MemorySegment callState() {
        return Capture.CALL_STATE.get();
    }

    public static int errno(MemorySegment state) {
        return state.get(JAVA_INT, Capture.ERRNO_OFFSET);
    }

    /** Wraps what a downcall can throw besides its result: only linkage or JVM errors. */
    static AssertionError unexpected(Throwable t) {
        if (t instanceof Error e) throw e;
        if (t instanceof RuntimeException r) throw r;
        return new AssertionError("downcall failed", t);
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
        return (int) sys(LinuxNs.SYS_unshare(), flags);
    }

    /** {@code unshare(2)}. */
    public static void unshare(int flags) throws NamespaceException {
        int r = rawUnshare(flags);
        if (r < 0) throw new NamespaceException("unshare(" + Flags.clone(flags) + ")", -r, null);
    }

    /** {@code setns(2)}; returns 0 or {@code -errno}. */
    public static int rawSetns(int fd, int nstype) {
        return (int) sys(LinuxNs.SYS_setns(), fd, nstype);
    }

    /** {@code setns(2)}. */
    public static void setns(int fd, int nstype) throws NamespaceException {
        int r = rawSetns(fd, nstype);
        if (r < 0) throw new NamespaceException("setns(fd=" + fd + ", " + Flags.clone(nstype) + ")", -r, null);
    }

    /** {@code pidfd_open(2)}, with O_CLOEXEC set by the kernel. */
    public static int pidfdOpen(long pid) throws NamespaceException {
        long r = sys(LinuxNs.SYS_pidfd_open(), pid, 0);
        if (r < 0) {
            int e = (int) -r;
            throw new NamespaceException("pidfd_open(pid=" + pid + ")", e,
                    e == Errno.ESRCH ? "there is no process with pid " + pid : null);
        }
        return (int) r;
    }

    /** {@code pidfd_send_signal(2)}; returns 0 or {@code -errno}. */
    public static int rawPidfdSendSignal(int pidfd, int signal) {
        return (int) rawSyscall(LinuxNs.SYS_pidfd_send_signal(), pidfd, signal, 0, 0, 0, 0);
    }

    /** {@code syscall(nr, a, b, c, d)} for calls without a wrapper here; returns the result or {@code -errno}. */
    public static long rawSyscall4(long nr, long a, long b, long c, long d) {
        return rawSyscall(nr, a, b, c, d, 0, 0);
    }

    /** {@code ioctl(2)} with an integer argument; returns the result or {@code -errno}. */
    public static int rawIoctl(int fd, long request, long arg) {
        return (int) sys(LinuxNs.SYS_ioctl(), fd, request, arg);
    }

    /** {@code ioctl(2)} with a pointer argument; returns the result or {@code -errno}. */
    public static int rawIoctl(int fd, long request, MemorySegment arg) {
        int r = (int) sys(LinuxNs.SYS_ioctl(), fd, request, addr(arg));
        Reference.reachabilityFence(arg);
        return r;
    }

    // ---- files ------------------------------------------------------------------------------

    /** {@code open(2)} (as glibc does it: {@code openat(AT_FDCWD, ...)}); returns the fd or {@code -errno}. */
    public static int rawOpen(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) rawSyscall(LinuxNs.SYS_openat(), LinuxNs.AT_FDCWD(), arena.allocateFrom(path).address(), flags, mode, 0, 0);
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
        return (int) sys(LinuxNs.SYS_close(), fd);
    }

    /** {@code read(2)}; returns the count or {@code -errno}. */
    public static long rawRead(int fd, MemorySegment buf, long count) {
        long r = sys(LinuxNs.SYS_read(), fd, addr(buf), count);
        Reference.reachabilityFence(buf);
        return r;
    }

    /** {@code write(2)}; returns the count or {@code -errno}. */
    public static long rawWrite(int fd, MemorySegment buf, long count) {
        long r = sys(LinuxNs.SYS_write(), fd, addr(buf), count);
        Reference.reachabilityFence(buf);
        return r;
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
        long r = sys(LinuxNs.SYS_pipe2(), addr(fds), flags);
        Reference.reachabilityFence(fds);
        if (r < 0) throw new NamespaceException("pipe2(" + Flags.open(flags) + ")", (int) -r, null);
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a close-on-exec copy of {@code fd} numbered {@code min} or above. */
    public static int dupCloexecAtLeast(int fd, int min) throws NamespaceException {
        long r = sys(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_DUPFD_CLOEXEC(), min);
        if (r < 0) throw new NamespaceException("fcntl(" + fd + ", F_DUPFD_CLOEXEC, " + min + ")", (int) -r, null);
        return (int) r;
    }

    /** {@code fstat(2)}; returns {st_dev, st_ino}. */
    public static long[] devIno(int fd) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            return devIno(fd, arena);
        }
    }

    /** {@code fstat(2)} into a buffer from {@code scratch}; returns {st_dev, st_ino}. */
    public static long[] devIno(int fd, SegmentAllocator scratch) throws NamespaceException {
        // Sizes and offsets as constants, not through the binding class of struct stat: its
        // initialiser spins method-handle forms (linuxns.h).
        MemorySegment buf = scratch.allocate(LinuxNs.LINUXNS_STAT_SIZE(), 8);
        long r = sys(LinuxNs.SYS_fstat(), fd, addr(buf));
        Reference.reachabilityFence(buf);
        if (r < 0) throw new NamespaceException("fstat(fd=" + fd + ")", (int) -r, null);
        return new long[] {buf.get(JAVA_LONG, LinuxNs.LINUXNS_STAT_ST_DEV()), buf.get(JAVA_LONG, LinuxNs.LINUXNS_STAT_ST_INO())};
    }

    /**
     * {@code statx(2)} of {@code path}, links followed ({@code statx(AT_FDCWD, path, 0,
     * STATX_INO | STATX_MNT_ID, buf)}): the device ({@code major << 32 | minor}), the inode and
     * the mount id into {@code out} at {@code at}, {@code at + 1} and {@code at + 2}. One system
     * call; {@code /proc}'s magic links ({@code ns/*}, {@code root}, {@code cwd}) resolve as
     * they do for {@code open}, after the same access check. The mount id tells apart two bind
     * mounts of one directory, which share the device and the inode; -1 where the kernel does
     * not report it (before Linux 5.8).
     *
     * @param buf a buffer of at least {@code LINUXNS_STATX_SIZE} bytes, 8-aligned
     * @return 0, or {@code -errno} (then {@code out} is untouched)
     */
    public static int rawStatxId(MemorySegment path, MemorySegment buf, long[] out, int at) {
        long r = rawSyscall(LinuxNs.SYS_statx(), LinuxNs.AT_FDCWD(), addr(path), 0,
                LinuxNs.STATX_INO() | LinuxNs.STATX_MNT_ID(), addr(buf), 0);
        Reference.reachabilityFence(path);
        Reference.reachabilityFence(buf);
        if (r < 0) return (int) r;
        long major = buf.get(JAVA_INT, LinuxNs.LINUXNS_STATX_DEV_MAJOR()) & 0xffffffffL;
        long minor = buf.get(JAVA_INT, LinuxNs.LINUXNS_STATX_DEV_MINOR()) & 0xffffffffL;
        int mask = buf.get(JAVA_INT, LinuxNs.LINUXNS_STATX_MASK());
        out[at] = major << 32 | minor;
        out[at + 1] = buf.get(JAVA_LONG, LinuxNs.LINUXNS_STATX_INO());
        out[at + 2] = (mask & LinuxNs.STATX_MNT_ID()) != 0 ? buf.get(JAVA_LONG, LinuxNs.LINUXNS_STATX_MNT_ID()) : -1;
        return 0;
    }

    // ---- mounts and names -------------------------------------------------------------------

    /** {@code mount(2)}; any string may be {@code null}. Returns 0 or {@code -errno}. */
    public static int rawMount(String source, String target, String fstype, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) rawSyscall(LinuxNs.SYS_mount(), str(arena, source), str(arena, target), str(arena, fstype), flags,
                    str(arena, data), 0);
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
            return (int) sys(LinuxNs.SYS_umount2(), arena.allocateFrom(target).address(), flags);
        }
    }

    /** {@code sethostname(2)} in the calling thread's UTS namespace. */
    public static void sethostname(String name) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(name);
            long r = sys(LinuxNs.SYS_sethostname(), s.address(), s.byteSize() - 1);
            if (r < 0) throw new NamespaceException("sethostname(\"" + name + "\")", (int) -r, null);
        }
    }

    /** {@code gettid(2)}. */
    public static int gettid() {
        return (int) sys(LinuxNs.SYS_gettid(), 0);
    }

    /** {@code getuid(2)}: the real uid of the process. */
    public static int getuid() {
        return (int) sys(LinuxNs.SYS_getuid(), 0);
    }

    /** {@code geteuid(2)}: the effective uid of the process. */
    public static int geteuid() {
        return (int) sys(LinuxNs.SYS_geteuid(), 0);
    }

    /** {@code getgid(2)}: the real gid of the process. */
    public static int getgid() {
        return (int) sys(LinuxNs.SYS_getgid(), 0);
    }

    // ---- processes and memory ---------------------------------------------------------------

    /** {@code poll(2)} on one fd; returns the revents, 0 on timeout, or {@code -errno}. */
    public static int rawPoll(MemorySegment pollfd, int timeoutMillis) {
        int r = (int) sys(LinuxNs.SYS_poll(), addr(pollfd), 1, timeoutMillis);
        Reference.reachabilityFence(pollfd);
        if (r < 0) return r;
        return r == 0 ? 0 : io.linuxns.bindings.pollfd.revents(pollfd);
    }

    /** {@code poll(2)} on {@code count} pollfds; returns the number ready, 0 on timeout, or {@code -errno}. */
    public static int rawPoll(MemorySegment pollfds, int count, int timeoutMillis) {
        int r = (int) sys(LinuxNs.SYS_poll(), addr(pollfds), count, timeoutMillis);
        Reference.reachabilityFence(pollfds);
        return r;
    }

    /** {@code waitid(2)} (no rusage, as glibc's waitid); returns 0 or {@code -errno}. */
    public static int rawWaitid(int idtype, int id, MemorySegment siginfo, int options) {
        int r = (int) rawSyscall(LinuxNs.SYS_waitid(), idtype, id, addr(siginfo), options, 0, 0);
        Reference.reachabilityFence(siginfo);
        return r;
    }

    /** {@code mmap(2)} of anonymous private memory. */
    public static MemorySegment mmapAnonymous(long size, int prot, int extraFlags) throws NamespaceException {
        return mmapAnonymous(0, size, prot, extraFlags);
    }

    /** {@code mmap(2)} of anonymous private memory near {@code hint} (a hint only: the kernel may choose elsewhere). */
    public static MemorySegment mmapAnonymous(long hint, long size, int prot, int extraFlags) throws NamespaceException {
        long r = rawSyscall(LinuxNs.SYS_mmap(), hint, size, prot,
                LinuxNs.MAP_PRIVATE() | LinuxNs.MAP_ANONYMOUS() | extraFlags, -1, 0);
        if (r < 0) throw new NamespaceException("mmap(size=" + size + ")", (int) -r, null);
        return MemorySegment.ofAddress(r).reinterpret(size);
    }

    /** {@code munmap(2)}. */
    public static void munmap(MemorySegment segment) {
        long r = sys(LinuxNs.SYS_munmap(), addr(segment), segment.byteSize());
        if (r != 0) throw new AssertionError("munmap failed: " + segment + ", errno " + -r);
    }

    /** {@code mprotect(2)}. */
    public static void mprotect(MemorySegment segment, int prot) throws NamespaceException {
        long r = sys(LinuxNs.SYS_mprotect(), addr(segment), segment.byteSize(), prot);
        if (r != 0) throw new NamespaceException("mprotect(size=" + segment.byteSize() + ", prot=" + prot + ")", (int) -r, null);
    }

    /**
     * {@code pthread_sigmask(3)}, as glibc makes it: {@code rt_sigprocmask(2)} with a copy of
     * {@code set} from which glibc's two internal signals (SIGCANCEL, SIGSETXID) are removed, so
     * that they are never blocked. Returns 0 or the error number.
     */
    public static int pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        MemorySegment newMask = set;
        if (addr(set) != 0) {
            // Callers pass masks across threads as bare addresses (zero-length segments).
            long bits = set.reinterpret(KERNEL_SIGSET_SIZE).get(JAVA_LONG_UNALIGNED, 0);
            if ((bits & GLIBC_INTERNAL_SIGNALS) != 0) {
                newMask = MASK_COPY.get();
                newMask.set(JAVA_LONG_UNALIGNED, 0, bits & ~GLIBC_INTERNAL_SIGNALS);
            }
        }
        long r = rawSyscall(LinuxNs.SYS_rt_sigprocmask(), how, addr(newMask), addr(old), KERNEL_SIGSET_SIZE, 0, 0);
        Reference.reachabilityFence(newMask);
        Reference.reachabilityFence(set);
        Reference.reachabilityFence(old);
        return r < 0 ? (int) -r : 0;
    }

    private static long str(Arena arena, String s) {
        return s == null ? 0 : arena.allocateFrom(s).address();
    }

    private static String quote(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }
}
