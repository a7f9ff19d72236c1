package io.linuxns;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guarantees of start() and waitFor() whichever thread calls them (docs/spawn.md, "Which
 * thread clones"): a child starts in the JVM's initial namespaces even when the caller's thread
 * is in others, a death signal follows the JVM and not the calling thread, and many threads,
 * platform and virtual, spawn and wait at once with every exit seen exactly once.
 */
class SpawnThreadsTest {

    @BeforeAll
    static void warmUp() {
        TestSupport.warmUp();
    }

    /** What the child sees at /proc/self/ns/{uts,mnt} and /proc/self/root. */
    private static String childView() throws Exception {
        Process p = new NamespacedProcessBuilder("readlink", "/proc/self/ns/uts", "/proc/self/ns/mnt", "/proc/self/root")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private static String jvmView() {
        return TestSupport.link("/proc/self/ns/uts") + "\n" + TestSupport.link("/proc/self/ns/mnt") + "\n/";
    }

    /**
     * A thread started by an executor's task inherits the executor's namespaces (and its own
     * root and working directory): nothing in its name or class says so, yet its children must
     * start in the JVM's initial namespaces. So must those of the executor's own thread and of
     * a virtual thread started there.
     */
    @Test
    void aThreadStartedInsideAnExecutorSpawnsIntoTheInitialNamespaces() throws Exception {
        String expected = jvmView();
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS, NamespaceType.MOUNT))) {
            List<String> seen = ex.call(() -> {
                List<String> views = new CopyOnWriteArrayList<>();
                List<Throwable> failures = new CopyOnWriteArrayList<>();
                views.add("executor:" + childView());
                for (boolean virtual : new boolean[] {false, true}) {
                    Runnable body = () -> {
                        try {
                            // The premise: this thread is not in the JVM's UTS namespace (a virtual
                            // thread's carrier may have been made anywhere).
                            if (!virtual) {
                                assertNotEquals(TestSupport.link("/proc/" + ProcessHandle.current().pid() + "/ns/uts"),
                                        TestSupport.link("/proc/thread-self/ns/uts"));
                            }
                            for (int i = 0; i < 3; i++) views.add((virtual ? "virtual:" : "platform:") + childView());
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    };
                    Thread t = virtual ? Thread.ofVirtual().start(body) : Thread.ofPlatform().start(body);
                    t.join();
                }
                if (!failures.isEmpty()) throw new AssertionError(failures.get(0));
                return views;
            });
            assertEquals(7, seen.size(), seen.toString());
            for (String v : seen) assertEquals(expected, v.substring(v.indexOf(':') + 1), v);
        }
    }

    /**
     * PR_SET_PDEATHSIG fires when the parent thread exits: a child asked to die with its parent
     * must outlive the platform thread that started it (it dies with the JVM: DieWithParentTest).
     */
    @Test
    void dieWithParentOutlivesTheThreadThatCalledStart() throws Exception {
        CompletableFuture<Process> started = new CompletableFuture<>();
        CompletableFuture<String> tid = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                tid.complete(TestSupport.link("/proc/thread-self"));
                started.complete(new NamespacedProcessBuilder("sleep", "30").dieWithParent()
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        Process p = started.get(30, TimeUnit.SECONDS);
        try {
            t.join();
            // Java's join returns before the native thread is gone: wait until the kernel has released it.
            Path task = Path.of("/proc/self/task", Path.of(tid.get()).getFileName().toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(task) && System.nanoTime() < deadline) Thread.onSpinWait();
            assertFalse(Files.exists(task), "the thread " + task + " never went");
            // The death signal, had it followed the thread, was sent at its exit: the child would be dead now.
            assertFalse(p.waitFor(300, TimeUnit.MILLISECONDS), "the child died with the thread that started it: " + p);
            assertTrue(p.isAlive());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /** Many platform and virtual threads spawning at once, plain and with namespaces: every spawn works, nothing leaks. */
    @Test
    void concurrentSpawnsFromManyThreads() throws Exception {
        Set<String> fds = TestSupport.openFds();
        int threads = 8, each = 25;
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            boolean virtual = k % 2 == 1, ns = k % 4 >= 2, helper = k % 8 >= 4;
            Runnable body = () -> {
                try {
                    go.await();
                    NamespacedProcessBuilder b = new NamespacedProcessBuilder("/bin/true")
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
                    if (ns) b.unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT);
                    if (ns && helper) b.hostname("threads"); // through the helper
                    for (int i = 0; i < each; i++) assertEquals(0, b.start().waitFor());
                } catch (Throwable t) {
                    failures.add(t);
                }
            };
            all.add(virtual ? Thread.ofVirtual().unstarted(body) : Thread.ofPlatform().unstarted(body));
        }
        all.forEach(Thread::start);
        go.countDown();
        for (Thread t : all) assertTrue(t.join(java.time.Duration.ofSeconds(120)), "a spawning thread hangs: " + t);
        if (!failures.isEmpty()) throw new AssertionError(failures.size() + " failed", failures.get(0));
        assertEquals(Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    /**
     * waitFor on a platform thread takes the process from the reaper and reaps it itself, while
     * a virtual thread's waitFor and onExit rely on the reaper: whoever comes first, each of them
     * gets the exit code, once, also after a timed wait gave up and handed the process back.
     */
    @Test
    void waitForRacesTheReaper() throws Exception {
        NamespacedProcessBuilder quick = new NamespacedProcessBuilder("sh", "-c", "exit 3")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        for (int i = 0; i < 100; i++) {
            Process p = quick.start();
            CompletableFuture<Integer> platform = new CompletableFuture<>(), virtual = new CompletableFuture<>();
            Thread a = Thread.ofPlatform().start(() -> waitInto(p, platform));
            Thread b = Thread.ofVirtual().start(() -> waitInto(p, virtual));
            CompletableFuture<Process> exit = p.onExit();
            assertEquals(3, p.waitFor());
            assertEquals(3, platform.get(30, TimeUnit.SECONDS), "platform waiter, round " + i);
            assertEquals(3, virtual.get(30, TimeUnit.SECONDS), "virtual waiter, round " + i);
            assertEquals(3, exit.get(30, TimeUnit.SECONDS).exitValue(), "onExit, round " + i);
            a.join();
            b.join();
        }
        // A timed wait that gives up puts the process back under the reaper: onExit still completes.
        Process slow = new NamespacedProcessBuilder("sleep", "0.3").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertFalse(slow.waitFor(1, TimeUnit.MILLISECONDS));
        assertEquals(0, slow.onExit().get(30, TimeUnit.SECONDS).exitValue());
        // A virtual waiter that came first is woken even when a platform thread reaps.
        Process both = new NamespacedProcessBuilder("sleep", "0.3").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<Integer> virtual = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> waitInto(both, virtual));
        assertEquals(0, both.waitFor());
        assertEquals(0, virtual.get(30, TimeUnit.SECONDS));
    }

    private static void waitInto(Process p, CompletableFuture<Integer> into) {
        try {
            into.complete(p.waitFor());
        } catch (Throwable t) {
            into.completeExceptionally(t);
        }
    }
}
