package io.linuxns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every failure is a clear exception, and no failure leaves an fd, a child or a mount behind. */
@ExtendWith(ThreadNamespaceGuard.class)
class SpawnFailureTest {

    @org.junit.jupiter.api.BeforeAll
    static void warmUp() {
        TestSupport.warmUp();
    }

    @Test
    void missingProgramReadsLikeProcessBuilder() {
        var fds = TestSupport.openFds();
        NamespaceException e = assertThrows(NamespaceException.class, () -> new NamespacedProcessBuilder("no-such-program-x").start());
        assertEquals("Cannot run program \"no-such-program-x\": error=2, No such file or directory", e.getMessage());
        java.io.IOException pb = assertThrows(java.io.IOException.class, () -> new ProcessBuilder("no-such-program-x").start());
        // Same program, same cause; JDK 25 words the errno part differently from JDK 22's "error=2, ...".
        assertTrue(pb.getMessage().startsWith("Cannot run program \"no-such-program-x\"")
                && pb.getMessage().contains("No such file or directory"), pb.getMessage());
        assertThrows(NamespaceException.class, () -> new NamespacedProcessBuilder("/no/such/path").start());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    @Test
    void missingProgramInsideANewRootIsReportedByTheChild() throws Exception {
        assumeTrue(TestSupport.isRoot());
        Path rootfs = Rootfs.busybox();
        var fds = TestSupport.openFds();
        try {
            NamespaceException e = assertThrows(NamespaceException.class, () -> new NamespacedProcessBuilder("java", "-version")
                    .unshare(NamespaceType.MOUNT).rootfs(rootfs).start());
            assertTrue(e.getMessage().startsWith("Cannot run program \"java\": error=2, No such file or directory"), e.getMessage());
            assertEquals("ENOENT", e.errnoName());
        } finally {
            Rootfs.delete(rootfs);
        }
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        assertNoChildren();
    }

    @Test
    void failingStepNamesTheStepAndErrno() throws Exception {
        assumeTrue(TestSupport.isRoot());
        var fds = TestSupport.openFds();
        NamespaceException e = assertThrows(NamespaceException.class, () -> new NamespacedProcessBuilder("true")
                .unshare(NamespaceType.MOUNT).tmpfs(Path.of("/no/such/mount/point")).start());
        assertTrue(e.getMessage().matches("child step \\d+ \\(mount a tmpfs\\): mount\\(\"tmpfs\", \"/no/such/mount/point\", \"tmpfs\", "
                + "MS_NOSUID\\|MS_NODEV, \"mode=0755\"\\): ENOENT \\(No such file or directory\\)\\. .*"), e.getMessage());
        assertEquals(2, e.errno());
        assertTrue(e.step().orElseThrow().contains("mount a tmpfs"));

        NamespaceException dir = assertThrows(NamespaceException.class, () -> new NamespacedProcessBuilder("true")
                .directory(Path.of("/no/such/dir")).start());
        assertTrue(dir.getMessage().contains("chdir(\"/no/such/dir\"): ENOENT"), dir.getMessage());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        assertNoChildren();
    }

    @Test
    void invalidConfigurationFailsBeforeAnySystemCall() {
        var fds = TestSupport.openFds();
        assertMessage("add NamespaceType.UTS", () -> new NamespacedProcessBuilder("true").hostname("x").start());
        assertMessage("add NamespaceType.MOUNT", () -> new NamespacedProcessBuilder("true").tmpfs(Path.of("/tmp")).start());
        assertMessage("absolute path", () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.MOUNT)
                .rootfs(Path.of("relative/root")).start());
        assertMessage("add NamespaceType.USER", () -> new NamespacedProcessBuilder("true").uidMap(IdMapping.of(0, 0)).start());
        assertMessage("overlap", () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.USER)
                .uidMap(new IdMapping(0, 1000, 10), new IdMapping(5, 2000, 10)).start());
        assertMessage("add NamespaceType.PID", () -> new NamespacedProcessBuilder("true").init(true).start());
        assertMessage("empty command", () -> new NamespacedProcessBuilder().start());
        assertThrows(IllegalArgumentException.class, () -> new IdMapping(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new NamespacedProcessBuilder("true").passFd(5, 1));
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    /**
     * The kernel keeps a clock plus its offset within [0, KTIME_SEC_MAX / 2] seconds
     * (kernel/time/namespace.c, ERANGE otherwise): anything outside is refused before any system
     * call, by name and with the range, never with an ArithmeticException or a bare ERANGE.
     */
    @Test
    void clockOffsetsOutsideTheKernelsRangeAreRefusedWithTheRange() throws Exception {
        var fds = TestSupport.openFds();
        for (Duration bad : List.of(Duration.ofSeconds(-99_999_999_999L), Duration.ofSeconds(Long.MIN_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(5_000_000_000L))) {
            IllegalArgumentException mono = assertThrows(IllegalArgumentException.class,
                    () -> new NamespacedProcessBuilder("true").monotonicOffset(bad).start());
            assertTrue(mono.getMessage().contains("monotonic offset") && mono.getMessage().contains("4611686018"), mono.getMessage());
            IllegalArgumentException boot = assertThrows(IllegalArgumentException.class,
                    () -> new NamespacedProcessBuilder("true").boottimeOffset(bad).start());
            assertTrue(boot.getMessage().contains("boottime offset") && boot.getMessage().contains("4611686018"), boot.getMessage());
        }
        // Negative down to the clock itself only: an hour more than the time since boot is too much.
        long uptime = (long) Double.parseDouble(java.nio.file.Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new NamespacedProcessBuilder("true").boottimeOffset(Duration.ofSeconds(-uptime - 3600)).start());
        assertTrue(early.getMessage().contains("boottime offset -" + (uptime + 3600) + " s"), early.getMessage());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    /** The limits themselves are what the kernel accepts: a clock set back to its start, and one near its end. */
    @Test
    void clockOffsetsAtTheEdgesOfTheRangeAreAccepted() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a time namespace without a user namespace needs root");
        long uptime = (long) Double.parseDouble(java.nio.file.Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        Spawned s = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/uptime")
                .boottimeOffset(Duration.ofSeconds(4_611_686_018L - uptime - 3600))
                .monotonicOffset(Duration.ofNanos(-System.nanoTime() + 1_000_000_000L)));
        assertEquals(0, s.exit(), s.err());
        assertTrue(Double.parseDouble(s.out().split(" ")[0]) > 4_611_686_018L - 7200, s.out());
    }

    /** sethostname(2) takes a length, so a NUL would cut the name short in silence: refused like one in argv or env. */
    @Test
    void aNulOrTooManyBytesInAHostnameOrDomainNameAreRefused() {
        var fds = TestSupport.openFds();
        assertMessage("null character in hostname", () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS)
                .hostname("ab\0cd").start());
        assertMessage("null character in domain name", () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS)
                .domainname("ab\0cd").start());
        assertMessage("at most 64 bytes", () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS)
                .hostname("é".repeat(33)).start());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    /** CLONE_INTO_CGROUP takes only a cgroup v2 directory; any other gave a bare EBADF from clone3. */
    @Test
    void aCgroupDirectoryThatIsNotCgroupV2IsRefusedByName() {
        var fds = TestSupport.openFds();
        assertMessage("not a cgroup v2 group", () -> new NamespacedProcessBuilder("true").cgroup(Path.of("/tmp")).start());
        io.linuxns.internal.MountTable.read().stream().filter(e -> e.fsType().equals("cgroup")).findFirst().ifPresent(v1 ->
                assertMessage("cgroup v1", () -> new NamespacedProcessBuilder("true").cgroup(Path.of(v1.mountPoint())).start()));
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        assertNoChildren();
    }

