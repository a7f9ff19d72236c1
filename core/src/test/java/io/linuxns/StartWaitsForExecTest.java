package io.linuxns;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On the direct paths the clone3 child shares the JVM's memory until the command's exec, so
 * start() must not return before that exec: the caller may then reuse or free what the child
 * still runs on, and the caller's code would run beside a task in its address space. Shown
 * without timing: the spawning thread runs under a seccomp filter that hands every
 * {@code execve} to this test ({@code SECCOMP_RET_USER_NOTIF}, seccomp_unotify(2)); the child
 * inherits it, and its exec waits until the test answers. While the exec is held, start() must
 * not have returned; once answered ({@code SECCOMP_USER_NOTIF_FLAG_CONTINUE}), it returns and
 * the command runs. Plain, in new namespaces clone3 made (root), and in a new user namespace,
 * whose child waits for its maps without CLONE_VFORK and tells its exec by EOF on the error pipe.
 */
class StartWaitsForExecTest {
    private static final int SYS_IOCTL = 16, SYS_EXECVE = 59;
    /** _IOWR('!', 0, struct seccomp_notif) (80 bytes) and _IOWR('!', 1, struct seccomp_notif_resp) (24 bytes). */
    private static final long NOTIF_RECV = 0xC0502100L, NOTIF_SEND = 0xC0182101L;
    private static final int USER_NOTIF_FLAG_CONTINUE = 1;
    /** How long the exec is held: far longer than any path takes from its exec to start()'s return. */
    private static final long HOLD_MS = 300;

    @Test
    void startReturnsOnlyAfterTheCommandsExecOnEveryDirectPath() throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is written for x86-64");
        TestSupport.warmUp();
        List<NamespacedProcessBuilder> builders = new ArrayList<>(List.of(new NamespacedProcessBuilder("/bin/true"),
                new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT)
                        .mapRootToCurrentUser()));
        if (TestSupport.isRoot()) {
            builders.add(new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID,
                    NamespaceType.MOUNT));
        }
        for (int i = 0; i < builders.size(); i++) {
            NamespacedProcessBuilder b = builders.get(i).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            CompletableFuture<Integer> listener = new CompletableFuture<>();
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            AtomicBoolean returned = new AtomicBoolean();
            // A thread of its own: the filter stays with it and its children, and ends with it.
            Thread spawner = Thread.ofPlatform().name("exec-held-" + i).start(() -> {
                try {
                    listener.complete(installNotifyOnExecve());
                    Process p = b.start();
                    returned.set(true);
                    exit.complete(p.waitFor());
                } catch (Throwable e) {
                    listener.completeExceptionally(e);
                    exit.completeExceptionally(e);
                }
            });
            int fd = listener.get(10, TimeUnit.SECONDS);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment notif = arena.allocate(80, 8);
                // The child's execve, held: a receive that blocks until it comes (bounded by the future's timeout).
                long id;
                try {
                    id = CompletableFuture.supplyAsync(() -> receive(fd, notif), r -> Thread.ofPlatform().start(r))
                            .get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // No exec to hold (the child is gone): a start() that returned early explains it best.
                    assertFalse(returned.get(), "spawn " + i + ": start() returned before the child's exec (" + e.getCause() + ")");
                    throw e;
                }
                assertEquals(SYS_EXECVE, notif.get(JAVA_INT, 16), "the held call is execve");
                Thread.sleep(HOLD_MS);
                assertFalse(returned.get(), "spawn " + i + ": start() returned while the child's exec was still held");
                MemorySegment resp = arena.allocate(24, 8);
                resp.set(JAVA_LONG, 0, id);
                resp.set(JAVA_INT, 20, USER_NOTIF_FLAG_CONTINUE);
                assertEquals(0L, ioctl(fd, NOTIF_SEND, resp), "the answer");
                assertEquals(0, exit.get(10, TimeUnit.SECONDS), "spawn " + i + ": the command ran and exited 0");
                assertTrue(returned.get());
            } finally {
                spawner.join(10_000);
                close(fd);
            }
        }
        SpawnFailureTest.assertNoChildren();
    }

    private static long receive(int fd, MemorySegment notif) {
        notif.fill((byte) 0); // the kernel wants it zeroed
        long r = ioctl(fd, NOTIF_RECV, notif);
        if (r != 0) throw new IllegalStateException("SECCOMP_IOCTL_NOTIF_RECV: " + r);
        return notif.get(JAVA_LONG, 0);
    }

    private static long ioctl(int fd, long request, MemorySegment arg) {
        try {
            return (long) SeccompFilter.SYSCALL.invokeExact((long) SYS_IOCTL, (long) fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void close(int fd) {
        try {
            long ignored = (long) SeccompFilter.SYSCALL.invokeExact(3L, (long) fd, 0L, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code no_new_privs}, then a filter on the calling thread that hands execve to a listener; returns the listener's descriptor. */
    private static int installNotifyOnExecve() throws Throwable {
        long fd = SeccompFilter.install(SYS_EXECVE, -1, SeccompFilter.SECCOMP_RET_USER_NOTIF, SeccompFilter.SECCOMP_FILTER_FLAG_NEW_LISTENER);
        assertTrue(fd >= 0, "seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER) failed");
        return (int) fd;
    }
}
