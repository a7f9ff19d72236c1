package io.linuxns;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dieWithParent()}: the child goes when the JVM that spawned it goes, and only then. */
class DieWithParentTest {

    @Test
    void childDiesWithTheJvm() throws Exception {
        long pid = spawnFromChildJvm("die", "plain");
        assertTrue(waitUntilDead(pid), "process " + pid + " outlived the JVM that spawned it");
    }

    @Test
    void initAndItsChildDieWithTheJvm() throws Exception {
        long pid = spawnFromChildJvm("die", "init");
        assertTrue(waitUntilDead(pid), "init " + pid + " outlived the JVM that spawned it");
    }

    @Test
    void aChildThatChangedItsUidDiesWithTheJvm() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestSupport.isRoot(), "changing to uid 65534 on the host needs root");
        long pid = spawnFromChildJvm("die", "setuid");
        assertTrue(waitUntilDead(pid), "process " + pid + " (uid 65534) outlived the JVM that spawned it");
    }

    @Test
    void withoutItTheChildLivesOn() throws Exception {
        long pid = spawnFromChildJvm("keep", "plain");
        try {
            assertFalse(waitUntilDead(pid), "without dieWithParent the child must survive");
        } finally {
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        }
    }

    private static long spawnFromChildJvm(String mode, String kind) throws Exception {
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DeathSignalProbe.class.getName(), mode, kind).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(jvm.getInputStream().readAllBytes()).strip();
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, jvm.exitValue(), out);
        return Long.parseLong(out);
    }

    /** Gone or a zombie (no reaper may run on this machine) within 5 s. */
    private static boolean waitUntilDead(long pid) throws InterruptedException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        for (int i = 0; i < 100; i++) {
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) return true;
            } catch (java.io.IOException gone) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