    /**
     * A passed descriptor's number must fit under RLIMIT_NOFILE, with room above it for the
     * descriptors the spawn moves out of its way: passFd(0, 1000000) gave a bare
     * {@code fcntl(20, F_DUPFD_CLOEXEC, 1000001): EINVAL}.
     */
    @Test
    void aPassedDescriptorAboveTheOpenFilesLimitIsRefusedNamingPassFdAndTheLimit() throws Exception {
        long limit = java.nio.file.Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                .map(l -> Long.parseLong(l.substring("Max open files".length()).strip().split("\\s+")[0])).findFirst().orElseThrow();
        assumeTrue(limit < Integer.MAX_VALUE - 3);
        var fds = TestSupport.openFds();
        // Through the helper (a working directory): stdin's copy and the error pipe are moved above it.
        for (long childFd : new long[] {Math.max(limit, 1_000_000), limit - 2}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new NamespacedProcessBuilder("true").directory(Path.of("/")).passFd(0, (int) childFd).start());
            assertTrue(e.getMessage().startsWith("passFd(0, " + childFd + ")") && e.getMessage().contains("RLIMIT_NOFILE")
                    && e.getMessage().contains(Long.toString(limit)), e.getMessage());
        }
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().directory(Path.of("/")).passFd(0, (int) limit - 3),
                "test -e /proc/self/fd/" + (limit - 3));
        assertEquals(0, s.exit(), s.err());
        // A direct spawn has no error pipe: only stdin's copy moves.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NamespacedProcessBuilder("true").passFd(0, (int) limit - 1).start());
        assertTrue(e.getMessage().startsWith("passFd(0, " + (limit - 1) + ")"), e.getMessage());
        s = Spawned.sh(new NamespacedProcessBuilder().passFd(0, (int) limit - 2), "test -e /proc/self/fd/" + (limit - 2));
        assertEquals(0, s.exit(), s.err());
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    /**
     * pivot_root(2) cannot make the current root the new root (EBUSY): rootfs("/") is refused
     * before the spawn, saying so, and not with advice about Propagation.PRIVATE, the default.
     */
    @Test
    void theCurrentRootAsRootfsIsRefusedWithTheCause() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("linuxns-root-link");
        // After it: the JDK's SecureRandom, which names temporary files, keeps /dev/random and /dev/urandom open for good.
        var fds = TestSupport.openFds();
        try {
            Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("root"), Path.of("/"));
            for (Path root : List.of(Path.of("/"), link)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NamespacedProcessBuilder("true")
                        .unshare(NamespaceType.MOUNT).rootfs(root).start());
                assertTrue(e.getMessage().contains("is the current root") && !e.getMessage().contains("Propagation.PRIVATE"), e.getMessage());
            }
        } finally {
            java.nio.file.Files.deleteIfExists(dir.resolve("root"));
            java.nio.file.Files.delete(dir);
        }
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    @Test
    void closedNamespaceHandleIsRefused() throws Exception {
        Namespace ns = Namespace.ofCurrentThread(NamespaceType.UTS);
        ns.close();
        assertThrows(IllegalStateException.class, () -> new NamespacedProcessBuilder("true").join(ns).start());
    }

    @Test
    void failingParentSetupKillsTheChild() throws Exception {
        assumeTrue(TestSupport.isRoot());
        var fds = TestSupport.openFds();
        long[] seen = new long[1];
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> new NamespacedProcessBuilder("sleep", "60")
                .unshare(NamespaceType.NETWORK).parentSetup(pid -> {
                    seen[0] = pid;
                    throw new java.io.IOException("setup failed on purpose");
                }).start());
        assertEquals("setup failed on purpose", e.getMessage());
        assertTrue(seen[0] > 0);
        assertTrue(ProcessHandle.of(seen[0]).isEmpty(), "the child is gone and reaped");
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }

    /** No child of this JVM is left, zombie or not. */
    static void assertNoChildren() {
        Set<Long> children = new java.util.HashSet<>();
        ProcessHandle.current().children().forEach(c -> children.add(c.pid()));
        assertEquals(Set.of(), children, "children left behind");
    }

    /** Where executable memfds are refused, start() says why and what to do: it never falls back into the JVM's memory. */
    @Test
    void refusedExecutableMemfdsFailWithTheCause() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root: vm.memfd_noexec is set in a new PID namespace");
        assumeTrue(java.nio.file.Files.exists(Path.of("/proc/sys/vm/memfd_noexec")), "vm.memfd_noexec needs Linux 6.3+");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                "echo 2 > /proc/sys/vm/memfd_noexec && exec \"$0\" \"$@\"", javaBin, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MemfdNoexecProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("memfd_create") && out.contains("EACCES") && out.contains("vm.memfd_noexec"), out);
    }

    /** SIGCHLD would be taken for a child to reap by an init; SIGCONT and SIGSTOP end nothing. */
    @Test
    void signalsThatEndNothingAreNoDeathSignal() {
        for (int sig : new int[] {17, 18, 19}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NamespacedProcessBuilder("true").dieWithParent(sig));
            assertTrue(e.getMessage().contains("cannot be a death signal"), e.getMessage());
        }
    }
}
