package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * One daemon thread that waits for every spawned process at once: their pidfds are in one
 * {@code epoll(7)} set (a pidfd becomes readable when its process exits, {@code pidfd_open(2)}),
 * and it reaps them with {@code waitid(P_PIDFD)}. No thread per process, and no pid that could
 * be recycled. A spawn does not add its pidfd itself: most processes are waited for at once by
 * a platform thread in {@code waitFor()}, which waits on the pidfd itself ({@link ProcessImpl}),
 * so that a spawn and its wait need neither another thread nor an {@code epoll_ctl}. A spawn
 * only queues its process ({@link #watchLater}); this thread, ticking every {@value #TICK_MILLIS}
 * ms while spawns come, adds each process that is still not waited for on its second tick (so
 * after {@value #TICK_MILLIS}–2×{@value #TICK_MILLIS} ms). An exit before that is no exit missed:
 * a pidfd is readable once its process has exited, so the reaper sees it at once when it adds
 * it. {@code onExit()} and a virtual thread's wait add the pidfd at once. After two ticks with
 * nothing queued the thread blocks in {@code epoll_wait} without a timeout, and the next spawn
 * wakes it through the wake pipe (one {@code write}, only then).
 *
 * <p>The thread never ends: every waiter on a virtual thread and every {@code onExit()} depends
 * on it. An error is reported through {@link System.Logger} (logger {@code io.linuxns.internal.spawn.Reaper})
 * and the loop goes on. A process whose pidfd {@code epoll_ctl} cannot add (ENOMEM, ENOSPC at
 * {@code fs.epoll.max_user_watches}) is checked with {@code WNOHANG} every {@value #SWEEP_MILLIS}
 * ms instead, which needs neither memory in the kernel nor a descriptor.
 *
 * <p>Once the JVM shuts down (its shutdown hooks run) the thread stops blocking in
 * {@code epoll_wait}: it polls with a zero timeout every {@value #EXIT_POLL_MILLIS} ms and sleeps
 * in Java in between. HotSpot's exit waits up to 300 ms ({@code -XX:UserThreadWaitAttemptsAtExit},
 * JDK 25) for threads that are in native code, and a reaper blocked in the kernel would make every
 * JVM that ever spawned exit that much later. Shutdown hooks that still wait for a process are
 * served, a few milliseconds late. {@code Runtime.halt} runs no hooks and still waits.
 */
final class Reaper {
    private Reaper() {}

    /**
     * Made when first needed: System.getLogger initialises the JDK's logging back end (a service
     * lookup in the runtime image), which cost a fresh JVM's first spawn about 6 ms, and the
     * reaper logs only on errors.
     */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Reaper.class.getName());
    }

    /**
     * Logs, and never throws: the first message initialises {@link Log} inside the reaper's
     * catch blocks, under the out-of-memory error they exist for, and an error escaping from
     * there would end the reaper's loop and leave every process unreaped.
     */
    private static void log(System.Logger.Level level, String format, Object... args) {
        try {
            Log.LOG.log(level, format, args);
        } catch (Throwable ignored) {
            // Nowhere left to report it; the reaper goes on.
        }
    }

    /** As {@link #log(System.Logger.Level, String, Object...)}, with a throwable's stack trace. */
    private static void log(System.Logger.Level level, String message, Throwable thrown) {
        try {
            Log.LOG.log(level, message, thrown);
        } catch (Throwable ignored) {
            // Nowhere left to report it; the reaper goes on.
        }
    }
    /** How often the processes outside the epoll set are checked, and the pause after an unexpected error. */
    static final long SWEEP_MILLIS = 100;
    /** struct epoll_event is packed on x86_64: {u32 events; u64 data}. */
    private static final long EVENT_SIZE = 12, EVENT_DATA = 4;
    private static final int EVENTS = 64;
    /** How often the epoll set is polled once the JVM shuts down. */
    static final long EXIT_POLL_MILLIS = 5;
    /** Set by the shutdown hook: from then on the thread never blocks in native code. */
    private static volatile boolean exiting;
    /** How often queued processes are looked at while spawns come ({@link #watchLater}). */
    static final long TICK_MILLIS = 10;
    /** Spawned processes not yet looked at by the reaper: not in the epoll set, perhaps waited for already. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<ProcessImpl> QUEUED = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /**
     * Set by the reaper before it blocks without a timeout (nothing queued): the next spawn that
     * queues a process clears it and wakes the reaper. Both sides write one flag then read the
     * other's (volatile: one of them sees the other), so no queued process waits unseen.
     */
    private static final java.util.concurrent.atomic.AtomicBoolean IDLE = new java.util.concurrent.atomic.AtomicBoolean();
    /** The wake pipe's key in the epoll set; processes have keys from 1. */
    private static final long WAKE_KEY = 0;

    private static final Map<Long, ProcessImpl> WATCHED = new ConcurrentHashMap<>();
    /** Watched processes that are not in the epoll set: swept. */
    private static final Set<ProcessImpl> SWEPT = ConcurrentHashMap.newKeySet();
    private static final AtomicLong KEYS = new AtomicLong(WAKE_KEY);
    /*
     * Started by the first spawn (start()), not in a static initialiser: a failure there (EMFILE,
     * ENOMEM at the first spawn) would leave the class unusable for the JVM's life. Written once,
     * under the class lock, before the thread that reads them starts.
     */
    private static volatile int epoll = -1;
    private static volatile int[] wake;
    private static volatile Thread thread;
    private static boolean hookAdded;

    /**
     * Starts the reaper if it is not running: its epoll set, its wake pipe and its thread. Called
     * by every spawn before it opens anything; a failure leaves nothing open, and the next spawn
     * tries again.
     *
     * @throws NamespaceException if the epoll set or the wake pipe cannot be made
     */
    static void start() throws NamespaceException {
        if (thread != null) return;
        synchronized (Reaper.class) {
            if (thread != null) return;
            long ep = Native.rawSyscall4(LinuxNs.SYS_epoll_create1(), LinuxNs.EPOLL_CLOEXEC(), 0, 0, 0);
            if (ep < 0) throw new NamespaceException("epoll_create1(EPOLL_CLOEXEC) for the process reaper", (int) -ep, hint((int) -ep));
            int[] w = null;
            boolean started = false;
            try {
                int r;
                try (Arena arena = Arena.ofConfined()) {
                    // Non-blocking: a wake-up never waits, not even on a full pipe (the reaper wakes itself too).
                    w = Native.pipe(arena, LinuxNs.O_CLOEXEC() | LinuxNs.O_NONBLOCK());
                    epoll = (int) ep;
                    r = control(LinuxNs.EPOLL_CTL_ADD(), w[0], WAKE_KEY, arena);
                }
                if (r < 0) throw new NamespaceException("epoll_ctl(EPOLL_CTL_ADD, the reaper's wake pipe)", -r, hint(-r));
                wake = w;
                if (!hookAdded) {
                    try {
                        Runtime.getRuntime().addShutdownHook(new Thread(Reaper::shutdown, "linuxns-reaper-exit"));
                    } catch (IllegalStateException shuttingDown) {
                        exiting = true; // first spawned from a shutdown hook
                    }
                    hookAdded = true;
                }
                thread = OriginThread.newThread("linuxns-reaper", Reaper::loop);
                started = true;
            } finally {
                if (!started) {
                    epoll = -1;
                    wake = null;
                    Native.close((int) ep);
                    if (w != null) {
                        Native.close(w[0]);
                        Native.close(w[1]);
                    }
                }
            }
        }
    }

    private static String hint(int errno) {
        return errno == Errno.EMFILE || errno == Errno.ENFILE
                ? "the open-files limit is reached (RLIMIT_NOFILE: ulimit -n); close descriptors or raise it, then spawn again" : null;
    }

    /** The shutdown hook: out of {@code epoll_wait}, and never back into it for longer than a poll. */
    private static void shutdown() {
        exiting = true;
        if (wake != null) wake();
    }

    /** {@return whether the calling thread is the reaper's} */
    static boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** {@return a key for a new process} */
    static long newKey() {
        return KEYS.incrementAndGet();
    }

    /**
     * Starts watching a new process: no system call unless the reaper is idle (then one
     * {@code write} wakes it). The reaper adds the pidfd to the epoll set on its second tick
     * unless a thread is waiting on it by then or it is released ({@link ProcessImpl#watchIfUnwaited}).
     */
    static void watchLater(long key, ProcessImpl p) {
        WATCHED.put(key, p);
        QUEUED.add(p);
        if (IDLE.get() && IDLE.compareAndSet(true, false)) wake();
    }

    /** Puts a watched process's pidfd (back) into the epoll set; if the kernel refuses, the process is swept. */
    static void add(long key, int pidfd, ProcessImpl p) {
        try (Scratch scratch = Scratch.take()) {
            add(key, pidfd, p, scratch);
        }
    }

    private static void add(long key, int pidfd, ProcessImpl p, SegmentAllocator scratch) {
        if (control(LinuxNs.EPOLL_CTL_ADD(), pidfd, key, scratch) == 0) return;
        SWEPT.add(p);
        wake();
    }

    /**
     * Takes a pidfd out of the epoll set (before it is closed, or while a thread waits on it
     * itself). EPOLL_CTL_DEL ignores the event (a NULL one is fine since Linux 2.6.9).
     */
    static void remove(int pidfd, ProcessImpl p) {
        Native.rawSyscall4(LinuxNs.SYS_epoll_ctl(), epoll, LinuxNs.EPOLL_CTL_DEL(), pidfd, 0);
        SWEPT.remove(p);
    }

    /** Lets go of a released process. */
    static void forget(long key, ProcessImpl p) {
        WATCHED.remove(key, p);
        SWEPT.remove(p);
    }

    private static int control(int op, int fd, long key, SegmentAllocator scratch) {
        MemorySegment ev = scratch.allocate(EVENT_SIZE, 8);
        ev.set(JAVA_INT_UNALIGNED, 0, LinuxNs.EPOLLIN());
        ev.set(JAVA_LONG_UNALIGNED, EVENT_DATA, key);
        return (int) Native.rawSyscall4(LinuxNs.SYS_epoll_ctl(), epoll, op, fd, ev.address());
    }

    private static void wake() {
        try (Arena arena = Arena.ofConfined()) {
            Native.rawWrite(wake[1], arena.allocateFrom("w"), 1);
        }
    }

    private static void loop() {
        Loop loop = new Loop(Reaper.epoll, wake[0]);
        while (true) {
            try {
                loop.once();
            } catch (Throwable t) {
                // Out of memory, or a bug: report it, and go on after a pause rather than spin on it.
                log(System.Logger.Level.ERROR, "the process reaper caught an error and goes on", t);
                pause();
            }
        }
    }

    /**
     * The reaper's loop state, one pass per {@link #once()}: a method the JIT compiles after a
     * few hundred passes (the ticks make about a hundred a second while spawns come), where a
     * loop body in one never-returning method would stay interpreted until an on-stack
     * replacement after tens of thousands.
     */
    private static final class Loop {
        private final int epoll, wakeIn;
        private final MemorySegment wakeBuf = Arena.global().allocate(64);
        private final MemorySegment siginfo = Arena.global().allocate(128, 8);
        private final MemorySegment events = Arena.global().allocate(EVENT_SIZE * EVENTS, 8);
        private boolean waitFailing;
        /** Queued at the last tick: added to the epoll set at the next one, unless waited for or released by then. */
        private final java.util.ArrayList<ProcessImpl> seen = new java.util.ArrayList<>();
        private final long tickNanos = TICK_MILLIS * 1_000_000;
        private long lastTick = System.nanoTime();

        Loop(int epoll, int wakeIn) {
            this.epoll = epoll;
            this.wakeIn = wakeIn;
        }

        void once() {
            long now = System.nanoTime();
            if (now - lastTick >= tickNanos) {
                lastTick = now;
                tick(seen);
            }
            boolean ticking = !seen.isEmpty() || !QUEUED.isEmpty();
            if (!ticking && !exiting) {
                IDLE.set(true);
                // A spawn that queued before the flag was set did not wake this thread: look again.
                if (!QUEUED.isEmpty() && IDLE.compareAndSet(true, false)) ticking = true;
            }
            int timeout;
            if (exiting) {
                java.util.concurrent.locks.LockSupport.parkNanos(EXIT_POLL_MILLIS * 1_000_000);
                timeout = 0;
            } else {
                timeout = !SWEPT.isEmpty() ? (int) SWEEP_MILLIS : -1;
                if (ticking) {
                    int toTick = (int) Math.max(1, (tickNanos - (System.nanoTime() - lastTick) + 999_999) / 1_000_000);
                    timeout = timeout < 0 ? toTick : Math.min(timeout, toTick);
                }
            }
            int n = (int) Native.rawSyscall4(LinuxNs.SYS_epoll_wait(), epoll, events.address(), EVENTS, timeout);
            IDLE.set(false);
            if (n == -Errno.EINTR) return;
            if (n < 0) {
                if (!waitFailing) {
                    log(System.Logger.Level.WARNING, "epoll_wait(2) failed in the process reaper: {0} ({1}); checking the"
                            + " processes every {2} ms instead until it works again", Errno.name(-n), Native.strerror(-n), SWEEP_MILLIS);
                    waitFailing = true;
                }
                pause();
                for (Map.Entry<Long, ProcessImpl> e : WATCHED.entrySet()) reapOne(e.getKey(), e.getValue(), siginfo);
                return;
            }
            if (waitFailing) {
                log(System.Logger.Level.INFO, "epoll_wait(2) works again in the process reaper");
                waitFailing = false;
            }
            for (int i = 0; i < n; i++) {
                long key = events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + EVENT_DATA);
                if (key == WAKE_KEY) {
                    Native.rawRead(wakeIn, wakeBuf, wakeBuf.byteSize());
                    continue;
                }
                ProcessImpl p = WATCHED.get(key);
                if (p != null) reapOne(key, p, siginfo);
            }
            for (ProcessImpl p : SWEPT) reapOne(p.key(), p, siginfo);
        }
    }

    /**
     * Adds the processes queued before the last tick that nobody waits for yet to the epoll set,
     * and keeps those queued since for the next tick. A process spawned and waited for at once is
     * released before its second tick and never enters the set.
     */
    private static void tick(java.util.ArrayList<ProcessImpl> seen) {
        for (ProcessImpl p : seen) {
            try {
                p.watchIfUnwaited();
            } catch (Throwable t) {
                // Out of memory for the epoll_ctl buffer: checked with WNOHANG instead, as when the kernel refuses.
                SWEPT.add(p);
                log(System.Logger.Level.ERROR, "the process reaper failed to watch process " + p.pid() + " and sweeps it", t);
            }
        }
        seen.clear();
        // Taken off the queue only once in seen (only this thread takes): an out-of-memory error
        // growing seen leaves the process queued for the next tick instead of in neither.
        for (ProcessImpl p; (p = QUEUED.peek()) != null; QUEUED.poll()) seen.add(p);
    }

    /** Reaps {@code p} if it has exited and lets go of it; an error stays with this process. */
    private static void reapOne(long key, ProcessImpl p, MemorySegment siginfo) {
        try {
            if (p.reapIfExited(siginfo)) p.release();
        } catch (Throwable t) {
            log(System.Logger.Level.ERROR, "the process reaper failed on process " + p.pid() + " and goes on", t);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(SWEEP_MILLIS);
        } catch (InterruptedException e) {
            // Nobody may stop this thread: go on.
        }
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
