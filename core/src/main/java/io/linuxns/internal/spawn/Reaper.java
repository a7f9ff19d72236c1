package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.bindings.pollfd;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread that waits for every spawned process at once: it polls their pidfds (a
 * pidfd becomes readable when its process exits, {@code pidfd_open(2)}) and reaps them with
 * {@code waitid(P_PIDFD)}. No thread per process, and no pid that could be recycled.
 */
final class Reaper {
    private Reaper() {}

    private static final Map<Integer, ProcessImpl> WATCHED = new ConcurrentHashMap<>();
    private static final int[] WAKE;

    static {
        try {
            WAKE = Native.pipe();
        } catch (io.linuxns.NamespaceException e) {
            throw new ExceptionInInitializerError(e);
        }
        OriginThread.newThread("linuxns-reaper", Reaper::loop);
    }

    static void watch(int pidfd, ProcessImpl process) {
        WATCHED.put(pidfd, process);
        try (Arena arena = Arena.ofConfined()) {
            Native.rawWrite(WAKE[1], arena.allocateFrom("w"), 1);
        }
    }

    private static void loop() {
        MemorySegment wakeBuf = Arena.global().allocate(64);
        MemorySegment siginfo = Arena.global().allocate(128, 8);
        while (true) {
            List<Integer> fds = new ArrayList<>(WATCHED.keySet());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment polls = arena.allocate(pollfd.layout(), fds.size() + 1);
                set(polls, 0, WAKE[0]);
                for (int i = 0; i < fds.size(); i++) set(polls, i + 1, fds.get(i));
                int n = Native.rawPoll(polls, fds.size() + 1, -1);
                if (n == -Errno.EINTR) continue;
                if (n < 0) throw new IllegalStateException("poll failed in the process reaper: errno " + -n);
                if (revents(polls, 0) != 0) Native.rawRead(WAKE[0], wakeBuf, wakeBuf.byteSize());
                for (int i = 0; i < fds.size(); i++) {
                    if (revents(polls, i + 1) == 0) continue;
                    int fd = fds.get(i);
                    ProcessImpl p = WATCHED.get(fd);
                    if (p != null && p.reapIfExited(siginfo)) {
                        WATCHED.remove(fd);
                        p.release();
                    }
                }
            }
        }
    }

    private static void set(MemorySegment polls, int index, int fd) {
        MemorySegment e = pollfd.asSlice(polls, index);
        pollfd.fd(e, fd);
        pollfd.events(e, (short) LinuxNs.POLLIN());
        pollfd.revents(e, (short) 0);
    }

    private static short revents(MemorySegment polls, int index) {
        return pollfd.revents(pollfd.asSlice(polls, index));
    }

    /**
     * {@code waitid(P_PIDFD, WEXITED | WNOHANG)}: the exit code, or {@code null} if not exited.
     * ECHILD (reaped by someone outside the library) gives -1: the status is lost.
     */
    static Integer tryReap(int pidfd, MemorySegment siginfo) {
        siginfo.fill((byte) 0);
        int r = Native.rawWaitid(LinuxNs.P_PIDFD(), pidfd, siginfo, LinuxNs.WEXITED() | LinuxNs.WNOHANG());
        if (r < 0) return r == -Errno.ECHILD ? -1 : null;
        if (siginfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 16) == 0) return null; // si_pid 0: still running
        return exitCode(siginfo);
    }

    /** The JDK's convention: the exit status, or 0x80 + the signal that killed it. */
    static int exitCode(MemorySegment siginfo) {
        int code = siginfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 8);    // si_code
        int status = siginfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 24); // si_status
        return code == 1 /* CLD_EXITED */ ? status : 0x80 + status;
    }
}
