package io.linuxns;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM whose first spawn meets a full descriptor table gets a NamespaceException naming the
 * limit, leaks nothing, and spawns again once descriptors are free: the process reaper is started
 * by a spawn, retryably, not by a class initialiser that fails for good
 * ({@code NoClassDefFoundError: Could not initialize class ...Reaper}) and leaks its epoll set.
 */
class FirstSpawnEmfileTest {
    @Test
    void aFirstSpawnUnderEmfileFailsCleanlyAndTheNextOneWorks() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("prlimit", "--nofile=256", "--", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), FirstSpawnEmfileProbe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertFalse(out.contains("NoClassDefFoundError") || out.contains("ExceptionInInitializerError"), out);
        assertEquals(6, out.lines().filter(l -> l.contains(" | again: exit 0")).count(), "a spawn after EMFILE failed:\n" + out);
        assertTrue(out.contains("free=0 | first: NamespaceException") && out.contains("RLIMIT_NOFILE"), out);
        Matcher m = Pattern.compile("descriptors before=(\\d+) after=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        // The reaper's epoll set and wake pipe: the only descriptors a first spawn keeps for good.
        assertTrue(Long.parseLong(m.group(2)) <= Long.parseLong(m.group(1)) + 3, "descriptors leaked:\n" + out);
    }
}
