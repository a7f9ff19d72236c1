package io.linuxns;

import io.linuxns.internal.Native;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(ThreadNamespaceGuard.class)
class NamespaceExecutorTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(TestSupport.isRoot(), "creating namespaces on a thread needs CAP_SYS_ADMIN");
    }

    @Test
    void hostnameSetInsideIsInvisibleOutsideAndToASecondExecutor() throws Exception {
        String host = TestSupport.hostname();
        try (NamespaceExecutor a = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS));
             NamespaceExecutor b = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS))) {
            a.run(() -> sethostname("linuxns-a"));
            b.run(() -> sethostname("linuxns-b"));
            assertEquals("linuxns-a", a.call(TestSupport::hostname));
            assertEquals("linuxns-b", b.call(TestSupport::hostname));
            assertEquals(host, TestSupport.hostname());
            assertNotEquals(a.namespace(NamespaceType.UTS), b.namespace(NamespaceType.UTS));
        }
        assertEquals(host, TestSupport.hostname());
    }

    @Test
    void executorNamespacesDifferFromTheCallersAndOthersStayShared() throws Exception {
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK, NamespaceType.IPC));
             Namespace myNet = Namespace.ofCurrentThread(NamespaceType.NETWORK);
             Namespace myUts = Namespace.ofCurrentThread(NamespaceType.UTS);
             Namespace itsNet = ex.namespace(NamespaceType.NETWORK);
             Namespace itsUts = ex.call(() -> Namespace.ofCurrentThread(NamespaceType.UTS))) {
            assertNotEquals(myNet, itsNet);
            assertEquals(myUts, itsUts);
            assertEquals("net:[" + itsNet.inode() + "]", itsNet.toString());
            // Only loopback in a new network namespace. (/proc/net is /proc/self/net: the main
            // thread's view, which is why java.net.NetworkInterface cannot be trusted here.)
            String devices = ex.call(() -> Files.readString(Path.of("/proc/thread-self/net/dev")));
            assertTrue(devices.contains(" lo:"), devices);
            assertEquals(3, devices.lines().count(), devices);
        }
    }

    @Test
    void newMountNamespaceIsPrivateAndItsMountsStayInside() throws Exception {
        Path dir = Files.createTempDirectory("linuxns-mnt");
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.MOUNT))) {
            ex.call(() -> {
                Native.mount("none", dir.toString(), "tmpfs", 0, null);
                Files.writeString(dir.resolve("inside"), "x");
                return null;
            });
            assertTrue(ex.call(() -> Files.exists(dir.resolve("inside"))));
            assertFalse(Files.exists(dir.resolve("inside")));
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()));
            assertTrue(ex.call(() -> io.linuxns.internal.MountTable.read().stream().noneMatch(e -> e.shared())));
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void joinsAnotherProcesssNamespacesByPidAndByHandles() throws Exception {
        Path dir = Files.createTempDirectory("linuxns-join");
        // util-linux puts a shell in new UTS, NET, IPC and MNT namespaces, with a tmpfs of its own.
        Process p = new ProcessBuilder("unshare", "--uts", "--net", "--ipc", "--mount", "--propagation", "private",
                "sh", "-c", "hostname joined-host && mount -t tmpfs none " + dir + " && echo hi > " + dir
                + "/marker && echo ready && exec sleep 60").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("ready", out.readLine());
            Set<NamespaceType> types = EnumSet.of(NamespaceType.UTS, NamespaceType.NETWORK, NamespaceType.IPC, NamespaceType.MOUNT);
            try (NamespaceExecutor ex = NamespaceExecutor.join(p.pid(), types)) {
                assertEquals("joined-host", ex.call(TestSupport::hostname));
                assertEquals("hi\n", ex.call(() -> Files.readString(dir.resolve("marker"))));
                for (NamespaceType t : types) {
                    try (Namespace theirs = Namespace.ofProcess(p.pid(), t); Namespace mine = ex.namespace(t)) {
                        assertEquals(theirs, mine, t.toString());
                    }
                }
            }
            try (Namespace uts = Namespace.ofProcess(p.pid(), NamespaceType.UTS);
                 Namespace mnt = Namespace.ofProcess(p.pid(), NamespaceType.MOUNT);
                 Namespace net = Namespace.ofProcess(p.pid(), NamespaceType.NETWORK);
                 Namespace ipc = Namespace.ofProcess(p.pid(), NamespaceType.IPC);
                 NamespaceExecutor ex = NamespaceExecutor.join(mnt, uts, net, ipc)) {
                assertEquals("joined-host", ex.call(TestSupport::hostname));
                assertEquals("hi\n", ex.call(() -> Files.readString(dir.resolve("marker"))));
                assertEquals(net, ex.namespace(NamespaceType.NETWORK));
            }
            assertFalse(Files.exists(dir.resolve("marker")), "the caller's mount namespace is untouched");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Files.delete(dir);
        }
    }

    @Test
    void noTypeOrNoNamespaceIsRefusedNotAPlainThread() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> NamespaceExecutor.unshare(EnumSet.noneOf(NamespaceType.class)));
        assertTrue(none.getMessage().contains("no namespace types to unshare given"), none.getMessage());
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class, () -> NamespaceExecutor.join());
        assertTrue(nothing.getMessage().contains("no namespaces to join given"), nothing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NamespaceExecutor.join(ProcessHandle.current().pid(), Set.of()));
    }

    @Test
    void namespaceOfATypeItDidNotUnshareIsRefusedNotTheJvmsOwn() throws Exception {
        try (NamespaceExecutor uts = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS));
             Namespace itsUts = uts.namespace(NamespaceType.UTS);
             Namespace myUts = Namespace.ofCurrentThread(NamespaceType.UTS)) {
            assertEquals(EnumSet.of(NamespaceType.UTS), uts.types());
            assertNotEquals(myUts, itsUts);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> uts.namespace(NamespaceType.NETWORK));
            assertTrue(e.getMessage().contains("NETWORK is not a namespace of NamespaceExecutor[unshare [UTS]]"), e.getMessage());
            assertTrue(e.getMessage().contains("Namespace.ofProcess(ProcessHandle.current().pid(), NamespaceType.NETWORK)"),
                    e.getMessage());
        }
    }

    @Test
    void userPidAndTimeAreRefusedWithTheReasonAndTheAlternative() {
        for (NamespaceType t : EnumSet.of(NamespaceType.USER, NamespaceType.PID, NamespaceType.TIME)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NamespaceExecutor.unshare(EnumSet.of(t)));
            assertTrue(e.getMessage().contains("NamespacedProcessBuilder"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS, NamespaceType.USER)));
        assertTrue(e.getMessage().contains("multi-threaded"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NamespaceExecutor.join(1, EnumSet.of(NamespaceType.USER)));
    }

    @Test
    void nonexistentPidFailsClearlyAndLeaksNothing() {
        var fds = TestSupport.openFds();
        NamespaceException e = assertThrows(NamespaceException.class,
                () -> NamespaceExecutor.join(999_999_999L, EnumSet.of(NamespaceType.UTS)));
        assertEquals("ESRCH", e.errnoName());
        assertTrue(e.getMessage().startsWith("pidfd_open(pid=999999999): ESRCH (No such process)"), e.getMessage());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    @Test
    void closedExecutorRejectsTasksAndItsThreadEnds() throws Exception {
        NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS));
        ex.close();
        assertFalse(ex.thread().isAlive());
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> ex.run(() -> { }));
    }

    @Test
    void taskExceptionsReachTheCaller() throws Exception {
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.run(() -> {
                throw new IllegalStateException("boom");
            }));
            assertEquals("boom", e.getMessage());
            assertThrows(java.io.FileNotFoundException.class, () -> ex.call(() -> {
                throw new java.io.FileNotFoundException("x");
            }));
        }
    }

    @Test
    void aThrowingTaskGivenToExecuteDoesNotEndTheThread() throws Exception {
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS))) {
            Thread.UncaughtExceptionHandler old = ex.thread().getUncaughtExceptionHandler();
            java.util.concurrent.atomic.AtomicReference<Throwable> seen = new java.util.concurrent.atomic.AtomicReference<>();
            ex.thread().setUncaughtExceptionHandler((t, e) -> seen.set(e));
            ex.execute(() -> {
                throw new IllegalStateException("from execute");
            });
            assertEquals(42, ex.call(() -> 42));
            assertEquals("from execute", seen.get().getMessage());
            ex.thread().setUncaughtExceptionHandler(old);
        }
    }

    private static void sethostname(String name) {
        try {
            Native.sethostname(name);
        } catch (NamespaceException e) {
            throw new IllegalStateException(e);
        }
    }
}
