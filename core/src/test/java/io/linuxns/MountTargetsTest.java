package io.linuxns;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where mounts land and which flags they keep: read-only binds add only read-only (nosuid, nodev
 * and noexec of the source survive, whatever mount namespace the child is in), and a mount target
 * inside a rootfs is resolved inside it, never through the image's symlinks onto host paths.
 */
class MountTargetsTest {

    /**
     * A process holding a private mount namespace in which {@code dir/src} is a tmpfs mounted
     * nosuid,nodev,noexec, made with util-linux; {@code rootless} adds a user namespace (unshare -r),
     * as an unprivileged JVM needs.
     */
    static Process holder(Path dir, boolean rootless) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("unshare", rootless ? "-rm" : "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o nosuid,nodev,noexec tmpfs " + dir.resolve("src") + " && echo ready && exec sleep 60"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertEquals("ready", line, "holder: " + cmd);
        return p;
    }

    /** The mount options (field 6 of mountinfo) of {@code mountPoint}, as {@code sh} printed the lines. */
    static String optionsOf(String mountinfo, Path mountPoint) {
        return mountinfo.lines().map(l -> l.split(" ")).filter(f -> f[4].equals(mountPoint.toString()))
                .reduce((a, b) -> b).map(f -> f[5]).orElse("(not mounted) in\n" + mountinfo);
    }

    @Test
    void readOnlyBindInAJoinedMountNamespaceKeepsNosuidNodevNoexec() throws Exception {
        assumeTrue(Unprivileged.isRoot(), "needs root (a holder mount namespace)");
        Path dir = Files.createTempDirectory("linuxns-robind");
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dst"));
        Process holder = holder(dir, false);
        try (Namespace mnt = Namespace.ofProcess(holder.pid(), NamespaceType.MOUNT)) {
            Spawned s = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/self/mountinfo").join(mnt)
                    .bind(dir.resolve("src"), dir.resolve("dst"), true));
            assertEquals(0, s.exit(), s.err());
            String opts = optionsOf(s.out(), dir.resolve("dst"));
            for (String o : List.of("ro", "nosuid", "nodev", "noexec")) {
                assertTrue(List.of(opts.split(",")).contains(o), o + " missing from " + opts);
            }
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Files.delete(dir.resolve("src"));
            Files.delete(dir.resolve("dst"));
            Files.delete(dir);
        }
    }

    @Test
    void aSymlinkedTargetInTheRootfsIsResolvedInsideIt() throws Exception {
        assumeTrue(Unprivileged.isRoot(), "needs root (or see RootlessSpawnTest)");
        Path rootfs = Rootfs.busybox();
        // Not under /tmp: the image's /tmp is the symlink that names it.
        Path hostDir = Files.createTempDirectory(Files.createDirectories(Path.of("/var/tmp")), "linuxns-escape");
        Path src = Files.createTempDirectory("linuxns-src");
        try {
            Files.writeString(src.resolve("marker"), "inside\n");
            // The image's /tmp points at an absolute path that exists on the host as well.
            Files.delete(rootfs.resolve("tmp"));
            Files.createSymbolicLink(rootfs.resolve("tmp"), hostDir);
            Files.createDirectories(rootfs.resolve(hostDir.toString().substring(1)));
            Spawned s = Spawned.run(new NamespacedProcessBuilder("/bin/sh", "-c",
                    "cat /tmp/marker; grep -c ' " + hostDir + " ' /proc/self/mountinfo")
                    .unshare(NamespaceType.MOUNT, NamespaceType.PID).rootfs(rootfs).mountProc().bind(src, Path.of("/tmp"), true));
            // The bind sits on the image's own directory the symlink names, seen inside through /tmp.
            assertEquals("inside\n1\n", s.out(), s.err());
            try (var files = Files.list(hostDir)) {
                assertEquals(0, files.count(), "nothing appeared on the host path");
            }
        } finally {
            Files.delete(src.resolve("marker"));
            Files.delete(src);
            Files.delete(hostDir);
            Rootfs.delete(rootfs);
        }
    }
}
