package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Whether a spawn may {@code clone3} on the thread that called {@code start()} instead of
 * handing the call to an origin thread (docs/spawn.md, "Which thread clones"). A child inherits
 * its namespaces, root and working directory from the thread that clones it, and its
 * {@code PR_SET_PDEATHSIG} fires when that thread exits. So the caller's thread qualifies only
 * when no death signal is asked and the thread is
 * <ul>
 * <li>a platform thread (a virtual thread's carrier is a pool's, and the clone would pin it);
 * <li>not one of the library's own ({@link OriginThread#isLibraryThread()}: a namespace
 *     executor's thread, the reaper, an exit worker);
 * <li>in the very namespaces, root and working directory of the JVM's main thread (the
 *     process's first task, which the library never moves), compared by device and inode of
 *     {@code /proc/thread-self/ns/*}, {@code root} and {@code cwd}: a
 *     thread created from inside an executor's task inherits the executor's namespaces with a
 *     name and a class that tell nothing.
 * </ul>
 * The answer is worked out once per thread and kept: the library never moves a caller's
 * thread into a namespace, so only the thread's own native code (a raw {@code setns},
 * {@code unshare}, {@code chroot}, {@code unshare(CLONE_FS)} + {@code chdir}, or a raw
 * {@code setresuid}, which changes only that thread's credentials) could change it
 * later, and a thread that does that is outside what the library can see without a dozen
 * system calls on every spawn (its children would then start where the thread is, as with
 * {@code ProcessBuilder}).
 */
final class CallerThread {
    private CallerThread() {}

    /** The files compared: what a clone3 child inherits from the cloning thread, besides credentials. */
    private static final String[] FILES = {"ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid", "ns/pid_for_children",
            "ns/time", "ns/time_for_children", "ns/user", "ns/uts", "root", "cwd"};
    private static volatile long[] origin, reference;
    /**
     * The origin thread's snapshot when it could not be taken: kept, so that a JVM whose origin
     * thread cannot read {@code /proc} is not handed to it again on every spawn. The origin
     * thread never moves, so its answer does not change.
     */
    private static final long[] UNKNOWN = new long[0];
    private static final ThreadLocal<Boolean> VERDICT = new ThreadLocal<>();

    /** {@return whether this spawn may clone on the calling thread} */
    static boolean mayClone(boolean deathSignal) {
        if (deathSignal) return false;
        Thread t = Thread.currentThread();
        if (t.isVirtual()) return false;
        Boolean v = VERDICT.get();
        if (v == null) {
            long[] mine = OriginThread.isLibraryThread() ? null : snapshot("/proc/thread-self/");
            long[] theirs = reference();
            v = mine != null && theirs != null && Arrays.equals(mine, theirs);
            VERDICT.set(v);
        }
        return v;
    }

    /**
     * Refuses a spawn that would clone on an origin thread that is not where the JVM's main
     * thread is. The origin thread inherits the state of whichever thread first touched the
     * library: one that had moved itself with its own native code ({@code unshare},
     * {@code setns}, {@code chroot}) before would send every child made there into its
     * namespaces.
     *
     * @throws IllegalStateException if the origin threads are elsewhere than the main thread
     */
    static void requireOriginAtHome() {
        long[] o = origin, ref = reference();
        if (o == null) origin = o = known(OriginThread.call(() -> snapshot("/proc/thread-self/")));
        if (ref != null && o != UNKNOWN && !Arrays.equals(o, ref)) {
            throw new IllegalStateException("the library's origin thread is not in the namespaces, root and working directory of"
                    + " the JVM's main thread: the first use of linuxns came from a thread that had moved itself (a raw unshare,"
                    + " setns or chroot), and a child cloned there would start in that thread's namespaces. Touch the library first"
                    + " from a thread in the JVM's own namespaces (for example, create a NamespacedProcessBuilder in main)");
        }
    }

    /**
     * What a thread must match: the JVM's main thread, which the library never moves. Its files
     * are {@code /proc/self/}'s ({@code ns}, {@code root} and {@code cwd} there are the thread
     * group leader's), not {@code /proc/self/task/PID/}'s: in a PID namespace of its own under
     * its parent's {@code /proc} ({@code unshare --pid --fork} without {@code --mount-proc})
     * {@code getpid()} is not the number that {@code /proc} knows the process by.
     */
    private static long[] reference() {
        long[] r = reference;
        // Not kept when unknown: that answer is the asking thread's (one that cannot see /proc),
        // and a thread at home asks again.
        if (r == null) reference = r = snapshot("/proc/self/");
        return r;
    }

    /** {@code snapshot}, or {@link #UNKNOWN} for none. */
    private static long[] known(long[] snapshot) {
        return snapshot == null ? UNKNOWN : snapshot;
    }

    /**
     * Device, inode and mount id of each file for the calling thread, by one {@code statx} each
     * (links followed, as an {@code open} would: a fresh JVM's first spawn makes 24 of these,
     * where {@code open}, {@code fstat} and {@code close} were 72 system calls and as many
     * arenas). The mount id, because a root or working directory on another bind mount of the
     * same directory has the same device and inode, and a child cloned there would see that
     * mount's tree (a bind mount of {@code /} without its submounts has no {@code /proc});
     * -1 for a time namespace file that does not exist (a kernel without them has no
     * {@code ns/time}: ENOENT); a thread whose snapshot has an entry the origin's lacks, or the
     * other way round, never matches. {@code null} when any other file cannot be read: unknown,
     * so never a match.
     */
    private static long[] snapshot(String task) {
        long[] s = new long[FILES.length * 3];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(LinuxNs.LINUXNS_STATX_SIZE(), 8);
            for (int i = 0; i < FILES.length; i++) {
                int r = Native.rawStatxId(arena.allocateFrom(task + FILES[i]), buf, s, 3 * i);
                if (r < 0) {
                    // Only a missing time namespace file is an answer (a kernel without them); any
                    // other failure (no /proc, EACCES, ENOMEM) is unknown: this thread never clones.
                    if (r != -Errno.ENOENT || !FILES[i].startsWith("ns/time")) return null;
                    s[3 * i] = s[3 * i + 1] = s[3 * i + 2] = -1;
                }
            }
        }
        return s;
    }
}
