package io.linuxns.internal.spawn;

import io.linuxns.internal.OriginThread;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the part of a process's exit that runs other people's code: completing its
 * {@code onExit()} futures, whose synchronous dependents run on the completing thread. It runs
 * on library threads made by the origin thread, so in the namespaces the JVM started in:
 * <ul>
 * <li>never on the thread that reaped, which may be a caller's in {@code waitFor()}, in a
 *     {@code NamespaceExecutor} task (docs/design.md §3: the library never runs foreign code
 *     there, nor creates a thread from there);
 * <li>never on the common pool, whose workers are created by whichever thread first needs one
 *     (an executor's, and they stay in its namespaces), and which dependents that block can wedge;
 * <li>never on the reaper thread itself: a dependent that blocks would stop all reaping.
 * </ul>
 * A cached pool: a task goes to an idle worker, else to a new one, and a worker idle for a
 * minute ends; a dependent that blocks holds up only its own worker.
 */
final class ExitWork {
    private ExitWork() {}

    private static final System.Logger LOG = System.getLogger(ExitWork.class.getName());
    private static final long KEEP_ALIVE_SECONDS = 60;
    /** Idle workers wait here; an offer succeeds only if one is waiting. */
    private static final SynchronousQueue<Runnable> IDLE = new SynchronousQueue<>();
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** Runs {@code task} on an idle worker or a new one. Called by the reaper thread only (ProcessImpl.release). */
    static void run(Runnable task) {
        if (IDLE.offer(task)) return;
        try {
            OriginThread.newThread("linuxns-exit-" + NAMES.incrementAndGet(), () -> work(task));
        } catch (Throwable t) {
            // No thread to be had (out of memory, a thread limit): late on this thread beats never.
            LOG.log(System.Logger.Level.WARNING, "no thread for a process's exit work: it runs on the calling library thread", t);
            runGuarded(task);
        }
    }

    private static void work(Runnable first) {
        for (Runnable task = first; task != null; task = next()) {
            runGuarded(task);
            Thread.interrupted(); // a dependent's interrupt is not the next task's
        }
    }

    private static Runnable next() {
        while (true) {
            try {
                return IDLE.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                // Not ours to stop: keep waiting.
            }
        }
    }

    private static void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "a process's exit work failed", t);
        }
    }
}
