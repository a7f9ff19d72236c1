package io.linuxns.internal.spawn;

import io.linuxns.Unprivileged;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which threads may clone on themselves ({@link CallerThread}), asked in fresh JVMs
 * ({@link CallerThreadProbe}): the main thread and a new platform thread yes, also as uid 65534
 * (the main thread's {@code /proc/self/task/PID/} files are the process's own); a virtual thread,
 * a spawn with a death signal, a thread with a working directory or a UTS namespace of its own,
 * and a thread started by one, no. A first spawn from a thread that cannot see {@code /proc}
 * at all (its own mount namespace, unmounted there) must not take "nothing readable on either
 * side" for a match: its child starts in the JVM's UTS namespace, not the thread's.
 */
class CallerThreadTest {

    private static boolean root() {
        return Unprivileged.isRoot();
    }

    private static Map<String, String> run(List<String> command) throws Exception {
        return run(command, Path.of("/"));
    }

    private static Map<String, String> run(List<String> command, Path directory) throws Exception {
        Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        // Not a timing assertion: the limit only keeps a hung probe from hanging the build.
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        return Unprivileged.keyValues(out);
    }

    private static List<String> java(String mode) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CallerThreadProbe.class.getName(), mode));
    }

    private static void assertBasic(Map<String, String> r) {
        assertEquals("true", r.get("main"), r::toString);
        assertEquals("false", r.get("main.deathSignal"), r::toString);
        assertEquals("true", r.get("platform"), r::toString);
        assertEquals("false", r.get("virtual"), r::toString);
        assertEquals("false", r.get("cwd"), "a thread with its own working directory: " + r);
        assertEquals("true", r.get("platform.after"), r::toString);
    }

    /**
     * A thread whose root is another bind mount of the JVM's root directory (the same device and
     * inode) is not at home: its child would see that mount's tree, here one without the JVM's
     * {@code /sys}. The probe runs in a mount namespace of its own, so that its mounts never
     * reach this one.
     */
    @Test
    void aThreadWhoseRootIsABindMountOfTheSameDirectoryIsNoMatch() throws Exception {
        assumeTrue(root(), "mount and chroot need root");
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        command.addAll(java("bindroot"));
        Map<String, String> r = run(command);
        assertEquals("false child=0", r.get("bindroot"), "a thread rooted in a bind mount of /: " + r);
    }

    @Test
    void asRoot() throws Exception {
        assumeTrue(root(), "unshare(CLONE_NEWUTS) on a thread needs CAP_SYS_ADMIN");
        Map<String, String> r = run(java("basic"));
        assertEquals("0", r.get("uid"), r::toString);
        assertBasic(r);
        assertEquals("false", r.get("uts"), "a thread in a UTS namespace of its own: " + r);
        assertEquals("false", r.get("uts.child"), "a thread started by one: " + r);
    }

    @Test
    void asNobody() throws Exception {
        assumeTrue(root(), "switching to uid 65534 needs root");
        Path dir = Unprivileged.readableTempDirectory("linuxns-caller-thread");
        try {
            Map<String, String> r = run(Unprivileged.java(dir, CallerThreadProbe.class, "basic"), dir);
            assertEquals(Integer.toString(Unprivileged.NOBODY), r.get("uid"), r::toString);
            assertBasic(r);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    @Test
    void aFirstSpawnFromAThreadWithoutProcIsNoMatch() throws Exception {
        assumeTrue(root(), "unshare(CLONE_NEWNS | CLONE_NEWUTS) on a thread needs CAP_SYS_ADMIN");
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Map<String, String> r = run(java("noproc"));
        assertEquals("false child=" + host, r.get("noproc"), "the child of a thread that cannot see /proc: " + r);
        assertEquals("true child=" + host, r.get("main"), r::toString);
        assertEquals("clear", r.get("noproc.pipe"), "a pipe's stream used where /proc cannot be seen: " + r);
    }

    /**
     * A JVM in a PID namespace of its own under the parent namespace's {@code /proc} (util-linux
     * {@code unshare --pid --fork} without {@code --mount-proc}, a common slip): {@code getpid()}
     * is its number in the new namespace, {@code /proc} knows it by the parent's, so
     * {@code /proc/self/task/GETPID/} names no thread of this process. The main thread's files are
     * still {@code /proc/self/}'s (the thread group leader's): threads at home still clone on
     * themselves, and the others still do not.
     */
    @Test
    void inAPidNamespaceUnderItsParentsProcTheMainThreadIsStillFound() throws Exception {
        assumeTrue(root(), "unshare --pid needs CAP_SYS_ADMIN");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "sh", "-c", "\"$@\"; exit $?", "sh"));
        cmd.addAll(java("basic"));
        Map<String, String> r = run(cmd);
        assertBasic(r);
        assertEquals("false", r.get("uts"), r::toString);
    }
}
