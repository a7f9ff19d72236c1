package io.linuxns;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rule: a task that shares the JVM's memory never outlives the spawn. A clone3 child that
 * waits on the sync pipe for its id maps ends when the JVM dies, because the JVM's death closes
 * the pipe's write end: unless the child holds a copy of that write end itself, which it does
 * with {@code inheritDescriptors(true)} (it closes nothing before the wait then). The JVM is
 * killed at a fixed point (WaitingChildOrphanProbe), and no task of its may be left: a left one
 * sleeps in {@code read} for ever, with the JVM's whole memory and every descriptor of it.
 */
class WaitingChildOrphanTest {
    @ParameterizedTest
    @ValueSource(strings = {"direct", "helper"})
    void aChildWaitingForItsMapsEndsWithTheJvm(String path) throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is written for x86-64");
        String name = "orphan-" + ProcessHandle.current().pid() % 10000 + path.charAt(0);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Discarded output: a left child would hold a pipe's write end, and a read of it would never end.
        Process jvm = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                WaitingChildOrphanProbe.class.getName(), name, path).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not end");
        assertEquals(128 + 31, jvm.exitValue(), "the probe JVM should die of SIGSYS at the uid_map open");
        List<String> left = List.of();
        try {
            // A child that ends does so as soon as it reads EOF: this bounds the wait, it decides nothing.
            for (int i = 0; i < 100; i++) {
                left = alive(name);
                if (left.isEmpty()) break;
                Thread.sleep(100);
            }
            assertEquals(List.of(), left, "tasks of the dead JVM still running, sharing its memory");
        } finally {
            for (String pid : alive(name)) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The pids of live (not zombie) processes whose comm is {@code comm}, with their state and resident memory. */
    private static List<String> alive(String comm) throws Exception {
        List<String> found = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String pid = d.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) continue;
                try {
                    if (!Files.readString(d.resolve("comm")).strip().equals(comm)) continue;
                    String status = Files.readString(d.resolve("status"));
                    if (status.contains("State:\tZ")) continue;
                    found.add(pid);
                } catch (java.io.IOException gone) {
                    // ended meanwhile
                }
            }
        }
        return found;
    }
}
