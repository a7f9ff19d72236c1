package io.linuxns.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The library's one long-lived platform thread, in the namespaces the JVM started in.
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
            Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(body);
            t.start();
            return t;
        });
    }

    /** A {@link Callable} with a precise exception type. */
    @FunctionalInterface
    public interface CheckedCallable<T, X extends Exception> {
        T call() throws X;
    }
}
