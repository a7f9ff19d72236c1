package io.linuxns.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The library's long-lived platform thread, in the namespaces the JVM started in, and the few
 * spawning threads it makes ({@link #callSpawner}).
 *
 * <p>A new thread inherits the namespaces, root and working directory of the thread that
 * creates it, and a child's {@code PR_SET_PDEATHSIG} fires when the thread that created it
 * exits. So the library creates its namespace threads and spawns its processes from here: a
 * thread in a known state that lives as long as the JVM and never touches a namespace
 * itself. It is a daemon and is never handed to any pool.
 */
public final class OriginThread {
    private OriginThread() {}

    private static final BlockingQueue<FutureTask<?>> QUEUE = new LinkedBlockingQueue<>();
    private static final Thread THREAD = start();

    private static Thread start() {
        Thread t = Thread.ofPlatform().name("linuxns-origin").daemon(true).unstarted(() -> {
            while (true) {
                try {
                    QUEUE.take().run();
                } catch (InterruptedException e) {
                    // Nobody may stop this thread: keep serving.
                }
            }
        });
        t.start();
        return t;
    }

    /** {@return whether the calling thread is the origin thread} */
    public static boolean isCurrent() {
        return Thread.currentThread() == THREAD;
    }

    /**
     * Runs {@code task} on the origin thread and waits for it; runs it directly when called from
     * there. Exceptions of the task are rethrown as they are.
     */
    public static <T, X extends Exception> T call(CheckedCallable<T, X> task) throws X {
        if (isCurrent()) return task.call();
        FutureTask<T> f = new FutureTask<>(task::call);
        QUEUE.add(f);
        return await(f);
    }

    /** Waits for a task handed to one of the library's threads and rethrows what it threw. */
    private static <T, X extends Exception> T await(FutureTask<T> f) throws X {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The task may have side effects (a child started): always wait for its result.
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException r) throw r;
                    if (c instanceof Error err) throw err;
                    @SuppressWarnings("unchecked") X x = (X) c;
                    throw x;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Creates and starts a daemon platform thread whose native thread is a child of the origin thread. */
    public static Thread newThread(String name, Runnable body) {
        return call(() -> {
            Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
                LIBRARY.set(Boolean.TRUE);
                body.run();
            });
            t.start();
            return t;
        });
    }

    private static final ThreadLocal<Boolean> LIBRARY = new ThreadLocal<>();

    /**
     * {@return whether the calling thread was made by {@link #newThread}} A namespace executor's
     * thread is one: the library never treats it as a caller's thread.
     */
    public static boolean isLibraryThread() {
        return LIBRARY.get() != null || isCurrent();
    }

    /** How many spawning threads there may be: enough that no spawn waits behind another for long. */
    private static final int SPAWNERS_MAX = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
    private static final BlockingQueue<FutureTask<?>> SPAWN_QUEUE = new LinkedBlockingQueue<>();
    /** Guards the counts below; held only to count, never while a task runs. */
    private static final Object SPAWNERS = new Object();
    private static int spawners, idleSpawners;

    /**
     * Runs {@code task} on one of a few long-lived platform threads made by the origin thread,
     * named like it and in the same state (its namespaces, root and working directory), and
     * waits for it; a new one is made when all are busy, up to a fixed number. They never end,
     * so a child's {@code PR_SET_PDEATHSIG} fires only when the JVM exits, and spawns that cannot
     * run on their caller's thread (virtual threads, a death signal asked) do not queue behind
     * a single thread.
     */
    public static <T, X extends Exception> T callSpawner(CheckedCallable<T, X> task) throws X {
        boolean grow;
        synchronized (SPAWNERS) {
            // idleSpawners: idle threads less queued tasks; this task claims one, existing or new.
            grow = idleSpawners <= 0 && spawners < SPAWNERS_MAX;
            if (grow) spawners++;
            idleSpawners--;
        }
        if (grow) {
            try {
                newThread("linuxns-origin", OriginThread::serveSpawns);
            } catch (Throwable t) {
                synchronized (SPAWNERS) {
                    spawners--;
                    idleSpawners++;
                }
                throw t;
            }
        }
        FutureTask<T> f = new FutureTask<>(task::call);
        SPAWN_QUEUE.add(f);
        return await(f);
    }

    private static void serveSpawns() {
        synchronized (SPAWNERS) {
            idleSpawners++;
        }
        while (true) {
            FutureTask<?> f;
            try {
                f = SPAWN_QUEUE.take();
            } catch (InterruptedException e) {
                continue; // nobody may stop this thread
            }
            f.run();
            Thread.interrupted();
            synchronized (SPAWNERS) {
                idleSpawners++;
            }
        }
    }

    /** A {@link Callable} with a precise exception type. */
    @FunctionalInterface
    public interface CheckedCallable<T, X extends Exception> {
        T call() throws X;
    }
}
