package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Whether a child whose error pipe reached EOF exec'd the command, or died before it.
 *
 * <p>EOF has two causes: the write end's close-on-exec at the command's {@code execve}, or the
 * exit of the child (and, for an init or a forwarder, of its own copy as well). A failing step
 * reports on the pipe first and exits, so an exit with no report is a death by a signal: a
 * {@code ParentSetup} that kills the child, another process, the OOM killer, or a signal that
 * waited blocked until the helper unblocked signals right before its exec (SIGTERM).
 *
 * <p>On a spawn's normal path nothing here reads {@code /proc}: a direct child marks a word in
 * its program ({@link #diedBeforeDirectExec}), a helper's command process writes a mark on the
 * error pipe right after it unblocked signals ({@link #diedBeforeHelperExec}), and EOF after the
 * mark is its exec. The rest of this class is for a spawn the parent gives up on in a sync
 * window ({@link #diedBeforeExec}), whose child may still be alive, where the evidence is
 * {@code /proc/PID/stat}:
 * <ul>
 * <li>A child neither a zombie nor exiting ({@code PF_EXITING}, which {@code do_exit} sets
 *     before it closes the descriptors) has exec'd: nothing else closes its end of the pipe.
 * <li>A child that is exiting or dead: its status, with {@code waitid(WNOWAIT)}, which leaves
 *     it to be reaped as usual. An exit is an exit after the exec (a failure before it reports).
 * <li>A death by a signal: when the child is the command itself, its comm tells. The exec
 *     sets comm to the program's name; before it, comm is the origin thread's (the clone3
 *     child), the memfd's or its number (just after the helper's execveat), or the helper's
 *     name. An init or a forwarder never execs and keeps the helper's name; it dies by a
 *     signal only when it is sent one (it exits with 128 + signal when its child dies of one),
 *     so that counts as a death before the exec.
 * </ul>
 * What it cannot tell apart (docs/spawn.md, "Read the error pipe"): a command whose own name is
 * one of those pre-exec names, or that renamed itself to one and then was killed by a signal,
 * all before start() looked (taken for a death before the exec); an init or forwarder killed by
 * another process in the instant between the command's exec and the look (the same; the
 * command then dies with it); the command's own process inside a PID namespace killed by
 * another process before its exec while the init or forwarder lives on (taken for an exec:
 * the Process then exits with 128 + the signal).
 */
final class ExecCheck {
    private ExecCheck() {}

    /** {@code PF_EXITING} in include/linux/sched.h: set by do_exit before exit_files. */
    private static final long PF_EXITING = 0x4;
    private static final int CLD_EXITED = 1;
    private static volatile String originComm;

    /**
     * @return {@code null} if the command was exec'd (or nothing tells otherwise), else the
     *         exception for start() to throw; the child is left unreaped either way
     */
    static NamespaceException diedBeforeExec(Clone3.Child child, Spawner.Plan plan, String command, SegmentAllocator scratch) {
        Stat st = Stat.read(child.pid(), scratch);
        if (st == null || !(st.state == 'Z' || st.state == 'X' || (st.flags & PF_EXITING) != 0)) return null;
        int signal = killedBy(child, scratch);
        if (signal == 0) return null;
        boolean forks = plan.init || plan.forkIntoPidNamespace;
        if (forks) {
            return new NamespaceException("the child (" + plan.helperName() + ", which starts \"" + command + "\") was killed by "
                    + signalName(signal) + " before start() returned", 0,
                    "the command, if it got as far as its exec, was killed with it (a ParentSetup, another process or the OOM killer"
                            + " sent the signal)");
        }
        if (!isPreExecName(st.comm, plan, child.clonedByCaller())) return null;
        return new NamespaceException("the child was killed by " + signalName(signal) + " before it exec'd \"" + command + "\"", 0,
                "nothing of the program ran (a ParentSetup, another process or the OOM killer sent the signal)");
    }

    /**
     * The same question for a direct spawn (no helper, always {@code CLONE_VFORK}), without
     * reading {@code /proc}: clone3 returned at the vfork release, which is the child's exec or
     * its exit, and the child had set {@code unblocked} from -1 to 0 right after unblocking
     * signals, before the execve (ProgramWriter.direct). Still -1: it never got that far, and
     * an exit without a report on the error pipe is a death by a signal (a blocked one is
     * delivered as the unblock returns, before the store). 0: it exec'd; a signal that arrives
     * in the few instructions and the part of execve before its point of no return kills it
     * before the command runs, and is then taken for a death after the exec (docs/spawn.md).
     *
     * @return {@code null} if the command was exec'd, else the exception for start() to throw
     */
    static NamespaceException diedBeforeDirectExec(Clone3.Child child, Spawner.Plan plan, MemorySegment unblocked, String command,
                                                    SegmentAllocator scratch) {
        if ((plan.cloneFlags & LinuxNs.CLONE_VFORK()) == 0) throw new AssertionError("a direct spawn always uses CLONE_VFORK");
        if (unblocked.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) != -1L) return null;
        int signal = killedBy(child, scratch);
        if (signal == 0) return null; // an exit without a report: not the interpreter's, so nothing to say
        return new NamespaceException("the child was killed by " + signalName(signal) + " before it exec'd \"" + command + "\"", 0,
                "nothing of the program ran (another process or the OOM killer sent the signal)");
    }

    /**
     * A helper spawn whose error pipe reached EOF without the mark its command's process writes
     * right after unblocking signals (ProgramWriter.tellUnblocked): that process ended before
     * its exec without reporting a step, which only a signal does (one sent by a ParentSetup,
     * another process or the OOM killer, or one that waited blocked until the unblock). Waits for
     * the child to end (it is ending: its copy of the pipe is closed, and an init or forwarder
     * exits as its command did) and names the signal; the child is left unreaped.
     *
     * @return the exception for start() to throw
     */
    static NamespaceException diedBeforeHelperExec(Clone3.Child child, Spawner.Plan plan, String command, SegmentAllocator scratch) {
        MemorySegment info = waitNoReap(child, scratch);
        boolean exited = info == null || info.get(JAVA_INT, 8) == CLD_EXITED;
        int status = info == null ? -1 : info.get(JAVA_INT, 24);
        boolean forks = plan.init || plan.forkIntoPidNamespace;
        String how = info == null ? "ended" : !exited ? "was killed by " + signalName(status)
                : status > 128 ? "ended (exit status " + status + ": 128 + " + signalName(status - 128) + ")"
                : "ended (exit status " + status + ")";
        if (forks) {
            return new NamespaceException("the child (" + plan.helperName() + ", which starts \"" + command + "\") " + how
                    + " before \"" + command + "\" was exec'd", 0,
                    "nothing of the program ran (a ParentSetup, another process or the OOM killer sent a signal)");
        }
        return new NamespaceException("the child " + how + " before it exec'd \"" + command + "\"", 0,
                "nothing of the program ran (a ParentSetup, another process or the OOM killer sent the signal)");
    }

    /** {@code waitid(P_PIDFD, WEXITED | WNOWAIT)}: the child's siginfo once it has ended, left to be reaped; {@code null} if that fails. */
    private static MemorySegment waitNoReap(Clone3.Child child, SegmentAllocator scratch) {
        MemorySegment info = scratch.allocate(128, 8);
        int r;
        do {
            r = Native.rawWaitid(LinuxNs.P_PIDFD(), child.pidfd(), info, LinuxNs.WEXITED() | LinuxNs.WNOWAIT());
        } while (r == -Errno.EINTR);
        return r < 0 ? null : info;
    }

    /**
     * The signal that killed the child, or 0 if it exited; waits for it, so only for a child whose
     * death is under way. {@code WNOWAIT}: whoever reaps it still can.
     */
    private static int killedBy(Clone3.Child child, SegmentAllocator scratch) {
        MemorySegment info = waitNoReap(child, scratch);
        if (info == null || info.get(JAVA_INT, 8) == CLD_EXITED) return 0; // si_code
        return info.get(JAVA_INT, 24); // si_status
    }

    /**
     * @param clonedByCaller the calling thread cloned the child (it is the thread that called
     *                       start(), and only it can rename itself), else an origin thread
     */
    private static boolean isPreExecName(String comm, Spawner.Plan plan, boolean clonedByCaller) {
        return comm.equals(plan.helperName()) || comm.startsWith("memfd:") || comm.chars().allMatch(Character::isDigit)
                || comm.equals(clonedByCaller ? threadComm() : originComm());
    }

    /** The clone3 child's comm before any exec when an origin thread cloned it: theirs, read there once (they share a name). */
    private static String originComm() {
        String c = originComm;
        if (c == null) {
            c = OriginThread.callSpawner(ExecCheck::threadComm);
            originComm = c;
        }
        return c;
    }

    private static String threadComm() {
        try {
            return Files.readString(Path.of("/proc/thread-self/comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The fields of {@code /proc/PID/stat} that tell: comm, state, flags. */
    private record Stat(String comm, char state, long flags) {
        /**
         * {@return the child's, or {@code null} if it cannot be read} This runs on every spawn:
         * raw calls, and the line parsed in place (comm made a string only for a dead child).
         */
        static Stat read(long pid, SegmentAllocator scratch) {
            try {
                MemorySegment buf = scratch.allocate(1024);
                path(buf, pid);
                int fd = (int) Native.rawSyscall4(LinuxNs.SYS_openat(), LinuxNs.AT_FDCWD(), buf.address(),
                        LinuxNs.O_RDONLY() | LinuxNs.O_CLOEXEC(), 0);
                if (fd < 0) return null;
                long n;
                try {
                    n = Native.rawRead(fd, buf, buf.byteSize());
                } finally {
                    Native.close(fd);
                }
                if (n <= 0) return null;
                return parse(buf, (int) n);
            } catch (RuntimeException malformed) {
                return null;
            }
        }

        /** Writes "/proc/PID/stat\0" at the start of {@code buf}. */
        private static void path(MemorySegment buf, long pid) {
            byte[] digits = Long.toString(pid).getBytes(StandardCharsets.ISO_8859_1);
            int at = 0;
            for (byte b : PROC) buf.set(JAVA_BYTE, at++, b);
            for (byte b : digits) buf.set(JAVA_BYTE, at++, b);
            for (byte b : STAT) buf.set(JAVA_BYTE, at++, b);
            buf.set(JAVA_BYTE, at, (byte) 0);
        }

        /** "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold spaces and parentheses. */
        private static Stat parse(MemorySegment buf, int n) {
            int open = -1, close = -1;
            for (int i = 0; i < n; i++) {
                if (buf.get(JAVA_BYTE, i) == '(') {
                    open = i;
                    break;
                }
            }
            for (int i = n - 1; i > open; i--) {
                if (buf.get(JAVA_BYTE, i) == ')') {
                    close = i;
                    break;
                }
            }
            if (open < 0 || close < 0 || close + 2 >= n) return null;
            char state = (char) buf.get(JAVA_BYTE, close + 2);
            // flags is the sixth field after the state
            int at = close + 2, spaces = 0;
            while (at < n && spaces < 6) if (buf.get(JAVA_BYTE, at++) == ' ') spaces++;
            long flags = 0;
            int digits = 0;
            for (; at < n; at++, digits++) {
                byte b = buf.get(JAVA_BYTE, at);
                if (b < '0' || b > '9') break;
                flags = flags * 10 + (b - '0');
            }
            if (digits == 0) return null;
            boolean dying = state == 'Z' || state == 'X' || (flags & PF_EXITING) != 0;
            String comm = dying ? new String(buf.asSlice(open + 1, close - open - 1).toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1) : "";
            return new Stat(comm, state, flags);
        }

        private static final byte[] PROC = "/proc/".getBytes(StandardCharsets.ISO_8859_1);
        private static final byte[] STAT = "/stat".getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String signalName(int signal) {
        String[] names = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
                "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
                "SIGPWR", "SIGSYS"};
        return signal > 0 && signal < names.length ? names[signal] : "signal " + signal;
    }
}
