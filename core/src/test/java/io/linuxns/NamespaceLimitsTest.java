package io.linuxns;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ENOSPC, for real: a JVM that is root in a user namespace of its own, where the limits of user,
 * UTS and network namespaces are set to 0 (the {@code /proc/sys/user} limits are per user
 * namespace and its root may lower them; the host's stay as they are). Each refusal must name the
 * types asked for and their sysctls, not "of some type".
 */
class NamespaceLimitsTest {
    static Map<String, String> results;

    @BeforeAll
    static void runProbeWithNoRoomForNamespaces() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/unshare")), "util-linux (unshare): it makes the user namespace");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "sh", "-c",
                "for t in user uts net; do echo 0 > /proc/sys/user/max_${t}_namespaces || exit 3; done; exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NamespaceLimitsProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe hung");
        assumeTrue(p.exitValue() != 1 || !out.contains("unshare failed"), "user namespaces are not available here: " + out);
        assertEquals(0, p.exitValue(), out);
        results = Unprivileged.keyValues(out);
    }

    @Test
    void theHelpersUnshareNamesTheTypesAndTheirLimits() {
        String e = results.get("helper");
        assertTrue(e.contains("ENOSPC"), e);
        assertTrue(e.contains("/proc/sys/user/max_uts_namespaces") && e.contains("/proc/sys/user/max_net_namespaces"), e);
        assertTrue(!e.contains("of some type") && !e.contains("max_user_namespaces"), e);
    }

    @Test
    void clone3NamesTheUserNamespaceLimit() {
        String e = results.get("clone3");
        assertTrue(e.startsWith("clone3(") && e.contains("ENOSPC"), e);
        assertTrue(e.contains("/proc/sys/user/max_user_namespaces") && !e.contains("of some type"), e);
    }

    @Test
    void anExecutorNamesTheTypeAndItsLimit() {
        String e = results.get("executor");
        assertTrue(e.startsWith("unshare(CLONE_NEWUTS): ENOSPC"), e);
        assertTrue(e.contains("/proc/sys/user/max_uts_namespaces"), e);
    }
}
