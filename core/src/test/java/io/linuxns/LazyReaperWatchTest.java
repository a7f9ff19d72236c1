package io.linuxns;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A spawn does not put its pidfd into the reaper's epoll set: the reaper adds it on a tick, when
 * nobody waits for the process by then (docs/spawn.md, "The parent, in order", 8). What must
 * hold all the same: an exit before the reaper looks completes {@code onExit()}, a process that
 * nobody ever waits for is reaped and its pidfd closed (also after the reaper went idle, when
 * only the spawn's wake-up brings it back), and a virtual thread's wait returns.
 */
class LazyReaperWatchTest {

    @BeforeAll
    static void warmUp() {
        TestSupport.warmUp();
    }

    private static NamespacedProcessBuilder trueCommand() {
        return new NamespacedProcessBuilder("/bin/true").inheritIO();
    }

    /** The process's state letter in /proc/PID/stat, or 0 once it is reaped. */
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (java.io.IOException gone) {
            return 0;
        }
    }

    /**
     * Waits until {@code p} is reaped by the library without asking it (isAlive() and exitValue()
     * reap themselves): its /proc entry goes only when the reaper's waitid takes it.
     */
    private static void awaitReapedByLibrary(Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (state(p.pid()) != 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(0, state(p.pid()), "process " + p.pid() + " was never reaped: nobody watched its pidfd");
    }

    /** Waits until the descriptors opened since {@code before} are closed (the release follows the reap). */
    private static void awaitNoNewFds(Set<String> before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!TestSupport.newFds(before).isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(Set.of(), TestSupport.newFds(before), "every pidfd closed once reaped");
    }

    /** Spawns /bin/true and returns it once it is a zombie, or null when it was reaped first (a slow look). */
    private static Process zombie() throws Exception {
        Process p = trueCommand().start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        char s;
        while ((s = state(p.pid())) != 'Z' && s != 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        return s == 'Z' ? p : null;
    }

    @Test
    void anExitIsSeenAtOnceWithoutAWait() throws Exception {
        int zombies = 0;
        for (int i = 0; i < 20; i++) {
            // A zombie seen within a few ms of the spawn, before the reaper's tick put it in the epoll set.
            Process p = zombie();
            if (p == null) continue;
            zombies++;
            assertFalse(p.isAlive(), "isAlive() of an exited process " + p.pid());
            assertEquals(0, p.exitValue());
            assertEquals(java.util.OptionalInt.empty(), ((NamespacedProcess) p).terminatingSignal());
            assertEquals(0, p.waitFor());
        }
        for (int i = 0; i < 20; i++) {
            Process p = zombie();
            if (p == null) continue;
            zombies++;
            assertEquals(0, p.exitValue(), "exitValue() of an exited process " + p.pid() + " without isAlive() first");
        }
        assertTrue(zombies > 0, "no spawn was seen as a zombie before its reap: the test checked nothing");
    }

    @Test
    void anExitBeforeTheReaperLooksStillCompletesOnExit() throws Exception {
        for (int i = 0; i < 20; i++) {
            Process p = trueCommand().start();
            // Exited (a zombie) while no thread waits: its pidfd need not be in the epoll set yet.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (state(p.pid()) != 'Z' && state(p.pid()) != 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            Process done = p.onExit().get(60, TimeUnit.SECONDS);
            assertEquals(0, done.exitValue());
        }
    }

    @Test
    void processesNobodyWaitsForAreReapedAndTheirPidfdsClosed() throws Exception {
        Set<String> before = TestSupport.openFds();
        List<Process> started = new ArrayList<>();
        for (int i = 0; i < 50; i++) started.add(trueCommand().start());
        for (Process p : started) awaitReapedByLibrary(p);
        for (Process p : started) assertEquals(0, p.exitValue());
        awaitNoNewFds(before);
    }

    @Test
    void aSpawnWakesAnIdleReaper() throws Exception {
        for (int i = 0; i < 3; i++) {
            // Long enough for the reaper to find nothing queued on two ticks and block without a timeout.
            Thread.sleep(200);
            Process p = trueCommand().start();
            awaitReapedByLibrary(p);
            assertEquals(0, p.exitValue());
        }
    }

    @Test
    void aTimedWaitThatGivesUpLeavesTheProcessWatched() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "0.3").inheritIO().start();
        assertFalse(p.waitFor(1, TimeUnit.MILLISECONDS));
        awaitReapedByLibrary(p);
        assertEquals(0, p.exitValue());
    }

    @Test
    void virtualThreadsWaitForTheReaper() throws Exception {
        List<Thread> waiters = new ArrayList<>();
        int[] exits = new int[8];
        for (int i = 0; i < exits.length; i++) {
            int n = i;
            Process p = (i % 2 == 0 ? trueCommand() : new NamespacedProcessBuilder("sleep", "0.1").inheritIO()).start();
            waiters.add(Thread.ofVirtual().start(() -> {
                try {
                    exits[n] = p.waitFor() + 1;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : waiters) t.join(TimeUnit.SECONDS.toMillis(60));
        for (Thread t : waiters) assertFalse(t.isAlive(), "a virtual thread's waitFor() never returned");
        for (int e : exits) assertEquals(1, e);
    }
}
