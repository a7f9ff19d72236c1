package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.bindings.clone_args;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Flags;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code clone3(2)} with {@code CLONE_VM}, through the generated {@code syscall} binding, into
 * the interpreter's clone entry with the trampoline program (docs/design.md, "Spawning"). The
 * child shares the JVM's memory only until it has exec'd the helper: the trampoline blocks
 * signals, clears close-on-exec on the helper's descriptors, perhaps waits for the parent's id
 * maps on a pipe, and calls {@code execveat}.
 *
 * <p>The system-call routine ({@code RawSyscall}'s, or glibc's {@code syscall()} where there is
 * none) ends with {@code ret}: in the child, which starts on its own stack, that pops the
 * routine's address planted at the top of the stack, with the program pointer (the extra
 * argument, which the kernel ignores) in {@code rdx}. The routine
 * sits on a page mapped read-write, filled, then made read-execute (never both).
 *
 * <p>The call is made on the calling thread when {@link CallerThread} finds it in the
 * namespaces, root and working directory the JVM started in and no death signal is asked, else
 * on one of the origin threads ({@link OriginThread#callSpawner}), which live as long as the JVM
 * (so {@code PR_SET_PDEATHSIG} fires only when the JVM exits). All signals that can be blocked safely are blocked around it, so that the child
 * never runs a JVM signal handler: it inherits the mask, blocks the rest first thing, and keeps
 * it blocked through the helper's exec, which resets every handler; the helper unblocks right
 * before the command's {@code execve}. The synchronous fault signals stay unblocked, because
 * HotSpot itself relies on SIGSEGV in compiled code that the origin thread runs between the
 * two mask changes.
 */
final class Clone3 {
    private Clone3() {}

    /** The trampoline needs a few words; a page more than enough. */
    private static final long STACK_SIZE = 8 * 1024;
    private static volatile MemorySegment routine;

    /** The routine's code page, mapped once per JVM and never unmapped (children may run it). */
    static MemorySegment routine() throws NamespaceException {
        MemorySegment r = routine;
        if (r != null) return r;
        synchronized (Clone3.class) {
            if (routine == null) {
                byte[] code = ChildRoutine.forCurrentArchitecture().orElseThrow(() -> new UnsupportedOperationException(
                        "NamespacedProcessBuilder has no child entry routine for " + System.getProperty("os.arch")
                                + " yet (x86_64 only)"));
                MemorySegment page = Native.mmapAnonymous(4096, LinuxNs.PROT_READ() | LinuxNs.PROT_WRITE(), 0);
                MemorySegment.copy(code, 0, page, JAVA_BYTE, 0, code.length);
                Native.mprotect(page, LinuxNs.PROT_READ() | LinuxNs.PROT_EXEC());
                routine = page;
            }
            return routine;
        }
    }

    /**
     * The child's pid and pidfd, and whether the thread that called {@link #clone} cloned it
     * (else an origin thread did): until its exec the child's comm is that thread's.
     */
    record Child(long pid, int pidfd, boolean clonedByCaller) {}

    /**
     * Clones a child that runs the trampoline at {@code program}. The stack is carved from
     * {@code scratch}, which must stay alive until the child has exec'd or died.
     *
     * @param flags CLONE_* flags besides CLONE_VM and CLONE_PIDFD
     * @param cgroupFd a cgroup v2 directory for CLONE_INTO_CGROUP, or -1
     */
    static Child clone(SegmentAllocator scratch, long program, long flags, int cgroupFd, boolean deathSignal) throws NamespaceException {
        MemorySegment code = routine();
        MemorySegment stack = scratch.allocate(STACK_SIZE, 16);
        stack.set(JAVA_LONG, STACK_SIZE - 16, code.address() + ChildRoutine.CLONE_ENTRY);
        MemorySegment args = scratch.allocate(clone_args.layout().byteSize(), clone_args.layout().byteAlignment());
        MemorySegment pidfd = scratch.allocate(8, 8);
        // Room for the cloning thread's own mask while it is changed: per spawn, so a program
        // that spawns from thousands of short-lived threads keeps no memory for each (a bare
        // address, as the origin threads get the rest).
        MemorySegment saved = MemorySegment.ofAddress(scratch.allocate(Native.KERNEL_SIGSET_SIZE, 8).address());
        pidfd.set(JAVA_INT, 0, -1);
        long all = flags | LinuxNs.CLONE_VM() | LinuxNs.CLONE_PIDFD() | (cgroupFd >= 0 ? LinuxNs.CLONE_INTO_CGROUP() : 0);
        clone_args.flags(args, all);
        clone_args.pidfd(args, pidfd.address());
        clone_args.exit_signal(args, LinuxNs.SIGCHLD());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, STACK_SIZE - 16);
        if (cgroupFd >= 0) clone_args.cgroup(args, cgroupFd);
        long size = clone_args.layout().byteSize();
        // The program's memory is confined to this thread: the origin thread gets bare addresses.
        MemorySegment argsAddress = MemorySegment.ofAddress(args.address());
        MemorySegment programAddress = MemorySegment.ofAddress(program);

        boolean here = CallerThread.mayClone(deathSignal);
        if (!here) CallerThread.requireOriginAtHome();
        long result = here ? cloneHere(argsAddress, size, programAddress, saved)
                : OriginThread.callSpawner(() -> cloneHere(argsAddress, size, programAddress, saved));
        if (result < 0) {
            int errno = (int) -result;
            throw new NamespaceException("clone3(" + Flags.clone(all) + ")", errno, hint(errno, all));
        }
        return new Child(result, pidfd.get(JAVA_INT, 0), here);
    }

    /** clone3 on this thread, with every signal but the synchronous faults blocked around it; the pid or -errno. */
    private static long cloneHere(MemorySegment args, long size, MemorySegment program, MemorySegment saved) {
        MemorySegment blocked = SignalMasks.BLOCKED;
        Native.pthreadSigmask(LinuxNs.SIG_BLOCK(), blocked, saved);
        try {
            // syscall(SYS_clone3, struct clone_args *, size_t, program): Native's one downcall
            // shape, the program pointer riding in the third argument (see above). The caller
            // keeps args and program alive until the child has exec'd or exited.
            return Native.rawSyscall(LinuxNs.SYS_clone3(), args.address(), size, program.address(), 0, 0, 0);
        } finally {
            Native.pthreadSigmask(LinuxNs.SIG_SETMASK(), saved, MemorySegment.NULL);
        }
    }

    /** Every signal but the synchronous faults and glibc's internal two: what is blocked around the clone. */
    private static final class SignalMasks {
        static final MemorySegment BLOCKED = blocked();

        private static MemorySegment blocked() {
            // The kernel's 8 bytes, all that Native.pthreadSigmask passes on; not glibc's 128-byte
            // sigset_t, whose binding class makes a layout-path VarHandle for its array in its
            // initialiser (about 30 method-handle forms spun in a fresh JVM's first spawn).
            MemorySegment blocked = Arena.global().allocate(Native.KERNEL_SIGSET_SIZE, 8);
            for (long i = 0; i < blocked.byteSize(); i += 8) blocked.set(JAVA_LONG, i, -1L);
            long sync = 0;
            for (int s : new int[] {LinuxNs.SIGSEGV(), LinuxNs.SIGBUS(), LinuxNs.SIGILL(), LinuxNs.SIGFPE(), LinuxNs.SIGTRAP()}) {
                sync |= 1L << (s - 1);
            }
            // Nor glibc's SIGCANCEL and SIGSETXID (32, 33), which Native.pthreadSigmask would
            // otherwise take out of a copy on every clone.
            blocked.set(JAVA_LONG, 0, ~sync & ~((1L << 31) | (1L << 32)));
            return blocked;
        }
    }

    private static String hint(int errno, long flags) {
        boolean user = (flags & LinuxNs.CLONE_NEWUSER()) != 0;
        return switch (errno) {
            case Errno.EPERM -> user ? "user namespaces may be disabled (sysctl user.max_user_namespaces,"
                    + " kernel.unprivileged_userns_clone, or an AppArmor/SELinux policy)"
                    : "creating namespaces needs CAP_SYS_ADMIN: run as root, or create a new user namespace along"
                    + " with them (with root mapped to the caller) to work unprivileged";
            case Errno.ENOSPC -> io.linuxns.internal.NamespaceLimits.hint(flags);
            // Checked before the spawn, but the directory may have changed since.
            case Errno.EBADF -> (flags & LinuxNs.CLONE_INTO_CGROUP()) != 0
                    ? "the cgroup directory is not a cgroup v2 group (CLONE_INTO_CGROUP takes only a directory of the cgroup2 file system)" : null;
            case Errno.EBUSY -> (flags & LinuxNs.CLONE_INTO_CGROUP()) != 0
                    ? "the cgroup has controllers enabled for its children (cgroup.subtree_control): only a leaf group can take processes" : null;
            default -> null;
        };
    }
}
