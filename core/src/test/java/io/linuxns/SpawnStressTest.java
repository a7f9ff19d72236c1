package io.linuxns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hundreds of spawns on two threads while two others allocate and force collections: the case
 * that hangs a child running Java code (docs/design.md §4). Zero hangs, zero failures, zero leaked fds or
 * children. {@code -Dlinuxns.stress.spawns=N} sets the count (300 by default).
 */
@ExtendWith(ThreadNamespaceGuard.class)
class SpawnStressTest {

    static final int SPAWNS = Integer.getInteger("linuxns.stress.spawns", 300);

    @Test
    void spawnsUnderGcPressure() throws Exception {
        assumeTrue(TestSupport.isRoot(), "RootlessSpawnTest runs the unprivileged stress");
        TestSupport.warmUp();
        var fds = TestSupport.openFds();
        List<String> failures = stress(SPAWNS, true);
        assertEquals(List.of(), failures);
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        SpawnFailureTest.assertNoChildren();
    }

    /** Runs {@code spawns} spawns of three kinds; returns a description of every one that went wrong. */
    static List<String> stress(int spawns, boolean withRootOnlyKinds) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            churn.add(Thread.ofPlatform().daemon().start(() -> {
                List<byte[]> keep = new ArrayList<>();
                long k = 0;
                while (!stop.get()) {
                    keep.add(new byte[1024 + (int) (k++ % 16384)]);
                    if (keep.size() > 5000) keep.clear();
                    if (k % 20000 == 0) System.gc();
                }
            }));
        }
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        List<Thread> spawners = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            spawners.add(Thread.ofPlatform().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < spawns) {
                    NamespacedProcessBuilder b = switch (i % 3) {
                        case 0 -> new NamespacedProcessBuilder("/bin/true");
                        case 1 -> new NamespacedProcessBuilder("/bin/sh", "-c", "test $(id -u) = 0 && test $$ = 1")
                                .mapRootToCurrentUser().unshare(NamespaceType.PID, NamespaceType.UTS).hostname("s" + i);
                        default -> withRootOnlyKinds
                                ? new NamespacedProcessBuilder("/bin/sh", "-c", "test $$ = 2").unshare(NamespaceType.PID,
                                NamespaceType.MOUNT, NamespaceType.IPC).init(true).mountProc()
                                : new NamespacedProcessBuilder("/bin/sh", "-c", "test $$ = 2").mapRootToCurrentUser()
                                .unshare(NamespaceType.PID, NamespaceType.MOUNT).init(true).mountProc();
                    };
                    try {
                        Process p = b.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                                .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
                        if (!p.waitFor(60, TimeUnit.SECONDS)) {
                            failures.add("spawn " + i + " hung: " + p);
                            p.destroyForcibly().waitFor();
                        } else if (p.exitValue() != 0) {
                            failures.add("spawn " + i + " (kind " + i % 3 + ") exited " + p.exitValue());
                        }
                    } catch (Exception e) {
                        failures.add("spawn " + i + ": " + e);
                    }
                }
            }));
        }
        for (Thread t : spawners) t.join();
        stop.set(true);
        for (Thread t : churn) t.join();
        return new ArrayList<>(failures);
    }
}
