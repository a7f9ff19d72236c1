package io.linuxns.internal.spawn;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcess;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A spawned process, backed by its pidfd until it is reaped.
 *
 * <p>Who runs what when it exits (docs/design.md §3): any thread may reap it, the caller's in
 * {@link #waitFor()} included, and that only records the exit code. Everything else is done by
 * library threads that the origin thread made: the reaper wakes virtual-thread waiters and lets
 * go of the pidfd and the pipes (without blocking), and {@link ExitWork} completes the
 * {@link #onExit()} futures, whose dependents run on the completing thread. So a
 * {@code waitFor()} in a {@code NamespaceExecutor} task never runs someone's dependent, nor
 * creates a thread (a common-pool worker, a virtual thread's carrier), in the executor's
 * namespaces.
 */
final class ProcessImpl extends NamespacedProcess {
    private final long pid;
    /** The process forwards into a PID namespace: the command is its child (see {@link #namespace}). */
    private final boolean forwarder;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    /** Guards the pidfd (a number closed here could meanwhile name another file), the reaping, and the exit future. */
    private final Object lock = new Object();
    /** Set under the lock by whichever thread reaps: the state isAlive, exitValue and waitFor answer from. */
    private volatile Integer exitCode;
    /** The signal that killed it (si_status of CLD_KILLED or CLD_DUMPED), 0 if it exited; written before {@link #exitCode}. */
    private int killedBy;
    /**
     * Completed by the reaper with the exit code, never by another thread: virtual threads wait on
     * it (their unpark may start a carrier thread), and no code outside this class depends on it.
     */
    private final CompletableFuture<Integer> reaped = new CompletableFuture<>();
    /** Made by the first onExit(); completed by {@link ExitWork} only. */
    private CompletableFuture<ProcessImpl> exit;
    /** The pidfd is closed and the exit handed on. */
    private boolean released;
    private int pidfd;
    /** This process's key in the {@link Reaper}. */
    private final long key = Reaper.newKey();
    /**
     * The pidfd is in the reaper's epoll set (platform threads in waitFor take it out while they
     * wait on it). Not at first: the reaper adds it on a tick if nobody waits for the process by
     * then ({@link #watchIfUnwaited}), onExit() and waits on the reaper at once.
     */
    private boolean watched;
    /** Platform threads waiting on the pidfd itself: it stays open while there are any. */
    private int directWaiters;
    /** Threads waiting on {@link #reaped}: only the reaper may complete it then (it may unpark a virtual thread). */
    private int reaperWaiters;
    /** See {@link #jdkHandle()}. */
    private ProcessHandle jdkHandle;
    private final Handle handle = new Handle();

    private ProcessImpl(long pid, int pidfd, boolean forwarder, OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.forwarder = forwarder;
        this.pidfd = pidfd;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * @param forwarder whether the child forks the command into a PID namespace and stays
     *                  outside ({@code Plan.forkIntoPidNamespace})
     */
    static ProcessImpl start(Clone3.Child child, int[] parentEnds, boolean forwarder) {
        // The streams own the ends from here; they become java.io streams when first used (PipeStreams).
        OutputStream in = null;
        InputStream out = null, err = null;
        ProcessImpl p = null;
        try {
            in = parentEnds[0] >= 0 ? PipeStreams.output(parentEnds[0]) : OutputStream.nullOutputStream();
            out = parentEnds[1] >= 0 ? PipeStreams.input(parentEnds[1]) : InputStream.nullInputStream();
            err = parentEnds[2] >= 0 ? PipeStreams.input(parentEnds[2]) : InputStream.nullInputStream();
            p = new ProcessImpl(child.pid(), child.pidfd(), forwarder, in, out, err);
            Reaper.watchLater(p.key, p);
            return p;
        } catch (Throwable t) {
            // The ends left Fds already and a bare one has no Cleaner: the caller abandons the child, this closes them.
            if (p != null) {
                // The caller closes the pidfd: the reaper must not poll or reap its number afterwards.
                synchronized (p.lock) {
                    if (p.watched) Reaper.remove(p.pidfd, p);
                    Reaper.forget(p.key, p);
                    p.watched = false;
                    p.pidfd = -1;
                }
            }
            closeEnd(in, parentEnds[0], t);
            closeEnd(out, parentEnds[1], t);
            closeEnd(err, parentEnds[2], t);
            throw t;
        }
    }

    /** Closes a parent end, through its stream once it has one. */
    private static void closeEnd(java.io.Closeable stream, int fd, Throwable failure) {
        if (fd < 0) return;
        try {
            if (stream != null) stream.close();
            else Native.close(fd);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    long key() {
        return key;
    }

    /**
     * The reaper's tick for a process queued at its spawn: adds the pidfd to the epoll set
     * unless a thread waits on it (that thread puts it there when it stops waiting without the
     * exit), it is there already, or it is released. An exit before this is not missed: the
     * pidfd of a process that has exited is readable, so the reaper sees it right away.
     */
    void watchIfUnwaited() {
        synchronized (lock) {
            if (released || watched || directWaiters > 0 || pidfd < 0) return;
            watched = true;
            Reaper.add(key, pidfd, this);
        }
    }

    /**
     * Reaps the process if it has exited ({@code waitid(P_PIDFD, WEXITED | WNOHANG)}) and
     * records its exit code, nothing more: the caller may be any thread. Called by the reaper
     * thread and by threads in {@link #waitFor()}, whichever comes first; the lock makes one of
     * them reap and the other see it done. The pidfd stays open until {@link #release()}.
     *
     * @return whether the process has exited and been reaped
     */
    boolean reapIfExited(MemorySegment siginfo) {
        synchronized (lock) {
            if (exitCode != null) return true;
            if (pidfd < 0) return false;
            Integer code = Reaper.tryReap(pidfd, siginfo);
            if (code == null) return false;
            int how = siginfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 8); // si_code, zeroed when ECHILD lost the status
            killedBy = how == 2 /* CLD_KILLED */ || how == 3 /* CLD_DUMPED */ ? siginfo.get(java.lang.foreign.ValueLayout.JAVA_INT, 24) : 0;
            exitCode = code;
            return true;
        }
    }

    /**
     * Called once the process is reaped, by the reaper or by the last platform thread that
     * waited on the pidfd itself: the pidfd goes, waiters on the reaper wake, the pipes let go
     * (never blocking on a reader), and the onExit() futures are completed on an {@link ExitWork}
     * thread. Not while a thread still polls the pidfd (so its number never names another file
     * under it): that thread releases when it is done. Not on a thread other than the reaper
     * while a thread waits on the reaper or an onExit() future exists: completing that wait may
     * unpark a virtual thread, which may start a carrier thread, and handing on the future may
     * (when no thread can be made) run its dependents where it is, and the caller's thread may
     * be in an executor's namespaces (docs/design.md §3); the process goes back into the epoll
     * set instead.
     */
    void release() {
        CompletableFuture<ProcessImpl> f;
        int code;
        synchronized (lock) {
            if (released || directWaiters > 0 || exitCode == null) return;
            if ((reaperWaiters > 0 || exit != null) && !Reaper.isCurrent()) {
                if (!watched) {
                    watched = true;
                    Reaper.add(key, pidfd, this); // readable already: the reaper releases it at once
                }
                return;
            }
            released = true;
            if (watched) Reaper.remove(pidfd, this);
            watched = false;
            Native.close(pidfd);
            pidfd = -1;
            Reaper.forget(key, this);
            f = exit;
            code = exitCode;
        }
        try {
            reaped.complete(code);
            PipeStreams.processExited(stdin, stdout, stderr);
        } finally {
            if (f != null) ExitWork.run(() -> f.complete(this));
        }
    }

    /** The future behind every onExit(), made on the first call (most processes never need one). */
    private CompletableFuture<ProcessImpl> exitFuture() {
        synchronized (lock) {
            if (exit == null) {
                exit = new CompletableFuture<>();
                // Released already: complete it here, where nothing depends on it yet.
                if (released) exit.complete(this);
                // Only the reaper completes it: into the epoll set now, not at the reaper's next tick.
                else if (!watched && directWaiters == 0 && pidfd >= 0) {
                    watched = true;
                    Reaper.add(key, pidfd, this);
                }
            }
            return exit;
        }
    }

    /** {@link #awaitDirectly}'s answers. */
    private static final int EXITED = 1, TIMED_OUT = 0, CANNOT = -1;

    /**
     * On a platform thread, takes the pidfd out of the reaper's epoll set, waits on it and reaps
     * the process itself, instead of waking the reaper thread and then being woken by it (two
     * thread switches, a tenth of a spawn here); the last such waiter then releases the process
     * itself, or puts it back into the epoll set. Polls in slices so that an interrupt is
     * noticed. Virtual threads wait for the reaper: a native wait would pin their carrier.
     *
     * @param deadline a {@link System#nanoTime()} to give up at, ignored when {@code forever}
     * @return {@link #EXITED}, {@link #TIMED_OUT}, or {@link #CANNOT} when this thread cannot
     *         wait by itself (a poll error): the caller then waits for the reaper
     */
    private int awaitDirectly(long deadline, boolean forever) throws InterruptedException {
        int fd;
        synchronized (lock) {
            if (exitCode != null) return EXITED;
            if (pidfd < 0) return CANNOT;
            if (directWaiters++ == 0 && watched) {
                watched = false;
                Reaper.remove(pidfd, this);
            }
            fd = pidfd;
        }
        // A few bytes of its own, not a spawn's block: any number of threads may wait for a long time.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment siginfo = arena.allocate(SIGINFO_SIZE + io.linuxns.bindings.pollfd.layout().byteSize(), 8);
            MemorySegment poll = siginfo.asSlice(SIGINFO_SIZE, io.linuxns.bindings.pollfd.layout());
            siginfo = siginfo.asSlice(0, SIGINFO_SIZE);
            while (true) {
                if (Thread.interrupted()) throw new InterruptedException();
                long left = forever ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) return exitCode != null ? EXITED : TIMED_OUT;
                io.linuxns.bindings.pollfd.fd(poll, fd);
                io.linuxns.bindings.pollfd.events(poll, (short) LinuxNs.POLLIN());
                int r = Native.rawPoll(poll, (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
                if (r > 0 && reapIfExited(siginfo)) return EXITED;
                if (r < 0 && r != -Errno.EINTR) return CANNOT;
                if (exitCode != null) return EXITED;
            }
        } finally {
            boolean last;
            synchronized (lock) {
                last = --directWaiters == 0;
                if (last && exitCode == null && !watched) {
                    watched = true;
                    Reaper.add(key, pidfd, this);
                }
            }
            if (last) release();
        }
    }

    /** {@code siginfo_t}'s size. */
    private static final long SIGINFO_SIZE = 128;
    /**
     * Where {@link #reap} lets the kernel write a status that nobody reads: allocated once, so
     * that reaping an abandoned child never fails for want of memory. Threads that reap at once
     * write into it at once; no one reads it.
     */
    private static final MemorySegment DISCARDED_SIGINFO = Arena.global().allocate(SIGINFO_SIZE, 8);

    /**
     * Blocks until the process behind {@code pidfd} has exited, and reaps it; allocates nothing.
     *
     * @return whether it is reaped (or was already: {@code ECHILD}); {@code false} if
     *         {@code waitid} failed otherwise, and the child may still run
     */
    static boolean reap(int pidfd) {
        int r;
        do {
            r = Native.rawWaitid(LinuxNs.P_PIDFD(), pidfd, DISCARDED_SIGINFO, LinuxNs.WEXITED());
        } while (r == -Errno.EINTR);
        return r == 0 || r == -Errno.ECHILD;
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        Integer code = exitCode;
        if (code != null) return code;
        if (!Thread.currentThread().isVirtual() && awaitDirectly(0, true) == EXITED) return exitCode;
        if (!awaitReaper()) return exitCode;
        try {
            return reaped.get();
        } catch (ExecutionException e) {
            throw new AssertionError(e); // never completed exceptionally
        } finally {
            leaveReaper();
        }
    }

    /** Counts this thread among the reaper's waiters; {@code false} if it need not wait (exited). */
    private boolean awaitReaper() {
        synchronized (lock) {
            if (exitCode != null) return false;
            reaperWaiters++;
            if (!watched && directWaiters == 0 && !released) {
                watched = true;
                Reaper.add(key, pidfd, this);
            }
            return true;
        }
    }

    private void leaveReaper() {
        synchronized (lock) {
            reaperWaiters--;
        }
    }

    /**
     * As the JDK's: a timeout of zero or less answers at once with the current state (here after
     * one {@code waitid(WNOHANG)}, which any thread may make); otherwise waits up to the timeout,
     * on the reaper when this thread cannot wait by itself.
     */
    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (exitCode != null) return true;
        long nanos = unit.toNanos(timeout);
        if (nanos <= 0) return reapNow();
        long deadline = System.nanoTime() + nanos;
        if (!Thread.currentThread().isVirtual()) {
            int r = awaitDirectly(deadline, false);
            if (r != CANNOT) return r == EXITED;
        }
        if (!awaitReaper()) return true;
        try {
            reaped.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return exitCode != null;
        } catch (ExecutionException e) {
            throw new AssertionError(e); // never completed exceptionally
        } finally {
            leaveReaper();
        }
    }

    /** Reaps the process if it has exited, without waiting. */
    private boolean reapNow() {
        try (Arena arena = Arena.ofConfined()) {
            return reapIfExited(arena.allocate(SIGINFO_SIZE, 8));
        }
    }

    @Override
    public int exitValue() {
        Integer code = exitCode;
        // Nobody may be watching the pidfd yet (the reaper adds it only on a tick): look once.
        if (code == null && reapNow()) code = exitCode;
        if (code == null) throw new IllegalThreadStateException("process " + pid + " has not exited");
        return code;
    }

    @Override
    public java.util.OptionalInt terminatingSignal() {
        Integer code = exitCode; // the volatile read that makes killedBy, written before it, visible
        if (code == null && reapNow()) code = exitCode;
        if (code == null) throw new IllegalThreadStateException("process " + pid + " has not exited");
        return killedBy == 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(killedBy);
    }

    @Override
    public boolean isAlive() {
        // One waitid(WNOHANG) while no exit is recorded, as waitFor(0): a process that nobody
        // waits for is not in the reaper's epoll set until its next tick, 10-20 ms after the spawn.
        return exitCode == null && !reapNow();
    }

    @Override
    public long pid() {
        return pid;
    }

    /** SIGTERM through the pidfd: never a recycled pid. */
    @Override
    public void destroy() {
        signal(LinuxNs.SIGTERM());
    }

    @Override
    public Process destroyForcibly() {
        signal(LinuxNs.SIGKILL());
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean sendSignal(int signal) {
        if (signal < 1 || signal > 64) throw new IllegalArgumentException("signal " + signal + " is not a signal number (1 to 64, signal(7))");
        return signal(signal);
    }

    /** @return whether the signal was sent: false once the process is reaped */
    private boolean signal(int sig) {
        synchronized (lock) {
            return exitCode == null && pidfd >= 0 && Native.rawPidfdSendSignal(pidfd, sig) == 0;
        }
    }

    /**
     * A new future for each call, as the JDK's: completed on a library thread ({@link ExitWork}),
     * never on the caller's of {@code waitFor()}, the reaper or the common pool. Its synchronous
     * dependents run there (or on the registering thread once it is complete).
     */
    @Override
    public CompletableFuture<Process> onExit() {
        return exitFuture().thenApply(p -> p);
    }

    /**
     * {@return this process's handle, before and after it exited} Like the JDK's, it answers
     * for this process only, never for another that got its pid later: isAlive, onExit,
     * destroy and destroyForcibly go through this object and its pidfd; info, parent, children
     * and descendants are the JDK's, from a handle taken while the pidfd proved the process
     * there (see {@link #jdkHandle()}), and empty once it has exited.
     */
    @Override
    public ProcessHandle toHandle() {
        return handle;
    }

    /**
     * The JDK's handle on this process, taken the first time it is needed while the process is
     * not reaped; {@code null} once it is. {@code ProcessHandle.of(pid)} alone could return a
     * newcomer with a recycled pid: so the handle is taken first and the pidfd checked after
     * ({@code pidfd_send_signal(pidfd, 0)}, under the lock that reaping takes). If the process
     * was still there after the handle was made, the pid was still its own when it was made
     * (a pid is freed only when its process is reaped, a zombie keeps it); the handle carries
     * the start time, and the JDK checks it in info, parent and children.
     */
    private ProcessHandle jdkHandle() {
        synchronized (lock) {
            if (jdkHandle == null && exitCode == null && pidfd >= 0) {
                ProcessHandle h = ProcessHandle.of(pid).orElse(null);
                if (h != null && Native.rawPidfdSendSignal(pidfd, 0) == 0) jdkHandle = h;
            }
            return exitCode == null ? jdkHandle : null;
        }
    }

    /** The handle {@link #toHandle()} returns: one per process, equal only to itself. */
    private final class Handle implements ProcessHandle {
        @Override
        public long pid() {
            return pid;
        }

        @Override
        public Optional<ProcessHandle> parent() {
            ProcessHandle h = jdkHandle();
            return h == null ? Optional.empty() : h.parent();
        }

        @Override
        public Stream<ProcessHandle> children() {
            ProcessHandle h = jdkHandle();
            return h == null ? Stream.empty() : h.children();
        }

        @Override
        public Stream<ProcessHandle> descendants() {
            ProcessHandle h = jdkHandle();
            return h == null ? Stream.empty() : h.descendants();
        }

        /** The JDK's info while the process runs; an empty one after, as the JDK gives for a process that is gone. */
        @Override
        public Info info() {
            ProcessHandle h = jdkHandle();
            return h == null ? NoInfo.INSTANCE : h.info();
        }

        /** Completed on a library thread, as {@link ProcessImpl#onExit()}. */
        @Override
        public CompletableFuture<ProcessHandle> onExit() {
            return exitFuture().thenApply(p -> this);
        }

        @Override
        public boolean supportsNormalTermination() {
            return true;
        }

        /** SIGTERM through the pidfd; false once the process has exited. */
        @Override
        public boolean destroy() {
            return signal(LinuxNs.SIGTERM());
        }

        /** SIGKILL through the pidfd; false once the process has exited. */
        @Override
        public boolean destroyForcibly() {
            return signal(LinuxNs.SIGKILL());
        }

        @Override
        public boolean isAlive() {
            return ProcessImpl.this.isAlive();
        }

        @Override
        public int compareTo(ProcessHandle other) {
            return Long.compare(pid, other.pid());
        }

        @Override
        public boolean equals(Object other) {
            return other == this;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(pid);
        }

        /** The pid, as the JDK's handles print. */
        @Override
        public String toString() {
            return Long.toString(pid);
        }
    }

    /** The info of a process that has exited: nothing is known any more. */
    private record NoInfo() implements ProcessHandle.Info {
        static final NoInfo INSTANCE = new NoInfo();

        @Override public Optional<String> command() { return Optional.empty(); }
        @Override public Optional<String> commandLine() { return Optional.empty(); }
        @Override public Optional<String[]> arguments() { return Optional.empty(); }
        @Override public Optional<java.time.Instant> startInstant() { return Optional.empty(); }
        @Override public Optional<java.time.Duration> totalCpuDuration() { return Optional.empty(); }
        @Override public Optional<String> user() { return Optional.empty(); }
        @Override public String toString() { return "[]"; }
    }

    /**
     * Opens {@code /proc/PID/ns/TYPE}, then checks through the pidfd that the process was still
     * this one, so a recycled pid can never hand out a stranger's namespace. When the process is
     * a forwarder (a joined PID namespace, or one its helper made), it stays outside while the
     * command runs as its child inside: its PID and time namespaces for children
     * ({@code pid_for_children}, {@code time_for_children}) are the command's; every other
     * namespace it shares with the command.
     */
    @Override
    public Namespace namespace(NamespaceType type) throws NamespaceException {
        Namespace ns;
        try {
            if (forwarder && (type == NamespaceType.PID || type == NamespaceType.TIME)) {
                try {
                    ns = Namespace.open(java.nio.file.Path.of("/proc/" + pid + "/ns/" + type.procName() + "_for_children"));
                } catch (NamespaceException e) {
                    if (isAlive()) throw e;
                    throw new NamespaceException("namespace(" + type + ") of process " + pid, Errno.ESRCH, "the process has exited");
                }
            } else {
                ns = Namespace.ofProcess(pid, type);
            }
        } catch (NamespaceException e) {
            if (!forwarder || e.errno() != Errno.EACCES) throw e;
            // The forwarder is not dumpable, so that a joined user namespace cannot ptrace it:
            // its /proc files then need CAP_SYS_PTRACE over the JVM's user namespace.
            NamespaceException explained = new NamespaceException("namespace(" + type + ") of process " + pid, Errno.EACCES,
                    "this process is linuxns's forwarder into a PID namespace, kept undumpable so that the joined namespaces cannot"
                            + " ptrace it; opening its namespaces needs CAP_SYS_PTRACE (root): open the namespaces before the spawn"
                            + " instead (they are the ones joined), or from a process inside them");
            explained.addSuppressed(e);
            throw explained;
        }
        synchronized (lock) {
            if (pidfd < 0 || Native.rawPidfdSendSignal(pidfd, 0) != 0) {
                ns.close();
                throw new NamespaceException("namespace(" + type + ") of process " + pid, Errno.ESRCH, "the process has exited");
            }
        }
        return ns;
    }

    @Override
    public String toString() {
        Integer code = exitCode;
        return "NamespacedProcess[pid=" + pid + ", " + (code == null ? "alive" : "exitValue=" + code) + "]";
    }
}
