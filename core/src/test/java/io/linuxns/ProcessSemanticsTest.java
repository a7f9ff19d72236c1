package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The {@code java.lang.Process} contract, with the JDK's own behaviour as the reference. */
@ExtendWith(ThreadNamespaceGuard.class)
class ProcessSemanticsTest {

    @BeforeAll
    static void warmUp() {
        TestSupport.warmUp();
    }

    // ---- waitFor(timeout) ---------------------------------------------------------------------

    @Test
    void waitForWithoutTimeLeftAnswersAtOnceLikeTheJdk() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "30").start();
        try {
            // On a thread of its own: the bug was waiting forever.
            CompletableFuture<List<Boolean>> answers = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    answers.complete(List.of(p.waitFor(-1, TimeUnit.SECONDS), p.waitFor(0, TimeUnit.SECONDS),
                            p.waitFor(Long.MIN_VALUE, TimeUnit.NANOSECONDS)));
                } catch (Throwable t) {
                    answers.completeExceptionally(t);
                }
            });
            assertEquals(List.of(false, false, false), answers.get(10, TimeUnit.SECONDS));
            ProcessBuilder jdk = new ProcessBuilder("sleep", "30");
            Process reference = jdk.start();
            try {
                assertFalse(reference.waitFor(-1, TimeUnit.SECONDS), "the JDK's answer");
            } finally {
                reference.destroyForcibly().waitFor();
            }
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0x80 + 9, p.waitFor());
        assertTrue(p.waitFor(0, TimeUnit.SECONDS));
        assertTrue(p.waitFor(-1, TimeUnit.SECONDS));
    }

    @Test
    void waitForWithATimeoutStillWaitsWhenTheDescriptorTableIsFull() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "1").redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long soft = FdLimit.get()[0];
        List<FileInputStream> fillers = new ArrayList<>();
        boolean exited;
        FdLimit.setSoft(FdLimit.highestOpen() + 8);
        try {
            try {
                while (true) fillers.add(new FileInputStream("/dev/null"));
            } catch (IOException full) {
                // EMFILE: no descriptor left for a private dup of the pidfd
            }
            exited = p.waitFor(20, TimeUnit.SECONDS);
        } finally {
            for (FileInputStream f : fillers) f.close();
            FdLimit.setSoft(soft);
        }
        assertTrue(exited, "waitFor(20 s) returned false with the descriptor table full");
        assertEquals(0, p.exitValue());
    }

    // ---- toHandle() and info() ----------------------------------------------------------------

    @Test
    void handleAndInfoWhileAlive() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "30").start();
        try {
            ProcessHandle h = p.toHandle();
            assertEquals(p.pid(), h.pid());
            assertTrue(h.isAlive());
            assertEquals(h, p.toHandle());
            assertEquals(Optional.of(ProcessHandle.current()), h.parent());
            assertTrue(p.info().command().orElseThrow().endsWith("sleep"), p.info().toString());
            assertTrue(h.info().arguments().map(a -> List.of(a).equals(List.of("30"))).orElse(false), h.info().toString());
            assertTrue(h.supportsNormalTermination());
            assertTrue(h.destroy());
            assertEquals(0x80 + 15, p.waitFor());
            assertFalse(h.isAlive());
            assertEquals(h, h.onExit().get(10, TimeUnit.SECONDS));
            assertFalse(h.destroyForcibly(), "nothing left to signal");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void handleAndInfoAfterExit() throws Exception {
        Process p = new NamespacedProcessBuilder("true").start();
        assertEquals(0, p.waitFor());
        ProcessHandle h = p.toHandle();
        assertEquals(p.pid(), h.pid());
        assertFalse(h.isAlive());
        assertEquals(h, h.onExit().get(10, TimeUnit.SECONDS));
        assertEquals(Optional.empty(), p.info().command());
        assertEquals(Optional.empty(), h.parent());
        assertEquals(0, h.children().count());
        assertEquals(0, p.descendants().count());
        // The JDK's reference: a handle of an exited process, not an exception.
        Process jdk = new ProcessBuilder("true").start();
        jdk.waitFor();
        assertFalse(jdk.toHandle().isAlive());
    }

    /**
     * ns_last_pid makes the next process reuse the pid of one that exited and was reaped: its
     * handle and info must still describe the exited process, never the newcomer.
     */
    @Test
    void aRecycledPidIsNeverTakenForTheExitedProcess() throws Exception {
        assumeTrue(TestSupport.isRoot(), "writing ns_last_pid needs CAP_SYS_ADMIN");
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        assumeTrue(Files.isWritable(lastPid));
        NamespacedProcess p = new NamespacedProcessBuilder("true").start();
        assertEquals(0, p.waitFor());
        Process stranger = null;
        for (int attempt = 0; attempt < 20 && stranger == null; attempt++) {
            Files.writeString(lastPid, Long.toString(p.pid() - 1));
            Process s = new NamespacedProcessBuilder("sleep", "30").start();
            if (s.pid() == p.pid()) {
                stranger = s;
            } else {
                s.destroyForcibly().waitFor(); // another process took the pid first: again
            }
        }
        assumeTrue(stranger != null, "could not make pid " + p.pid() + " be reused");
        try {
            ProcessHandle h = p.toHandle();
            assertFalse(h.isAlive(), "the handle is the stranger's");
            assertEquals(Optional.empty(), p.info().command(), "the info is the stranger's");
            assertFalse(h.destroyForcibly());
            assertTrue(stranger.isAlive(), "the stranger was killed");
            assertNotEquals(stranger.toHandle(), h);
        } finally {
            stranger.destroyForcibly().waitFor();
        }
    }

    // ---- namespace(PID) -----------------------------------------------------------------------

    @Test
    void namespaceOfASpawnThatJoinedAPidNamespaceIsTheJoinedOne() throws Exception {
        assumeTrue(TestSupport.isRoot(), "joining a PID namespace needs CAP_SYS_ADMIN");
        NamespacedProcess holder = new NamespacedProcessBuilder("sleep", "30").unshare(NamespaceType.PID).start();
        try (Namespace pid = holder.namespace(NamespaceType.PID)) {
            // The Process is the forwarder, outside: the command is its child, inside.
            NamespacedProcess q = new NamespacedProcessBuilder("sh", "-c",
                    "readlink /proc/self/ns/pid /proc/self/ns/time; exec sleep 30").join(pid).unshare(NamespaceType.TIME).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(q.getInputStream()));
                 Namespace hisPid = q.namespace(NamespaceType.PID);
                 Namespace hisTime = q.namespace(NamespaceType.TIME)) {
                assertEquals(pid.toString(), r.readLine());
                assertEquals(pid, hisPid);
                assertEquals(r.readLine(), hisTime.toString(), "the command's time namespace");
            } finally {
                q.destroyForcibly().waitFor();
            }
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void namespaceOfASpawnWhoseHelperMadeThePidNamespace() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a mapping of uid 1000 inside to root outside needs root");
        // The helper is not root inside: it creates the user and PID namespaces itself and forks a forwarder.
        NamespacedProcess p = new NamespacedProcessBuilder("sh", "-c", "readlink /proc/self/ns/pid; exec sleep 30")
                .unshare(NamespaceType.USER, NamespaceType.PID).uidMap(new IdMapping(1000, 0, 1)).gidMap(new IdMapping(1000, 0, 1)).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
             Namespace pid = p.namespace(NamespaceType.PID)) {
            String inside = r.readLine();
            assertEquals(inside, pid.toString());
            assertNotEquals(TestSupport.link("/proc/self/ns/pid"), inside);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    // ---- close-on-exec stream descriptors -----------------------------------------------------

    @Test
    void theParentsStreamDescriptorsAreCloseOnExec() throws Exception {
        Process p = new NamespacedProcessBuilder("sleep", "30").start();
        try {
            Set<String> pipes = new HashSet<>();
            for (int fd = 0; fd < 3; fd++) pipes.add(TestSupport.link("/proc/" + p.pid() + "/fd/" + fd));
            assertEquals(3, pipes.size(), pipes.toString());
            List<String> found = new ArrayList<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException gone) {
                        continue;
                    }
                    if (!pipes.contains(target)) continue;
                    String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName())).stream()
                            .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                    long octal = Long.parseLong(flags.substring(6).strip(), 8);
                    found.add(fd.getFileName() + " -> " + target + ((octal & LinuxNs.O_CLOEXEC()) != 0 ? " cloexec" : " INHERITABLE"));
                }
            }
            assertEquals(3, found.size(), found.toString());
            assertTrue(found.stream().allMatch(s -> s.endsWith(" cloexec")), found.toString());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    // ---- a child killed before its exec -------------------------------------------------------

    @Test
    void aChildKilledBeforeItsExecMakesStartThrow() throws Exception {
        var fds = TestSupport.openFds();
        for (int i = 0; i < 50; i++) {
            int attempt = i;
            long[] seen = new long[1];
            List<Process> returned = new ArrayList<>();
            IOException e = assertThrows(IOException.class, () -> returned.add(new NamespacedProcessBuilder("true")
                    .parentSetup(pid -> {
                        seen[0] = pid;
                        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                    }).start()), () -> "attempt " + attempt + " " + i2s(returned) + " returned a process that never ran the program");
            assertTrue(seen[0] > 0, e.toString());
            assertTrue(ProcessHandle.of(seen[0]).isEmpty(), "the child is gone and reaped");
        }
        assertEquals(Set.of(), TestSupport.newFds(fds), "leaked descriptors");
        SpawnFailureTest.assertNoChildren();
    }

    private static String i2s(List<Process> returned) {
        return returned.isEmpty() ? "" : returned.get(0) + " (exit " + waitQuietly(returned.get(0)) + ")";
    }

    private static int waitQuietly(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            return -1;
        }
    }

    /** A signal that the helper holds blocked until right before the exec kills it before the exec: always, not by chance. */
    @Test
    void aPendingSignalThatKillsTheChildBeforeItsExecMakesStartThrow() throws Exception {
        IOException e = assertThrows(IOException.class, () -> new NamespacedProcessBuilder("true")
                .parentSetup(pid -> ProcessHandle.of(pid).orElseThrow().destroy()).start());
        assertTrue(e.getMessage().contains("SIGTERM"), e.getMessage());
        assertTrue(e.getMessage().contains("before"), e.getMessage());
        SpawnFailureTest.assertNoChildren();
    }

    @Test
    void anInitKilledBeforeTheExecMakesStartThrow() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a PID namespace needs CAP_SYS_ADMIN");
        for (int i = 0; i < 10; i++) {
            // SIGKILL: an init ignores the signals it has no handler for, even from outside.
            assertThrows(IOException.class, () -> new NamespacedProcessBuilder("true").unshare(NamespaceType.PID).init(true)
                    .parentSetup(pid -> ProcessHandle.of(pid).orElseThrow().destroyForcibly()).start());
        }
        SpawnFailureTest.assertNoChildren();
    }

    /** The other side: a command that kills itself at once did run, and start() returns it. */
    @Test
    void aCommandThatKillsItselfRightAfterItsExecIsReturned() throws Exception {
        for (int i = 0; i < 10; i++) {
            Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "kill -9 $$").start();
            assertEquals(0x80 + 9, p.waitFor());
            Process q = new NamespacedProcessBuilder("/bin/sh", "-c", "kill -9 $$").parentSetup(pid -> { }).start();
            assertEquals(0x80 + 9, q.waitFor());
        }
    }

    // ---- a script without "#!" ----------------------------------------------------------------

    /** ProcessBuilder (and execvp) run a file the kernel refuses with ENOEXEC through /bin/sh, argv {"/bin/sh", file, args...}. */
    @Test
    void aScriptWithoutAShebangRunsWithBinShLikeTheJdk(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("plain");
        Files.writeString(script, "echo \"$0|$1|$2|$#\"\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Process jdk = new ProcessBuilder(script.toString(), "a b", "c").start();
        String reference = new String(jdk.getInputStream().readAllBytes());
        assertEquals(0, jdk.waitFor());
        assertEquals(script + "|a b|c|2\n", reference, "the JDK's answer");
        // The direct path (no helper), and the helper's.
        for (NamespacedProcessBuilder b : List.of(new NamespacedProcessBuilder(script.toString(), "a b", "c"),
                new NamespacedProcessBuilder(script.toString(), "a b", "c").unshare(NamespaceType.UTS).hostname("box"))) {
            Process p = b.start();
            assertEquals(reference, new String(p.getInputStream().readAllBytes()));
            assertEquals(0, p.waitFor());
        }
        // Any other failure is the command's own, not given to the shell.
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ExecFailedException e = assertThrows(ExecFailedException.class, () -> new NamespacedProcessBuilder(script.toString()).start());
        assertEquals(13, e.errno(), "EACCES: " + e.getMessage());
        assertFalse(e.getMessage().contains("/bin/sh"), e.getMessage());
    }

    /**
     * In a PATH search the first file found is run, with /bin/sh if it has no "#!": the search
     * does not skip it for a later candidate. With a mount the child sees other files than the
     * caller, so every PATH entry becomes a candidate that the child tries in order.
     */
    @Test
    void aScriptWithoutAShebangFoundFirstOnThePathIsTheOneRun(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assumeTrue(TestSupport.isRoot(), "a mount namespace");
        Path first = Files.createDirectories(tmp.resolve("first"));
        Path second = Files.createDirectories(tmp.resolve("second"));
        var exec = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.writeString(first.resolve("tool"), "echo \"first $1\"\n");
        Files.setPosixFilePermissions(first.resolve("tool"), exec);
        Files.writeString(second.resolve("tool"), "#!/bin/sh\necho \"second $1\"\n");
        Files.setPosixFilePermissions(second.resolve("tool"), exec);
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("tool", "x").unshare(NamespaceType.MOUNT).tmpfs(tmp.resolve("empty"));
        Files.createDirectories(tmp.resolve("empty"));
        b.environment().put("PATH", tmp.resolve("none") + ":" + first + ":" + second);
        Process p = b.start();
        assertEquals("first x\n", new String(p.getInputStream().readAllBytes()));
        assertEquals(0, p.waitFor());
    }

    // ---- passFd -------------------------------------------------------------------------------

    @Test
    void passingTwoDescriptorsAsTheSameChildFdIsRefused() {
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("true").passFd(5, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.passFd(6, 7));
        assertTrue(e.getMessage().contains("passFd(5, 7)") && e.getMessage().contains("passFd(6, 7)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.passFd(5, 7));
        b.passFd(5, 8); // one parent descriptor as two child numbers is fine
    }
}
