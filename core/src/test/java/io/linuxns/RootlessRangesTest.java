package io.linuxns;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several id ranges, unprivileged: the spawn hands the maps to newuidmap(1)/newgidmap(1). The
 * ranges they allow come from /etc/subuid and /etc/subgid; the test grants uid 65534 a range in
 * copies of them bind-mounted over the originals in a mount namespace of its own, so the
 * machine's files are never changed.
 */
class RootlessRangesTest {

    @Test
    void severalRangesThroughNewuidmap() throws Exception {
        assumeTrue(TestSupport.isRoot(), "switching to uid 65534 and bind-mounting need root");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/newuidmap")) && Files.isExecutable(Path.of("/usr/bin/newgidmap")),
                "uidmap (newuidmap, newgidmap): several id ranges rootless");
        assumeTrue(Files.exists(Path.of("/etc/subuid")) && Files.exists(Path.of("/etc/subgid")),
                "no /etc/subuid or /etc/subgid to bind over");
        Path dir = Unprivileged.readableTempDirectory("linuxns-ranges");
        try {
            Path subuid = dir.resolve("subuid"), subgid = dir.resolve("subgid");
            Files.writeString(subuid, "nobody:100000:65536\n");
            Files.writeString(subgid, "nobody:100000:65536\n");
            for (Path f : List.of(subuid, subgid)) Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount --bind \"$1\" /etc/subuid && mount --bind \"$2\" /etc/subgid && shift 2 && exec \"$@\"",
                    "sh", subuid.toString(), subgid.toString()));
            cmd.addAll(Unprivileged.java(dir, RangesProbe.class));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe hung");
            assertEquals(0, p.exitValue(), out);
            assertEquals("0 65534 1| 1 100000 65536| 0 65534 1| 1 100000 65536|0 exit 0",
                    Unprivileged.keyValues(out).get("maps").strip(), out);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }
}
