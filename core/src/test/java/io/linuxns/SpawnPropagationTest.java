package io.linuxns;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A command's mounts in its new mount namespace never appear in the JVM's, on every path that
 * makes the namespace: clone3 itself (a direct spawn, whose child makes / private before its
 * exec, in the JVM's memory) and the helper's unshare. This machine has no shared mounts, so the
 * probe JVM runs in a mount namespace of its own with a shared tmpfs (DESIGN §3), and
 * {@link Propagation#UNCHANGED} on both paths is the control that shows a mount would propagate.
 */
class SpawnPropagationTest {
    @Test
    void aCommandsMountsStayInItsMountNamespaceOnEveryPath() throws Exception {
        assumeTrue(TestSupport.isRoot(), "mount namespaces without a user namespace need root");
        Path dir = Files.createTempDirectory("linuxns-propagation");
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs none \"$1\" && mount --make-shared \"$1\" && shift && exec \"$@\"", "sh", dir.toString(), javaBin,
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), PropagationProbe.class.getName(),
                    dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            Map<String, String> seen = new TreeMap<>();
            for (String line : out.lines().toList()) {
                int eq = line.indexOf('=');
                if (eq > 0) seen.put(line.substring(0, eq), line.substring(eq + 1));
            }
            assertEquals(Map.of("direct-private", "stayed", "direct-namespaces-private", "stayed", "direct-unchanged", "propagated",
                    "helper-private", "stayed", "helper-unchanged", "propagated", "direct-user-tags", "none",
                    "direct-user-unchanged-tags", "master", "helper-user-tags", "none"), seen, out);
        } finally {
            Files.delete(dir); // the tmpfs was only in the probe's namespace, gone with it
        }
    }
}
