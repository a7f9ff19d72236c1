package io.linuxns.cli;

import io.linuxns.bindings.LinuxNs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * Makes linuxns die of the signal that killed its command, as util-linux's {@code unshare} and
 * {@code nsenter} do ({@code signal(N, SIG_DFL)}, unblock N, {@code kill(getpid(), N)}), so a
 * waiting shell or parent sees a signal death ({@code WIFSIGNALED}) and not an exit with 128 + N:
 * {@code rt_sigaction(2)} back to SIG_DFL (the JVM handles SIGTERM, SIGINT, SIGHUP itself and
 * uses SIGSEGV, SIGBUS and others for its own ends), {@code rt_sigprocmask(2)} to unblock it on
 * this thread, and {@code tgkill(2)} to this thread, whose default action ends the process.
 * For a signal that dumps core, the core size limit is set to 0 first ({@code prlimit(2)}) and
 * the process made not dumpable ({@code prctl(2)} {@code PR_SET_DUMPABLE}, for a core_pattern that
 * pipes to a program, which the limit does not bind): the core would be the whole JVM's, not a
 * small C program's.
 */
final class SignalDeath {
    private SignalDeath() {}

    /** The signals whose default action is to dump core (signal(7): "Core"). */
    private static final Set<Integer> CORE = Set.of(3, 4, 5, 6, 7, 8, 11, 24, 25, 31);
    /** Those whose default action is not to terminate (CHLD, CONT, STOP, TSTP, TTIN, TTOU, URG, WINCH): they never kill a command. */
    private static final Set<Integer> HARMLESS = Set.of(17, 18, 19, 20, 21, 22, 23, 28);

    /** The command's terminating signal, once linuxns should die of it at its exit; 0 for none. */
    private static volatile int pending;

    /** Asks for {@link #dieIfAsked()} to die of {@code signal} (called when the command died of it). */
    static void dieOfAtExit(int signal) {
        pending = signal;
    }

    /**
     * Dies of the signal the command died of, if one was recorded; returns only if that did not
     * happen (a signal that does not terminate, or a failing call): the caller then exits with
     * its status, 128 + N.
     */
    static void dieIfAsked() {
        int sig = pending;
        if (sig > 0) die(sig);
    }

    static void die(int sig) {
        if (sig < 1 || sig > 64 || HARMLESS.contains(sig)) return;
        System.out.flush();
        System.err.flush();
        try (Arena arena = Arena.ofConfined()) {
            if (CORE.contains(sig)) {
                MemorySegment zero = arena.allocate(16, 8); // struct rlimit {0, 0}: soft and hard
                MemorySegment old = arena.allocate(16, 8);
                Syscalls.call(LinuxNs.SYS_prlimit64(), 0L, (long) LinuxNs.RLIMIT_CORE(), 0L, old.address());
                zero.set(ValueLayout.JAVA_LONG, 8, old.get(ValueLayout.JAVA_LONG, 8)); // hard limit as it was
                Syscalls.call(LinuxNs.SYS_prlimit64(), 0L, (long) LinuxNs.RLIMIT_CORE(), zero.address(), 0L);
                // A core_pattern that pipes to a program is not bound by the limit; no dump at all
                // is made of a process that is not dumpable.
                Syscalls.call(LinuxNs.SYS_prctl(), (long) LinuxNs.PR_SET_DUMPABLE(), 0L, 0L, 0L);
            }
            if (sig != LinuxNs.SIGKILL() && sig != LinuxNs.SIGSTOP()) {
                MemorySegment dfl = arena.allocate(32, 8); // struct kernel_sigaction, all zero: SIG_DFL, no flags, empty mask
                Syscalls.call(LinuxNs.SYS_rt_sigaction(), (long) sig, dfl.address(), 0L, 8L);
            }
            MemorySegment set = arena.allocate(8, 8);
            set.set(ValueLayout.JAVA_LONG, 0, 1L << (sig - 1));
            Syscalls.call(LinuxNs.SYS_rt_sigprocmask(), (long) LinuxNs.SIG_UNBLOCK(), set.address(), 0L, 8L);
            Syscalls.call(LinuxNs.SYS_tgkill(), ProcessHandle.current().pid(), Syscalls.call(LinuxNs.SYS_gettid(), 0L, 0L, 0L, 0L), (long) sig, 0L);
        }
    }
}
