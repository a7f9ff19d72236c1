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
 * A direct spawn (nothing but descriptors, in the JVM's namespaces or in new ones clone3 makes:
 * the clone3 child execs the command itself) whose child dies by a signal before its exec makes start() throw, without reading
 * {@code /proc} (ExecCheck.diedBeforeDirectExec). The death is made certain, not timed: the
 * spawning thread runs under a seccomp filter that kills the process at
 * {@code close_range(3, ~0, CLOSE_RANGE_CLOEXEC)}, which only the child calls (before it
 * unblocks signals and execs); the child clones on the calling thread and inherits the filter.
 */
class DirectSpawnDeathTest {
    private static final int SYS_CLOSE_RANGE = 436, CLOSE_RANGE_CLOEXEC = 4;

    @Test
    void aDirectChildKilledBeforeItsExecMakesStartThrow() throws Exception {
        assertKilledBeforeTheExec(new NamespacedProcessBuilder("/bin/true"));
    }

    /** The same in new namespaces that clone3 made: the child is PID 1 of its own PID namespace. */
    @Test
    void aDirectChildInNewNamespacesKilledBeforeItsExecMakesStartThrow() throws Exception {
        assumeTrue(TestSupport.isRoot(), "new namespaces without a user namespace need root");
        assertKilledBeforeTheExec(new NamespacedProcessBuilder("/bin/true")
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT));
    }

    /**
     * The same in a new user namespace, where the child waits for its maps without CLONE_VFORK
     * and tells its unblock on the error pipe (ProgramWriter.directAfterMaps): killed at the
     * stdio step, after the wait, before the mark.
     */
    @Test
    void aDirectChildInANewUserNamespaceKilledBeforeItsExecMakesStartThrow() throws Exception {
        TestSupport.warmUp(); // the reaper's epoll and wake pipe opened before the descriptors are counted
        assertKilledBeforeTheExec(new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.USER, NamespaceType.MOUNT)
                .mapRootToCurrentUser());
    }

    private static void assertKilledBeforeTheExec(NamespacedProcessBuilder b) throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is written for x86-64");
        Set<String> fds = TestSupport.openFds();
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        // A thread of its own: the filter stays with it, and it ends with the test.
        Thread t = Thread.ofPlatform().name("seccomp-spawner").start(() -> {
            try {
                installKillOnCloseRangeCloexec();
                result.complete(assertThrows(IOException.class, () -> b.redirectOutput(ProcessBuilder.Redirect.DISCARD).start()));
            } catch (Throwable e) {
                result.complete(e);
            }
        });
        t.join();
        Throwable e = result.get();
        assertTrue(e instanceof NamespaceException, String.valueOf(e));
        assertTrue(e.getMessage().contains("killed by SIGSYS before it exec'd \"/bin/true\""), e.getMessage());
        assertEquals(Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        SpawnFailureTest.assertNoChildren();
    }

    /** The other side, on the same path: a command killed by a signal after its exec is returned, with 128 + the signal. */
    @Test
    void aDirectChildKilledAfterItsExecIsReturned() throws Exception {
        for (int i = 0; i < 10; i++) {
            Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "kill -9 $$").start();
            assertEquals(128 + 9, p.waitFor());
        }
    }

    /** {@code no_new_privs}, then a filter: close_range with CLOSE_RANGE_CLOEXEC kills the process, everything else is allowed. */
    private static void installKillOnCloseRangeCloexec() throws Throwable {
        installKillOn(SYS_CLOSE_RANGE, CLOSE_RANGE_CLOEXEC);
    }

    /**
     * {@code no_new_privs}, then a filter on the calling thread (its children inherit it, across
     * exec too): system call {@code nr} kills the process, when its third argument's low word is
     * {@code arg2} (any, for -1); everything else is allowed.
     */
    static void installKillOn(int nr, int arg2) throws Throwable {
        assertEquals(0L, SeccompFilter.install(nr, arg2, SeccompFilter.SECCOMP_RET_KILL_PROCESS, 0));
    }
}
