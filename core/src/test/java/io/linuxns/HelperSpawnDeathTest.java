package io.linuxns;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A spawn through the helper (new namespaces) whose command's process dies by a signal before
 * its exec makes start() throw: the error pipe reaches EOF without the mark the command's
 * process writes right after it unblocks signals (ExecCheck.diedBeforeHelperExec), and no
 * {@code /proc} file is read for it. The death is made certain, not timed: the spawning thread
 * runs under a seccomp filter (inherited by the child and across the helper's exec) that kills
 * the process at {@code sethostname}, which only the helper calls, before it unblocks signals.
 * The other side: a command killed by a signal right after its exec is returned.
 */
class HelperSpawnDeathTest {
    private static final int SYS_SETHOSTNAME = 170;

    /** Both ways to the helper: the trampoline released by its exec (CLONE_VFORK, root only), and waiting for the id maps first. */
    @Test
    void aHelperKilledBeforeTheExecMakesStartThrow() throws Exception {
        java.util.List<NamespacedProcessBuilder> builders = new java.util.ArrayList<>();
        builders.add(new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.UTS).mapRootToCurrentUser().hostname("box"));
        if (TestSupport.isRoot()) builders.add(new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.UTS).hostname("box"));
        for (NamespacedProcessBuilder b : builders) {
            Throwable e = startUnderFilter(b);
            assertTrue(e instanceof NamespaceException, String.valueOf(e));
            assertTrue(e.getMessage().contains("the child was killed by SIGSYS before it exec'd \"/bin/true\""), e.getMessage());
        }
    }

    /** An init dies before it forks the command: the child that start() knows is the init. */
    @Test
    void anInitKilledBeforeTheCommandsExecMakesStartThrow() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a new PID namespace without a user namespace needs root");
        Throwable e = startUnderFilter(new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.UTS, NamespaceType.PID)
                .init(true).hostname("box"));
        assertTrue(e instanceof NamespaceException, String.valueOf(e));
        assertTrue(e.getMessage().contains("(linuxns-init, which starts \"/bin/true\") was killed by SIGSYS before \"/bin/true\" was exec'd"),
                e.getMessage());
    }

    @Test
    void aCommandKilledAfterItsExecIsReturned() throws Exception {
        for (NamespacedProcessBuilder b : new NamespacedProcessBuilder[] {
                new NamespacedProcessBuilder("/bin/sh", "-c", "kill -9 $$").unshare(NamespaceType.UTS).mapRootToCurrentUser(),
                new NamespacedProcessBuilder("/bin/sh", "-c", "kill -9 $$").dieWithParent()}) {
            for (int i = 0; i < 10; i++) assertEquals(128 + 9, b.start().waitFor());
        }
    }

    /** Starts {@code b} on a thread of its own under the filter; returns what start() threw, checking that nothing leaked. */
    private static Throwable startUnderFilter(NamespacedProcessBuilder b) throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is written for x86-64");
        TestSupport.warmUp();
        Set<String> fds = TestSupport.openFds();
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        // A thread of its own: the filter stays with it, and it ends with the test.
        Thread t = Thread.ofPlatform().name("seccomp-spawner").start(() -> {
            try {
                DirectSpawnDeathTest.installKillOn(SYS_SETHOSTNAME, -1);
                result.complete(assertThrows(IOException.class, b::start));
            } catch (Throwable e) {
                result.complete(e);
            }
        });
        t.join();
        Throwable e = result.get();
        assertEquals(Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        SpawnFailureTest.assertNoChildren();
        return e;
    }
}
