package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Flags;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;
import io.linuxns.internal.jfr.Events;
import io.linuxns.internal.jfr.NamespaceEnterEvent;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A dedicated platform thread that lives in namespaces of its own and runs the tasks given to
 * it there: thread-scoped namespaces for a JVM ({@code unshare(2)}, {@code setns(2)}).
 *
 * <p>Namespaces belong to a thread, not to the JVM. An executor's thread is created by the
 * library's origin thread (in the namespaces the JVM started in), then unshares or joins the
 * namespaces asked for before it runs any task; no other thread of the JVM changes. Only
 * MOUNT, UTS, IPC, NETWORK and CGROUP namespaces can be entered by a thread of a running JVM;
 * USER, PID and TIME need a new process: see {@link NamespacedProcessBuilder}.
 *
 * <pre>{@code
 * try (NamespaceExecutor ns = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS, NamespaceType.NETWORK))) {
 *     ns.run(() -> { ... sockets created here live in the new network namespace ... });
 * }
 * }</pre>
 *
 * <p><b>Threads started by a task inherit the executor's namespaces</b>: a
 * {@code ProcessBuilder} (and its reaper thread), an executor service, a parallel stream's
 * first workers. The library itself never creates a thread from inside one. Closing the
 * executor lets queued tasks finish, then ends the thread; it is never reused.
 */
