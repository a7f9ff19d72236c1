package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which threads a process's exit work runs on: never the caller's (it may be in an executor's
 * namespaces), never the common pool, and a reaper that survives its own errors.
 */
@ExtendWith(ThreadNamespaceGuard.class)
class ProcessThreadsTest {

    @BeforeAll
    static void warmUp() {
        TestSupport.warmUp();
    }

    /** Where a dependent ran: thread name, its network namespace, whether it is a ForkJoinPool worker. */
    record Ran(String thread, String net, boolean poolWorker) {
        static Ran here() {
            Thread t = Thread.currentThread();
            return new Ran(t.getName(), TestSupport.link("/proc/thread-self/ns/net"), t instanceof ForkJoinWorkerThread);
        }
    }

    @Test
    void onExitDependentsRunOnLibraryThreadsEvenWhenAnExecutorTaskWaits() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a network namespace on a thread needs CAP_SYS_ADMIN");
        String hostNet = TestSupport.link("/proc/thread-self/ns/net");
        Process p = new NamespacedProcessBuilder("sleep", "0.3").start();
        CompletableFuture<Ran> viaProcess = new CompletableFuture<>();
        CompletableFuture<Ran> viaHandle = new CompletableFuture<>();
        p.onExit().thenRun(() -> viaProcess.complete(Ran.here()));
        p.toHandle().onExit().thenRun(() -> viaHandle.complete(Ran.here()));
        String executorNet;
        String executorThread;
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK))) {
            executorThread = ex.thread().getName();
            // The caller reaps (waitFor on a platform thread): its thread must not complete onExit.
            executorNet = ex.call(() -> {
                assertEquals(0, p.waitFor());
                return TestSupport.link("/proc/thread-self/ns/net");
            });
        }
        assertNotEquals(hostNet, executorNet);
        for (var e : java.util.Map.of("Process.onExit()", viaProcess, "toHandle().onExit()", viaHandle).entrySet()) {
            Ran r = e.getValue().get(10, TimeUnit.SECONDS);
            assertNotEquals(executorThread, r.thread(), e.getKey());
            assertFalse(r.poolWorker(), e.getKey() + " ran on a ForkJoinPool worker: " + r);
            assertEquals(hostNet, r.net(), e.getKey() + " ran in the executor's network namespace: " + r);
        }
        assertEquals(List.of(), threadsIn(executorNet), "threads left in the executor's network namespace");
    }

    /** {@return the threads of this JVM whose network namespace is {@code net}} */
    private static List<String> threadsIn(String net) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readSymbolicLink(t.resolve("ns/net")).toString().equals(net)) {
                        found.add(t.getFileName() + " " + Files.readString(t.resolve("comm")).strip());
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        }
        return found;
    }

    /**
     * A reader blocked on stdout that a daemonised grandchild holds open keeps the stream's lock:
     * the exit work of that process must neither wait for it nor take a common-pool worker, so
     * that one such process per worker cannot stop the pool nor other processes' onExit.
     */
    @Test
    void aReaderBlockedByADaemonisedGrandchildStopsNoOtherWork() throws Exception {
        int n = ForkJoinPool.getCommonPoolParallelism() + 1;
        List<Process> procs = new ArrayList<>();
        List<Long> grandchildren = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                // The grandchild keeps stdout open for 20 s; the shell waits on stdin until told to go.
                Process p = new NamespacedProcessBuilder("sh", "-c", "sleep 20 & echo $!; read x; exit 0").start();
                procs.add(p);
                InputStream out = p.getInputStream();
                grandchildren.add(Long.parseLong(readLine(out)));
                CompletableFuture<Void> blocked = new CompletableFuture<>();
                readers.add(Thread.ofPlatform().daemon().start(() -> {
                    try {
                        blocked.complete(null);
                        out.read(); // blocks until the grandchild ends
                    } catch (IOException ignored) {
                        // closed at the end of the test
                    }
                }));
                blocked.get(5, TimeUnit.SECONDS);
            }
            Thread.sleep(200); // the readers are inside read() by now
            for (Process p : procs) {
                p.getOutputStream().close();
                assertEquals(0, p.waitFor());
            }
            for (Process p : procs) assertEquals(p, p.onExit().get(10, TimeUnit.SECONDS), "onExit of " + p);
            assertEquals(42, CompletableFuture.supplyAsync(() -> 42).get(10, TimeUnit.SECONDS), "the common pool is wedged");
        } finally {
            for (long g : grandchildren) ProcessHandle.of(g).ifPresent(ProcessHandle::destroyForcibly);
            for (Process p : procs) p.destroyForcibly();
            for (Thread t : readers) t.join(10_000);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("EOF after " + sb);
            sb.append((char) c);
        }
        return sb.toString();
    }

    /**
     * The reaper's epoll set is not bounded by RLIMIT_NOFILE (poll(2) was: EINVAL with more
     * descriptors than the limit): with more processes watched than the lowered limit, each
     * exit still reaches onExit and a virtual-thread waiter, and nothing is logged as failing.
     */
    @Test
    void theReaperWatchesMoreProcessesThanTheOpenFilesLimit() throws Exception {
        List<LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger log = Logger.getLogger("io.linuxns");
        log.addHandler(capture);
        long soft = FdLimit.get()[0];
        // Free numbers below the lowered limit, so that the JVM can still open files meanwhile.
        int[] fillers = new int[16];
        for (int i = 0; i < fillers.length; i++) fillers[i] = Native.open("/dev/null", LinuxNs.O_RDONLY() | LinuxNs.O_CLOEXEC(), 0);
        int watched = java.util.Arrays.stream(fillers).max().orElseThrow() + 2;
        List<Process> procs = new ArrayList<>();
        try {
            for (int i = 0; i < watched; i++) {
                procs.add(new NamespacedProcessBuilder("sleep", "30").redirectInput(ProcessBuilder.Redirect.INHERIT)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (int fd : fillers) Native.close(fd);
            // More processes watched than the limit, even once the first one is gone.
            FdLimit.setSoft(watched - 1);
            try {
                Process first = procs.remove(0);
                first.destroyForcibly();
                assertEquals(0x80 + 9, first.onExit().get(10, TimeUnit.SECONDS).exitValue());
            } finally {
                FdLimit.setSoft(soft);
            }
            Process viaOnExit = procs.get(0);
            Process viaVirtual = procs.get(1);
            for (Process p : procs) p.destroyForcibly();
            assertEquals(0x80 + 9, viaOnExit.onExit().get(10, TimeUnit.SECONDS).exitValue(), "onExit over the limit");
            CompletableFuture<Integer> code = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    code.complete(viaVirtual.waitFor());
                } catch (InterruptedException e) {
                    code.completeExceptionally(e);
                }
            });
            assertEquals(0x80 + 9, code.get(10, TimeUnit.SECONDS), "a virtual-thread waiter over the limit");
            for (Process p : procs) assertTrue(p.onExit().get(10, TimeUnit.SECONDS) != null);
            assertTrue(logged.stream().noneMatch(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()),
                    "nothing failed: " + logged.stream().map(LogRecord::getMessage).toList());
        } finally {
            FdLimit.setSoft(soft);
            log.removeHandler(capture);
            for (Process p : procs) p.destroyForcibly();
        }
    }
}
