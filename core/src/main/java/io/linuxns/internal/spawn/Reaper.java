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
 *
 * <p>The thread never ends: every waiter on a virtual thread and every {@code onExit()} depends
 * on it. An error is reported through {@link System.Logger} (logger {@code io.linuxns.internal.spawn.Reaper})
 * and the loop goes on. While {@code poll(2)} itself fails (EINVAL when there are more
 * descriptors to poll than {@code RLIMIT_NOFILE}, ENOMEM), it checks every watched process
 * with {@code WNOHANG} every {@value #SWEEP_MILLIS} ms instead, which needs neither memory in
 * the kernel nor a descriptor.
 */
final class Reaper {
    private Reaper() {}

    private static final System.Logger LOG = System.getLogger(Reaper.class.getName());
    /** How often the watched processes are checked while poll fails, and the pause after an unexpected error. */
    static final long SWEEP_MILLIS = 100;

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
        boolean pollFailing = false;
        while (true) {
            try {
                List<Integer> fds = new ArrayList<>(WATCHED.keySet());
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment polls = arena.allocate(pollfd.layout(), fds.size() + 1);
                    set(polls, 0, WAKE[0]);
                    for (int i = 0; i < fds.size(); i++) set(polls, i + 1, fds.get(i));
                    int n = Native.rawPoll(polls, fds.size() + 1, -1);
                    if (n == -Errno.EINTR) continue;
                    if (n < 0) {
                        if (!pollFailing) {
                            LOG.log(System.Logger.Level.WARNING, "poll(2) of {0} descriptors failed in the process reaper: {1} ({2});"
                                    + " checking the processes every {3} ms instead until it works again",
                                    fds.size() + 1, Errno.name(-n), Native.strerror(-n), SWEEP_MILLIS);
                            pollFailing = true;
                        }
                        pause();
                        for (Map.Entry<Integer, ProcessImpl> e : WATCHED.entrySet()) reapOne(e.getKey(), e.getValue(), siginfo);
                        continue;
                    }
                    if (pollFailing) {
                        LOG.log(System.Logger.Level.INFO, "poll(2) works again in the process reaper");
                        pollFailing = false;
                    }
                    if (revents(polls, 0) != 0) Native.rawRead(WAKE[0], wakeBuf, wakeBuf.byteSize());
                    for (int i = 0; i < fds.size(); i++) {
                        if (revents(polls, i + 1) == 0) continue;
                        int fd = fds.get(i);
                        ProcessImpl p = WATCHED.get(fd);
                        if (p != null) reapOne(fd, p, siginfo);
                    }
                }
            } catch (Throwable t) {
                // Out of memory, or a bug: report it, and go on after a pause rather than spin on it.
                LOG.log(System.Logger.Level.ERROR, "the process reaper caught an error and goes on", t);
                pause();
            }
        }
    }

    /** Reaps {@code p} if it has exited and lets go of it; an error stays with this process. */
    private static void reapOne(int fd, ProcessImpl p, MemorySegment siginfo) {
        try {
            if (p.reapIfExited(siginfo)) {
                WATCHED.remove(fd, p);
                p.release();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "the process reaper failed on process " + p.pid() + " and goes on", t);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(SWEEP_MILLIS);
        } catch (InterruptedException e) {
            // Nobody may stop this thread: go on.
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
