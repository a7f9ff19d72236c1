package io.linuxns;

import org.junit.jupiter.api.BeforeAll;
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
 * The unprivileged cases, run for real as uid 65534: a child JVM under
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups} runs {@link RootlessProbe}.
 */
class RootlessSpawnTest {
    static final int NOBODY = Unprivileged.NOBODY;
    static Map<String, String> results;

    @BeforeAll
    static void runProbeAsNobody() throws Exception {
        assumeTrue(TestSupport.isRoot(), "switching to uid 65534 needs root");
        Path dir = Unprivileged.readableTempDirectory("linuxns-rootless");
        Path rootfs = null;
        try {
            List<String> cmd = new ArrayList<>(Unprivileged.java(dir, RootlessProbe.class));
            cmd.add(cmd.indexOf("-cp"), "-Dlinuxns.stress.spawns=" + SpawnStressTest.SPAWNS);
            if (Rootfs.BUSYBOX != null) {
                rootfs = Rootfs.busybox();
                Files.writeString(rootfs.resolve("marker"), "rootless-root\n");
                cmd.add(rootfs.toString());
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "probe hung");
            assertEquals(0, p.exitValue(), out);
            results = Unprivileged.keyValues(out);
        } finally {
            if (rootfs != null) Rootfs.delete(rootfs);
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    @Test
    void probeRanAsNobody() {
        assertEquals(Integer.toString(NOBODY), results.get("uid"));
    }

    @Test
    void containerWithEveryNamespaceButTimeWorksRootless() {
        // uid 0, PID 1, the hostname, and a /proc that shows only the namespace's processes.
        String[] f = results.get("container").split(" ");
        assertEquals(List.of("0", "1", "rootless"), List.of(f[0], f[1], f[2]), results.get("container"));
        assertTrue(Integer.parseInt(f[3]) <= 5, results.get("container"));
        assertTrue(results.get("container").endsWith("exit 0"), results.get("container"));
    }

    @Test
    void rootInsideIsNobodyOutside() {
        assertEquals("0 " + NOBODY, results.get("mapping"));
    }

    @Test
    void pivotRootRootless() {
        Prerequisites.require(Rootfs.BUSYBOX != null, "busybox-static: a root file system for pivot_root");
        assertTrue(results.containsKey("pivot"), results::toString);
        assertEquals("rootless-root 0 exit 0", results.get("pivot"));
    }

    @Test
    void loopbackUpRootless() {
        assertEquals("up exit 0", results.get("loopback"));
        // The undumpable forwarder's namespaces need CAP_SYS_PTRACE, and the message says so.
        assertTrue(results.get("forwarder").contains("CAP_SYS_PTRACE"), results.get("forwarder"));
        // A read-only bind in a joined user and mount namespace adds ro and keeps the source's flags.
        String robind = results.get("robind");
        assertTrue(robind.endsWith(" exit 0"), robind);
        for (String o : List.of("ro", "nosuid", "nodev", "noexec")) {
            assertTrue(List.of(robind.split(" ")[0].split(",")).contains(o), o + " missing: " + robind);
        }
    }

    @Test
    void timeOffsetRootless() {
        String[] f = results.get("uptime").split(" ");
        assertTrue(Double.parseDouble(f[0]) > 50 * 86400 - 60, results.get("uptime"));
        assertEquals("exit 0", f[1] + " " + f[2]);
    }

    @Test
    void executorRefusesWithEpermNotACrash() {
        String e = results.get("executor");
        assertTrue(e.startsWith("unshare(CLONE_NEWUTS): EPERM (Operation not permitted)"), e);
        // The cause and the way out: a thread never gets the capability, a new process does.
        assertTrue(e.contains("CAP_SYS_ADMIN") && e.contains("NamespacedProcessBuilder") && e.contains("mapRootToCurrentUser()"), e);
    }

    /** Unprivileged, the kernel takes a gid_map only once setgroups is denied: that is the cause to name. */
    @Test
    void setgroupsAllowRootlessNamesSetgroupsAsTheCause() {
        String e = results.get("setgroupsAllow");
        assertTrue(e.contains("gid_map") && e.contains("EPERM"), e);
        assertTrue(e.contains("only once setgroups is denied") && e.contains("SetGroups.DENY"), e);
        assertTrue(!e.contains("may map only its own id"), e);
    }

    @Test
    void stressRootlessLeavesNothing() {
        assertEquals("ok", results.get("stress"));
        assertEquals("same", results.get("fds"));
    }
}
