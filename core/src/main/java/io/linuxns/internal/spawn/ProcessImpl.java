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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A spawned process, backed by its pidfd until it is reaped. */
final class ProcessImpl extends NamespacedProcess {
    private final long pid;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private int pidfd;

    private ProcessImpl(long pid, int pidfd, OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static ProcessImpl start(Clone3.Child child, int[] parentEnds) throws IOException {
        OutputStream in = OutputStream.nullOutputStream();
        InputStream out = InputStream.nullInputStream();
        InputStream err = InputStream.nullInputStream();
        try {
            if (parentEnds[0] >= 0) in = new PipeStreams.Output(procFd(parentEnds[0]));
            if (parentEnds[1] >= 0) out = new PipeStreams.Input(procFd(parentEnds[1]));
            if (parentEnds[2] >= 0) err = new PipeStreams.Input(procFd(parentEnds[2]));
        } finally {
            for (int fd : parentEnds) {
                if (fd >= 0) Native.close(fd);
            }
        }
        ProcessImpl p = new ProcessImpl(child.pid(), child.pidfd(), in, out, err);
        Reaper.watch(child.pidfd(), p);
        return p;
    }

    /**
     * A pipe end reopened through {@code /proc/self/fd} as a {@code java.io} stream: the JDK has
     * no public way to wrap a raw descriptor. The caller closes the original.
     */
    private static String procFd(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /**
     * Reaps the process if it has exited ({@code waitid(P_PIDFD, WEXITED | WNOHANG)}) and
     * completes its exit code. Called by the reaper thread and by threads in
     * {@link #waitFor()}, whichever comes first; the lock makes one of them reap and the other see
     * it done. The pidfd stays open: only the reaper closes it, in {@link #release()}, so no other
     * thread ever uses a number that could meanwhile belong to another file.
     *
     * @return whether the process has exited and been reaped
     */
    synchronized boolean reapIfExited(MemorySegment siginfo) {
        if (exit.isDone()) return true;
        Integer code = Reaper.tryReap(pidfd, siginfo);
        if (code == null) return false;
        exit.complete(code);
        return true;
    }

    /** Called by the reaper once the process is reaped: the pidfd and the pipes go. */
    void release() {
        synchronized (this) {
            Native.close(pidfd);
            pidfd = -1;
        }
        // Off the reaper thread: a reader blocked on a stream would hold its lock.
        CompletableFuture.runAsync(() -> PipeStreams.processExited(stdin, stdout, stderr));
    }

    /**
     * On a platform thread, waits on a private dup of the pidfd and reaps the process itself,
     * instead of waking the reaper thread and then being woken by it (two thread switches, a
     * tenth of a spawn here). Polls in slices so that an interrupt is noticed. Virtual threads
     * wait for the reaper: a native wait would pin their carrier.
     *
     * @return whether the process exited within {@code nanos} (negative: no limit)
     */
    private boolean awaitDirectly(long nanos) throws InterruptedException {
        int dup;
        synchronized (this) {
            if (exit.isDone() || pidfd < 0) return exit.isDone();
            try {
                dup = Native.dupCloexecAtLeast(pidfd, 3);
            } catch (io.linuxns.NamespaceException e) {
                return false; // out of descriptors: the reaper will do it
            }
        }
        long deadline = System.nanoTime() + nanos;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment poll = arena.allocate(io.linuxns.bindings.pollfd.layout());
            MemorySegment siginfo = arena.allocate(128, 8);
            while (true) {
                if (Thread.interrupted()) throw new InterruptedException();
                long left = nanos < 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) return false;
                io.linuxns.bindings.pollfd.fd(poll, dup);
                io.linuxns.bindings.pollfd.events(poll, (short) LinuxNs.POLLIN());
                int r = Native.rawPoll(poll, (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
                if (r != 0 && r != -Errno.EINTR) return reapIfExited(siginfo) || exit.isDone();
                if (exit.isDone()) return true;
            }
        } finally {
            Native.close(dup);
        }
    }

    /** Blocks until the process behind {@code pidfd} has exited, and reaps it. */
    static void reap(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(128, 8);
            int r;
            do {
                r = Native.rawWaitid(LinuxNs.P_PIDFD(), pidfd, info, LinuxNs.WEXITED());
            } while (r == -Errno.EINTR);
        }
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
        if (!Thread.currentThread().isVirtual()) awaitDirectly(-1);
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!Thread.currentThread().isVirtual()) return awaitDirectly(unit.toNanos(timeout)) || exit.isDone();
        try {
            exit.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public int exitValue() {
        Integer code = exit.getNow(null);
        if (code == null) throw new IllegalThreadStateException("process " + pid + " has not exited");
        return code;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
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

    private synchronized void signal(int sig) {
        if (pidfd >= 0) Native.rawPidfdSendSignal(pidfd, sig);
    }

    /** Dependents run in the common pool, never on the reaper thread: a blocking one would stop all reaping. */
    @Override
    public CompletableFuture<Process> onExit() {
        return exit.thenApplyAsync(code -> this);
    }

    @Override
    public ProcessHandle toHandle() {
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("process " + pid + " has exited"));
    }

    /**
     * Opens {@code /proc/PID/ns/TYPE}, then checks through the pidfd that the process was still
     * this one, so a recycled pid can never hand out a stranger's namespace.
     */
    @Override
    public Namespace namespace(NamespaceType type) throws NamespaceException {
        Namespace ns = Namespace.ofProcess(pid, type);
        synchronized (this) {
            if (pidfd < 0 || Native.rawPidfdSendSignal(pidfd, 0) != 0) {
                ns.close();
                throw new NamespaceException("namespace(" + type + ") of process " + pid, Errno.ESRCH, "the process has exited");
            }
        }
        return ns;
    }

    @Override
    public String toString() {
        Integer code = exit.getNow(null);
        return "NamespacedProcess[pid=" + pid + ", " + (code == null ? "alive" : "exitValue=" + code) + "]";
    }
}
