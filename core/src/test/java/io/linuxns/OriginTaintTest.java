package io.linuxns;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The library's origin threads inherit the state of whichever thread touches the library first.
 * When that thread had moved itself into other namespaces with its own native code, no child
 * may start there: a spawn that would clone on an origin thread is refused, naming the cause,
 * and a thread in the JVM's own namespaces still spawns on itself, where it belongs.
 */
class OriginTaintTest {
    @Test
    void aFirstUseFromAMovedThreadSendsNoChildIntoItsNamespaces() throws Exception {
        assumeTrue(TestSupport.isRoot(), "a raw unshare(CLONE_NEWUTS) on a thread needs CAP_SYS_ADMIN");
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                OriginTaintProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("moved thread: IllegalStateException: the library's origin thread is not in the namespaces"), out);
        assertTrue(out.contains("main: " + host + "\n"), out);
        assertTrue(out.contains("main, dieWithParent: IllegalStateException: the library's origin thread"), out);
        assertFalse(out.contains(": not-the-jvms"), "a child started in the moved thread's UTS namespace:\n" + out);
    }
}