public final class NamespaceExecutor implements Executor, AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Runnable STOP = () -> {};

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final String description;
    /** The types it unshared or joined; in every other type its thread is where the JVM started. */
    private final Set<NamespaceType> types;
    private volatile Thread thread;
    private volatile boolean closed;

    private NamespaceExecutor(String description, Set<NamespaceType> types) {
        this.description = description;
        this.types = types;
    }

    /**
     * Starts an executor whose thread unshares {@code types} ({@code unshare(2)}): new, empty
     * namespaces of those types, seen by no other thread. A new mount namespace is made
     * recursively private at once, so that no mount made inside propagates back (as
     * {@code unshare(1)} does).
     *
     * @param types any of MOUNT, UTS, IPC, NETWORK, CGROUP, at least one
     * @return the executor, its thread already in the new namespaces
     * @throws IllegalArgumentException for an empty set (an executor in no namespace of its own is
     *         only a slower thread), or for USER, PID or TIME, with the reason and the alternative
     * @throws NamespaceException if the kernel refuses: EPERM without CAP_SYS_ADMIN, which a thread
     *         can never gain (unprivileged, use {@link NamespacedProcessBuilder} with
     *         {@link NamespacedProcessBuilder#mapRootToCurrentUser()}), ENOSPC when a
     *         {@code /proc/sys/user/max_*_namespaces} limit is reached
     */
    public static NamespaceExecutor unshare(Set<NamespaceType> types) throws NamespaceException {
        Objects.requireNonNull(types, "types");
        if (types.isEmpty()) {
            throw new IllegalArgumentException("no namespace types to unshare given: name at least one of MOUNT, UTS, IPC,"
                    + " NETWORK, CGROUP (with none, the executor's thread would be in the JVM's own namespaces)");
        }
        Set<NamespaceType> set = EnumSet.copyOf(types);
        for (NamespaceType t : set) refuseNonThreadType(t, "unshare");
        int flags = NamespaceType.cloneFlags(set);
        return start("unshare " + set, set, new Events.Enter("unshare", set, List.of(), 0), () -> {
            int r = Native.rawUnshare(flags);
            if (r < 0) throw new NamespaceException("unshare(" + Flags.clone(flags) + ")", -r, unshareHint(-r, flags, set));
            if (set.contains(NamespaceType.MOUNT)) {
                Native.mount(null, "/", null, LinuxNs.MS_REC() | LinuxNs.MS_PRIVATE(), null);
            }
        });
    }

    /**
     * Starts an executor whose thread joins the given namespaces ({@code setns(2)}). The
     * handles are used before this method returns and may be closed afterwards. Joining a
     * mount namespace first gives the thread its own root and working directory
     * ({@code unshare(CLONE_FS)}), without which the kernel refuses.
     *
     * @param namespaces at least one, at most one per type, each MOUNT, UTS, IPC, NETWORK or CGROUP
     * @return the executor, its thread already in those namespaces
     * @throws IllegalArgumentException for none, for a USER, PID or TIME namespace, or two of one type
     * @throws NamespaceException if the kernel refuses (EPERM without CAP_SYS_ADMIN over it)
     */
    public static NamespaceExecutor join(Namespace... namespaces) throws NamespaceException {
        Objects.requireNonNull(namespaces, "namespaces");
        if (namespaces.length == 0) throw new IllegalArgumentException("no namespaces to join given");
        EnumSet<NamespaceType> seen = EnumSet.noneOf(NamespaceType.class);
        List<Namespace> list = new ArrayList<>();
        for (Namespace ns : namespaces) {
            Objects.requireNonNull(ns, "namespace");
            refuseNonThreadType(ns.type(), "join");
            if (!seen.add(ns.type())) {
                throw new IllegalArgumentException("two " + ns.type() + " namespaces given to join: a thread is in one namespace of each type");
            }
            ns.fd(); // a closed handle fails here, on the caller's thread
            list.add(ns);
        }
        // Join the mount namespace last: the others' handles stay reachable whatever its root.
        list.sort((a, b) -> Boolean.compare(a.type() == NamespaceType.MOUNT, b.type() == NamespaceType.MOUNT));
        return start("join " + list, seen, new Events.Enter("join", seen, List.copyOf(list), 0), () -> {
            if (seen.contains(NamespaceType.MOUNT)) Native.unshare(LinuxNs.CLONE_FS());
            for (Namespace ns : list) Native.setns(ns.fd(), ns.type().cloneFlag());
        });
    }

    /**
     * Starts an executor whose thread joins the {@code types} namespaces of process {@code pid},
     * all at once through a pidfd ({@code pidfd_open(2)}, {@code setns(2)} with several flags,
     * Linux 5.8+): either all are joined or none.
     *
     * @param pid the process whose namespaces to join
     * @param types any of MOUNT, UTS, IPC, NETWORK, CGROUP, at least one
     * @return the executor, its thread already in those namespaces
     * @throws IllegalArgumentException for USER, PID or TIME, an empty set or a pid below 1
     * @throws NamespaceException ESRCH if there is no such process, EPERM if the caller lacks
     *         the privilege over its namespaces
     */
    public static NamespaceExecutor join(long pid, Set<NamespaceType> types) throws NamespaceException {
        Objects.requireNonNull(types, "types");
        if (types.isEmpty()) throw new IllegalArgumentException("no namespace types to join given");
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive, got " + pid);
        for (NamespaceType t : types) refuseNonThreadType(t, "join");
        int flags = NamespaceType.cloneFlags(types);
        Set<NamespaceType> set = EnumSet.copyOf(types);
        return start("join pid " + pid + " " + set, set, new Events.Enter("join pid", set, List.of(), pid), () -> {
            int pidfd = Native.pidfdOpen(pid);
            try {
                // Without this, setns(pidfd, ...) including CLONE_NEWNS moves every thread's root (docs/design.md §2).
                Native.unshare(LinuxNs.CLONE_FS());
                int r = Native.rawSetns(pidfd, flags);
                if (r < 0) {
                    throw new NamespaceException("setns(pidfd of " + pid + ", " + Flags.clone(flags) + ")", -r,
                            -r == Errno.EPERM ? "joining another process's namespaces needs CAP_SYS_ADMIN over them" : null);
                }
            } finally {
                Native.close(pidfd);
            }
        });
    }

    /** What to do when a thread's unshare fails: the two errnos a caller can act on. */
    private static String unshareHint(int errno, int flags, Set<NamespaceType> types) {
        return switch (errno) {
            // A thread has only the JVM's capabilities: it cannot make a user namespace to get more
            // (the kernel refuses CLONE_NEWUSER to a multi-threaded process). A new process can.
            case Errno.EPERM -> {
                List<String> names = new ArrayList<>(), args = new ArrayList<>();
                for (NamespaceType t : types) {
                    names.add(t.name());
                    args.add("NamespaceType." + t.name());
                }
                yield "a thread can create " + String.join(", ", names) + " namespaces only with CAP_SYS_ADMIN, which this JVM"
                        + " lacks, and no thread of a JVM can ever gain it from a new user namespace; unprivileged, start a"
                        + " process instead: new NamespacedProcessBuilder(command).unshare(" + String.join(", ", args)
                        + ").mapRootToCurrentUser()";
            }
            case Errno.ENOSPC -> io.linuxns.internal.NamespaceLimits.hint(flags);
            default -> null;
        };
    }

    private static void refuseNonThreadType(NamespaceType t, String verb) {
        switch (t) {
            case USER -> throw new IllegalArgumentException("cannot " + verb + " a USER namespace on a thread: the kernel refuses"
                    + " (EINVAL) for any multi-threaded process such as a JVM; start a process in it with"
                    + " NamespacedProcessBuilder." + verb + "(...)");
            case PID -> throw new IllegalArgumentException("cannot " + verb + " a PID namespace on a thread: only the thread's"
                    + " future children would be in it, and the thread could no longer create threads; start a process in it"
                    + " with NamespacedProcessBuilder." + verb + "(...)");
            case TIME -> throw new IllegalArgumentException("cannot " + verb + " a TIME namespace on a thread: only children"
                    + " enter it and its clock offsets cannot be set from a thread; start a process in it with"
                    + " NamespacedProcessBuilder." + verb + "(...)");
            default -> { }
        }
    }

    private interface Setup {
        void run() throws NamespaceException;
    }

    private static NamespaceExecutor start(String description, Set<NamespaceType> types, Events.Enter what, Setup setup)
            throws NamespaceException {
        NamespaceEnterEvent event = Events.beginEnter();
        NamespaceExecutor ex = new NamespaceExecutor(description, Set.copyOf(types));
        CompletableFuture<Void> ready = new CompletableFuture<>();
        ex.thread = OriginThread.newThread("linuxns-exec-" + COUNTER.incrementAndGet(), () -> ex.serve(setup, ready));
        try {
            ready.join();
        } catch (java.util.concurrent.CompletionException e) {
            ex.closed = true;
            Throwable c = e.getCause();
            Events.entered(event, what, ex.thread, c);
            if (c instanceof NamespaceException n) throw n;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new NamespaceException("setting up " + description + " failed", c);
        }
        Events.entered(event, what, ex.thread, null);
        return ex;
    }

    private void serve(Setup setup, CompletableFuture<Void> ready) {
        try {
            setup.run();
        } catch (Throwable t) {
            // The thread may be half-way into namespaces: it ends here and runs nothing.
            ready.completeExceptionally(t);
            return;
        }
        ready.complete(null);
        while (true) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                continue; // only close() ends this thread
            }
            if (task == STOP) return;
            try {
                task.run();
            } catch (Throwable t) {
                // A task given to execute() threw: report it as an uncaught exception, keep serving.
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
            }
        }
    }

    /**
     * Queues {@code task} to run on the executor's thread.
     *
     * @throws RejectedExecutionException if the executor is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (queue) {
            if (closed) throw new RejectedExecutionException("NamespaceExecutor (" + description + ") is closed");
            queue.add(task);
        }
    }

    /**
     * Queues {@code task} and returns its future.
     *
     * @param <T> the task's result type
     * @param task what to run in the namespaces
     * @return the task's future
     * @throws RejectedExecutionException if the executor is closed
     */
    public <T> Future<T> submit(Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(Objects.requireNonNull(task, "task"));
        execute(f);
        return f;
    }

    /**
     * Runs {@code task} in the namespaces and returns its result, rethrowing what it throws.
     * Called from the executor's own thread, it runs the task directly.
     *
     * @param <T> the task's result type
     * @param task what to run in the namespaces
     * @return what the task returned
     * @throws Exception what the task threw, or {@link InterruptedException} if interrupted while waiting
     * @throws RejectedExecutionException if the executor is closed
     */
    public <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread() == thread) return task.call();
        try {
            return submit(task).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception x) throw x;
            if (c instanceof Error err) throw err;
            throw e;
        }
    }

    /**
     * Runs {@code task} in the namespaces and waits for it, rethrowing its unchecked exceptions.
     *
     * @param task what to run in the namespaces
     * @throws InterruptedException if interrupted while waiting (the task still runs)
     */
    public void run(Runnable task) throws InterruptedException {
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        try {
            submit(() -> {
                task.run();
                return null;
            }).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    /**
     * Opens a handle on the namespace of {@code type} that this executor unshared or joined, for
     * example to join it from another executor or a spawned process, or to persist it.
     *
     * <p>Only those types: in every other type the executor's thread is in the namespace the JVM
     * started in, and a handle on that from here (to persist as if it were new, say) would be a
     * mistake waiting to happen. For the JVM's own, use
     * {@link Namespace#ofProcess(long, NamespaceType)} with {@code ProcessHandle.current().pid()}.
     *
     * @param type one of the types given to {@link #unshare(Set)} or joined
     * @return a new handle, which the caller closes
     * @throws IllegalArgumentException if the executor did not unshare or join a namespace of
     *         that type
     * @throws NamespaceException if the namespace cannot be opened
     * @throws RejectedExecutionException if the executor is closed
     */
    public Namespace namespace(NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        if (!types.contains(type)) {
            throw new IllegalArgumentException(type + " is not a namespace of " + this + ", which has only " + EnumSet.copyOf(types)
                    + " of its own: its thread is in the JVM's " + type + " namespace (for that, use Namespace.ofProcess("
                    + "ProcessHandle.current().pid(), NamespaceType." + type.name() + "))");
        }
        try {
            return call(() -> Namespace.ofCurrentThread(type));
        } catch (NamespaceException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new NamespaceException("opening " + type + " namespace of " + description + " failed", e);
        }
    }

    /** {@return the types of the namespaces this executor unshared or joined} */
    public Set<NamespaceType> types() {
        return EnumSet.copyOf(types);
    }

    /** {@return the executor's thread; a task that starts threads makes them inherit its namespaces} */
    public Thread thread() {
        return thread;
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Lets the queued tasks finish, then ends the thread and waits for it (unless called from a
     * task, which cannot wait for itself). The thread is never reused.
     */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add(STOP);
        }
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "NamespaceExecutor[" + description + (closed ? ", closed" : "") + "]";
    }
}
