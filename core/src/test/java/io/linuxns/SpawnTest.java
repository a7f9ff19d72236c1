package io.linuxns;

import io.linuxns.internal.MountTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Spawning as root: every namespace type, mounts, pivot_root, init, time, cgroup, stdio. */
@ExtendWith(ThreadNamespaceGuard.class)
class SpawnTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(TestSupport.isRoot(), "these cases need root; RootlessSpawnTest covers the unprivileged ones");
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void eachTypeGivesTheChildANewNamespace(NamespaceType type) throws Exception {
        String mine = TestSupport.link("/proc/self/ns/" + type.procName());
        // As asked (clone3 makes UTS, IPC, PID, mount and cgroup ones itself), and through the
        // helper (a working directory needs it), which unshares the rest.
        for (boolean helper : new boolean[] {false, true}) {
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("readlink", "/proc/self/ns/" + type.procName()).unshare(type);
            if (helper) b.directory(java.nio.file.Path.of("/"));
            Spawned s = Spawned.run(b);
            assertEquals(0, s.exit(), s.err());
            String theirs = s.out().strip();
            assertTrue(theirs.startsWith(type.procName() + ":["), theirs);
            assertNotEquals(mine, theirs, type + " namespace of the child" + (helper ? ", through the helper" : ""));
        }
    }

    @Test
    void allTypesAtOnce() throws Exception {
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(EnumSet.allOf(NamespaceType.class)).mapRootToCurrentUser()
                .hostname("all").mountProc(), "hostname; id -u; echo $$; ls /proc/self/ns | wc -l");
        assertEquals(0, s.exit(), s.err());
        assertEquals(List.of("all", "0", "1"), s.out().lines().limit(3).toList());
    }

    @Test
    void hostnameAndDomainname() throws Exception {
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.UTS).hostname("inside").domainname("dom"),
                "hostname; cat /proc/sys/kernel/domainname");
        assertEquals("inside\ndom\n", s.out());
        assertNotEquals("inside", TestSupport.hostname());
    }

    @Test
    void pid1AndPsSeeOnlyTheNamespace() throws Exception {
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.PID, NamespaceType.MOUNT).mountProc(),
                "echo $$; ps -e -o pid= | tr -d ' ' | sort -n | tr '\\n' ' '");
        assertEquals(0, s.exit(), s.err());
        List<String> lines = s.out().lines().toList();
        assertEquals("1", lines.get(0));
        // Only the shell and ps itself (and the pipeline): nothing of the host.
        for (String pid : lines.get(1).trim().split(" ")) assertTrue(Integer.parseInt(pid) < 10, lines.get(1));
    }

    @Test
    void rootInsideIsTheCallerOutside() throws Exception {
        Process p = new NamespacedProcessBuilder("sh", "-c", "id -u; exec sleep 30").mapRootToCurrentUser().start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("0", r.readLine());
            String uid = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            assertEquals(TestSupport.uid(), Integer.parseInt(uid.split("\\s+")[1]));
            try (Namespace user = ((NamespacedProcess) p).namespace(NamespaceType.USER)) {
                assertEquals(TestSupport.uid(), user.ownerUid());
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void rangedMapsAsRoot() throws Exception {
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.USER)
                        .uidMap(new IdMapping(0, 100000, 1000)).gidMap(new IdMapping(0, 100000, 1000)),
                "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '");
        assertEquals(" 0 100000 1000\n 0 100000 1000\n", s.out());
    }

    @Test
    void pivotRootIntoBusyboxHidesTheHostRoot() throws Exception {
        Path rootfs = Rootfs.busybox();
        try {
            Files.writeString(rootfs.resolve("marker"), "in the new root\n");
            Spawned s = Spawned.run(new NamespacedProcessBuilder("/bin/sh", "-c",
                    "cat /marker; test -e /usr/lib/jvm -o -e /etc/debian_version && echo HOST-VISIBLE; echo $$")
                    .unshare(NamespaceType.MOUNT, NamespaceType.PID, NamespaceType.UTS)
                    .rootfs(rootfs).mountProc().tmpfs(Path.of("/tmp")).hostname("busy"));
            assertEquals(0, s.exit(), s.err());
            assertTrue(s.out().startsWith("in the new root\n"), s.out());
            assertEquals("in the new root\n1\n", s.out(), "the host root is out of reach");
        } finally {
            Rootfs.delete(rootfs);
        }
    }

    @Test
    void noMountMadeInsideAppearsOnTheHost() throws Exception {
        Set<String> before = mountPoints();
        Path rootfs = Rootfs.busybox();
        Path src = Files.createTempDirectory("linuxns-bind");
        try {
            Files.writeString(src.resolve("f"), "bound");
            Spawned s = Spawned.run(new NamespacedProcessBuilder("/bin/sh", "-c", "cat /mnt/f; touch /mnt/g 2>/dev/null || echo ro")
                    .unshare(NamespaceType.MOUNT, NamespaceType.PID).rootfs(rootfs).mountProc()
                    .tmpfs(Path.of("/tmp")).bind(src, Path.of("/mnt"), true));
            assertEquals("boundro\n", s.out(), s.err());
            Spawned s2 = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.MOUNT).tmpfs(Path.of("/mnt"))
                    .bind(src, src, false), "touch /mnt/x && ls /mnt");
            assertEquals("x\n", s2.out());
        } finally {
            Rootfs.delete(rootfs);
            Files.walk(src).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertEquals(before, mountPoints());
    }

    private static Set<String> mountPoints() {
        return MountTable.read().stream().map(MountTable.Entry::mountPoint).collect(Collectors.toCollection(HashSet::new));
    }

    @Test
    void initReapsOrphansAndForwardsSignals() throws Exception {
        // An orphan: a grandchild whose parent exits at once; PID 1 must reap it.
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.PID, NamespaceType.MOUNT).mountProc().init(true),
                "sh -c 'sleep 0.2 &'; sleep 1; cat /proc/[0-9]*/stat 2>/dev/null | awk '{print $3}' | grep -c Z; "
                        + "cat /proc/1/comm");
        assertEquals(List.of("0", "linuxns-init"), s.out().lines().toList(), s.err());

        Process p = new NamespacedProcessBuilder("sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done")
                .unshare(NamespaceType.PID).init(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertEquals("ready", r.readLine());
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals("got TERM", r.readLine());
            assertEquals(42, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withoutInitTheCommandIsPid1AndKillEndsIt() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.PID).start();
        p.destroyForcibly();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0x80 + 9, p.exitValue());
        assertFalse(p.isAlive());
        assertEquals(p, p.onExit().get());
    }

    @Test
    void waitForIsInterruptibleAndTimesOut() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "60").start();
        try {
            assertFalse(p.waitFor(50, TimeUnit.MILLISECONDS));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, p::waitFor);
            assertTrue(p.isAlive());
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0x80 + 9, p.waitFor());
        // Waiting on a virtual thread goes through the reaper instead: same result.
        Process q = new NamespacedProcessBuilder("sh", "-c", "exit 4").start();
        int[] code = new int[1];
        Thread.ofVirtual().start(() -> {
            try {
                code[0] = q.waitFor();
            } catch (InterruptedException e) {
                code[0] = -1;
            }
        }).join();
        assertEquals(4, code[0]);
    }

    @Test
    void bootTimeOffsetShowsInUptime() throws Exception {
        Spawned s = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/uptime").boottimeOffset(Duration.ofDays(100))
                .monotonicOffset(Duration.ofDays(1)));
        assertEquals(0, s.exit(), s.err());
        double uptime = Double.parseDouble(s.out().split(" ")[0]);
        double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertTrue(uptime > host + 100 * 86400 - 60, uptime + " vs " + host);
    }

    /** A clock offset only means something in a new time namespace, so it asks for one, as {@code unshare --monotonic} implies {@code -T}. */
    @Test
    void aClockOffsetAddsANewTimeNamespace() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a time namespace without a user namespace needs root");
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("readlink", "/proc/self/ns/time").monotonicOffset(Duration.ofDays(1));
        assertEquals(EnumSet.of(NamespaceType.TIME), b.unshared());
        Spawned s = Spawned.run(b);
        assertEquals(0, s.exit(), s.err());
        assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString(), s.out().strip());
        assertEquals(EnumSet.of(NamespaceType.TIME), new NamespacedProcessBuilder("true").boottimeOffset(Duration.ofDays(1)).unshared());
    }

    @Test
    void cgroupPlacement() throws Exception {
        Path v2 = MountTable.read().stream().filter(e -> e.fsType().equals("cgroup2")).map(e -> Path.of(e.mountPoint()))
                .findFirst().orElse(null);
        assumeTrue(v2 != null, "no cgroup v2 hierarchy mounted");
        Path group = Files.createDirectory(v2.resolve("linuxns-test-" + ProcessHandle.current().pid()));
        try {
            Spawned s = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/self/cgroup").cgroup(group));
            assertTrue(s.out().lines().anyMatch(l -> l.equals("0::/" + group.getFileName())), s.out());
        } finally {
            Files.delete(group);
        }
    }

    @Test
    void joinsExistingNamespacesIncludingAUserNamespace() throws Exception {
        Process holder = new NamespacedProcessBuilder("sh", "-c", "echo ok; exec sleep 60").unshare(NamespaceType.USER, NamespaceType.UTS,
                NamespaceType.NETWORK).uidMap(new IdMapping(0, 1000, 1)).gidMap(new IdMapping(0, 1000, 1)).hostname("holder").start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
             Namespace user = ((NamespacedProcess) holder).namespace(NamespaceType.USER);
             Namespace uts = ((NamespacedProcess) holder).namespace(NamespaceType.UTS);
             Namespace net = ((NamespacedProcess) holder).namespace(NamespaceType.NETWORK)) {
            assertEquals("ok", r.readLine());
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().join(user, uts, net), "id -u; hostname; readlink /proc/self/ns/net");
            assertEquals(List.of("0", "holder", net.toString()), s.out().lines().toList(), s.err());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS));
             Namespace uts = ex.namespace(NamespaceType.UTS)) {
            ex.run(() -> {
                try {
                    io.linuxns.internal.Native.sethostname("from-executor");
                } catch (NamespaceException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals("from-executor\n", Spawned.run(new NamespacedProcessBuilder("hostname").join(uts)).out());
        }
    }

    @Test
    void joiningAUserNamespaceThenCreatingOthersUnderIt() throws Exception {
        Path dir = Files.createTempDirectory("linuxns-joinmnt");
        Process holder = new NamespacedProcessBuilder("sh", "-c", "echo ok; exec sleep 60").unshare(NamespaceType.USER,
                NamespaceType.MOUNT).uidMap(new IdMapping(0, 1000, 1)).gidMap(new IdMapping(0, 1000, 1)).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
             Namespace user = ((NamespacedProcess) holder).namespace(NamespaceType.USER);
             Namespace mnt = ((NamespacedProcess) holder).namespace(NamespaceType.MOUNT)) {
            assertEquals("ok", r.readLine());
            // Two waiting parents (a forwarder into the new PID namespace, then an init): start() must
            // return at the exec, not when the command ends; lo is brought up in the new netns.
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().join(user).unshare(NamespaceType.PID, NamespaceType.NETWORK,
                            NamespaceType.MOUNT).init(true).mountProc().loopback(true),
                    "echo $$; id -u; ip -o link show lo | grep -c LOWER_UP; readlink /proc/self/ns/user");
            assertEquals(List.of("2", "0", "1", user.toString()), s.out().lines().toList(), s.err());
            // Mounts in a joined mount namespace go into a private copy, never into the holder's.
            Spawned m = Spawned.sh(new NamespacedProcessBuilder().join(mnt).tmpfs(dir), "touch " + dir + "/x && echo made");
            assertEquals("made\n", m.out(), m.err());
            assertFalse(Files.readString(Path.of("/proc/" + holder.pid() + "/mountinfo")).contains(dir.toString()));
        } finally {
            holder.destroyForcibly().waitFor();
            Files.delete(dir);
        }
    }

    @Test
    void joiningAPidNamespaceGoesThroughAForwarder() throws Exception {
        Process holder = new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.PID).start();
        try (Namespace pid = ((NamespacedProcess) holder).namespace(NamespaceType.PID)) {
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().join(pid), "echo $$; exit 7");
            assertEquals(7, s.exit());
            assertEquals("2", s.out().strip(), "the second process of the namespace");
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void stdioPipesFilesDiscardAndMerge() throws Exception {
        Process cat = new NamespacedProcessBuilder("cat").start();
        cat.getOutputStream().write("round trip\n".getBytes());
        cat.getOutputStream().close();
        assertEquals("round trip\n", new String(cat.getInputStream().readAllBytes()));
        assertEquals(0, cat.waitFor());

        Path out = Files.createTempFile("linuxns-out", ".txt");
        try {
            Process p = new NamespacedProcessBuilder("sh", "-c", "echo to-out; echo to-err >&2")
                    .redirectOutput(ProcessBuilder.Redirect.to(out.toFile())).redirectErrorStream(true).start();
            assertEquals(0, p.waitFor());
            assertEquals("to-out\nto-err\n", Files.readString(out));
            Process d = new NamespacedProcessBuilder("sh", "-c", "echo gone; cat").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(out.toFile())).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertEquals(0, d.waitFor());
            assertEquals(-1, d.getInputStream().read());
        } finally {
            Files.delete(out);
        }
    }

    @Test
    void streamsLetGoOfTheirPipesOnceTheProcessExitedAndKeepWhatWasLeft() throws Exception {
        TestSupport.warmUp();
        var before = TestSupport.openFds();
        Process p = new NamespacedProcessBuilder("sh", "-c", "echo left in the pipe; echo and on stderr >&2").start();
        assertEquals(0, p.waitFor());
        for (int i = 0; i < 500 && !TestSupport.newFdsNow(before).isEmpty(); i++) Thread.sleep(10); // onExit work runs async
        assertEquals(java.util.Set.of(), TestSupport.newFds(before), "pipe descriptors held after exit");
        assertEquals("left in the pipe\n", new String(p.getInputStream().readAllBytes()));
        assertEquals("and on stderr\n", new String(p.getErrorStream().readAllBytes()));
        java.io.OutputStream in = p.getOutputStream();
        assertThrows(java.io.IOException.class, () -> {
            in.write('x');
            in.flush();
        });
    }

    @Test
    void onlyStdioAndPassedDescriptorsSurviveExec() throws Exception {
        Path f = Files.createTempFile("linuxns-pass", ".txt");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            int fd = TestSupport.fdOf(f);
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().passFd(fd, 7), "echo passed >&7; ls /proc/self/fd | sort -n | tr '\\n' ' '");
            assertEquals("passed\n", Files.readString(f));
            // 0-2, the passed 7, and the directory ls is reading: nothing of the JVM's.
            assertEquals("0 1 2 3 7 ", s.out());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void aWaitingChildHoldsNoneOfTheJvmsDescriptors() throws Exception {
        java.util.concurrent.atomic.AtomicReference<List<String>> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Spawned s = Spawned.run(new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS).parentSetup(pid -> {
            // The child runs its first steps while this runs: look once it waits in read(2) (syscall 0).
            Path syscall = Path.of("/proc/" + pid + "/syscall");
            try {
                while (!Files.readString(syscall).startsWith("0 ")) Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                seen.set(fds.map(f -> f.getFileName().toString()).sorted().toList());
            }
        }));
        assertEquals(0, s.exit());
        // 0-2 of the JVM, three stdio pipe ends, the error pipe and the sync pipe: not the JVM's
        // jars, sockets or another spawn's pipes (which would delay that spawn's EOF).
        assertTrue(seen.get().size() <= 8, seen.get().toString());
    }

    @Test
    void passedDescriptorsMaySwapNumbers() throws Exception {
        Path a = Files.createTempFile("linuxns-a", ".txt");
        Path b = Files.createTempFile("linuxns-b", ".txt");
        try (var fa = new java.io.RandomAccessFile(a.toFile(), "rw"); var fb = new java.io.RandomAccessFile(b.toFile(), "rw")) {
            int x = TestSupport.fdOf(a), y = TestSupport.fdOf(b);
            // x goes to y's number and y to x's: neither source may be overwritten before it is used.
            Spawned s = Spawned.run(new NamespacedProcessBuilder("readlink", "/proc/self/fd/" + y, "/proc/self/fd/" + x)
                    .passFd(x, y).passFd(y, x));
            assertEquals(0, s.exit(), s.err());
            assertEquals(a + "\n" + b + "\n", s.out());
        } finally {
            Files.delete(a);
            Files.delete(b);
        }
    }

    @Test
    void passingTheJvmsOwnStdioPassesTheJvmsNotTheChilds() throws Exception {
        String jvmStdout = TestSupport.link("/proc/self/fd/1");
        Spawned s = Spawned.run(new NamespacedProcessBuilder("readlink", "/proc/self/fd/5").passFd(1, 5));
        assertEquals(jvmStdout + "\n", s.out());
    }

    @Test
    void loopbackIsUpInANewNetworkNamespace() throws Exception {
        Spawned p = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.NETWORK).loopback(true),
                "ip -o link show lo");
        assertTrue(p.out().contains("<LOOPBACK,UP,LOWER_UP>"), p.out() + p.err());
        Spawned down = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.NETWORK), "ip -o link show lo");
        assertFalse(down.out().contains("UP"), down.out());
    }

    @Test
    void startFromAVirtualThreadAndFromInsideAnExecutor() throws Exception {
        String[] out = new String[1];
        Thread v = Thread.ofVirtual().start(() -> {
            try {
                out[0] = Spawned.run(new NamespacedProcessBuilder("hostname").unshare(NamespaceType.UTS).hostname("from-virtual")).out();
            } catch (Exception e) {
                out[0] = e.toString();
            }
        });
        v.join();
        assertEquals("from-virtual\n", out[0]);
        // The child starts from the library's origin thread: an executor's namespaces do not leak into it.
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK))) {
            String inside = ex.call(() -> Spawned.run(new NamespacedProcessBuilder("readlink", "/proc/self/ns/net")).out().strip());
            assertEquals(TestSupport.link("/proc/self/ns/net"), inside);
        }
    }

    @Test
    void environmentAndDirectory() throws Exception {
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("sh", "-c", "echo $GREETING; pwd").directory(new File("/tmp").toPath());
        b.environment().clear();
        b.environment().put("GREETING", "hi");
        b.environment().put("PATH", "/usr/bin:/bin");
        assertEquals("hi\n/tmp\n", Spawned.run(b).out());
    }

    /** A new user namespace with root mapped, and a joined network namespace the JVM's own user namespace owns. */
    @Test
    void aNewUserNamespaceWithAJoinedNetworkNamespace() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root: the holder is made with unshare -n");
        Process holder = new ProcessBuilder("unshare", "-n", "sh", "-c", "echo ok; exec sleep 60").start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
             Namespace net = Namespace.ofProcess(holder.pid(), NamespaceType.NETWORK)) {
            assertEquals("ok", r.readLine());
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.UTS)
                    .mapRootToCurrentUser().hostname("joined").join(net), "id -u; hostname; readlink /proc/self/ns/net");
            assertEquals(List.of("0", "joined", net.toString()), s.out().lines().toList(), s.err());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }
}
