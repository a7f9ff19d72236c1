package io.linuxns.internal.spawn;

import io.linuxns.NamespacedProcessBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread in waitFor() holds a few bytes of its own, not one of the spawns' pooled blocks:
 * more waiters than the pool holds would otherwise each allocate a 32 KiB block that only the
 * garbage collector frees (and native memory pressure does not trigger it).
 */
class WaitMemoryTest {
    @Test
    void platformThreadsInWaitForTakeNoScratchBlock() throws Exception {
        // Fill the pool: POOLED blocks taken at once and given back.
        List<Scratch> taken = new ArrayList<>();
        for (int i = 0; i < Scratch.POOLED; i++) taken.add(Scratch.take());
        taken.forEach(Scratch::close);

        Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "read x; exit 0").start(); // runs until stdin closes
        List<Thread> waiters = new ArrayList<>();
        try {
            for (int i = 0; i < Scratch.POOLED; i++) {
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        p.waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                waiters.add(t);
            }
            // Each waiter is in its poll once its stack shows it: by then it holds whatever it took.
            for (Thread t : waiters) {
                while (!Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("rawPoll"))) {
                    assertTrue(t.isAlive(), "the waiter ended before the process did");
                    Thread.onSpinWait();
                }
            }
            // Another library thread may take a block for a moment (the reaper re-adding some earlier
            // test's process): so the full pool must be seen once, while the waiters keep polling.
            // With the waiters holding blocks it never is: they hold all of them until the process ends.
            boolean full = false;
            for (long end = System.nanoTime() + 2_000_000_000L; !full && System.nanoTime() < end; ) {
                full = Scratch.pooled() == Scratch.POOLED;
                if (!full) Thread.onSpinWait();
            }
            assertTrue(full, "threads in waitFor() hold the spawns' scratch blocks: " + Scratch.pooled() + " of "
                    + Scratch.POOLED + " pooled");
        } finally {
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
            for (Thread t : waiters) t.join();
        }
    }
}
