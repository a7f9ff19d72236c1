package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static io.linuxns.cli.Cli.exec;
import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code -S/--setuid}, {@code -G/--setgid} and {@code --keep-caps} of {@code unshare} and
 * {@code nsenter}, compared with util-linux's own output ({@code id -u}, {@code id -g}, the
 * CapEff and CapAmb lines of /proc/self/status), as root and as uid 65534. util-linux 2.38's
 * nsenter has no --keep-caps: there the expected sets are written out.
 */
class CredentialsIT {
    static final String SHOW = "id -u; id -g; grep -E '^Cap(Eff|Amb)' /proc/self/status";

    private static List<String> with(String tool, String... options) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("sh", "-c", SHOW));
        return cmd;
    }

    private static Result ours(List<String> args) {
        return linuxns(args.toArray(String[]::new));
    }

    private static Result theirs(List<String> args) {
        return exec(args.toArray(String[]::new));
    }

    @Test
    void unshareAsUtilLinux() {
        assumeTrue(Cli.isRoot(), "-S 1000 on the host needs root");
        for (String[] options : List.of(new String[] {"-r"}, new String[] {"-U"}, new String[] {"-r", "--keep-caps"},
                new String[] {"-U", "--keep-caps"}, new String[] {"-S", "1000", "-G", "1000"}, new String[] {"-r", "-S", "0"},
                new String[] {"--setuid=1000", "--setgid=1001", "-u"})) {
            Result util = theirs(with("unshare", options)), r = ours(with("unshare", options));
            assertEquals(0, util.exit(), util::toString);
            assertEquals(0, r.exit(), r::toString);
            assertEquals(util.out(), r.out(), () -> String.join(" ", options) + "\n" + r);
        }
    }

    @Test
    void unshareKeepCapsAfterLeavingRootKeepsNothing() {
        assumeTrue(Cli.isRoot(), "a map of several uids needs root");
        // As util-linux: setuid(1000) from uid 0 clears the capabilities, so none is left to keep.
        Result r = ours(with("unshare", "--map-users=0:0:1", "--map-users=1:100001:65535", "--map-groups=0:0:1",
                "--map-groups=1:100001:65535", "-S", "1000", "-G", "1000", "--keep-caps"));
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("1000", "1000", "CapEff:\t0000000000000000", "CapAmb:\t0000000000000000"), r.out().lines().toList());
        // Not uid 0 before: nothing clears them, and they are kept.
        Result kept = ours(with("unshare", "--map-users=0:100000:65536", "--map-groups=0:100000:65536", "-S", "1000", "--keep-caps"));
        assertEquals(0, kept.exit(), kept::toString);
        String all = allCapabilities();
        assertEquals(List.of("1000", "65534", "CapEff:\t" + all, "CapAmb:\t" + all), kept.out().lines().toList());
    }

    @Test
    void badIdsFailAsUtilLinux() {
        Result r = linuxns("unshare", "-S", "abc", "true");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("linuxns: failed to parse uid: 'abc'\n"), r::toString);
        assertTrue(theirs(List.of("unshare", "-S", "abc", "true")).err().contains("failed to parse uid: 'abc'"));
        Result g = linuxns("nsenter", "-G", "x", "-t", "1", "-u", "true");
        assertEquals(1, g.exit(), g::toString);
        assertTrue(g.err().startsWith("linuxns: failed to parse gid: 'x'\n"), g::toString);
        // An unmapped uid: util-linux's setuid fails, linuxns names the call and the errno.
        assertNotEquals(0, theirs(List.of("unshare", "-r", "-S", "5", "true")).exit());
        Result u = linuxns("unshare", "-r", "-S", "5", "true");
        assertEquals(125, u.exit(), u::toString);
        assertTrue(u.err().contains("setresuid(5, 5, 5): EINVAL") && u.err().contains("not mapped"), u::toString);
    }

    @Test
    void nsenterAsUtilLinux() throws Exception {
        assumeTrue(Cli.isRoot(), "entering another user's namespaces needs root");
        try (TargetProcess target = new TargetProcess("credentials")) {
            String t = Long.toString(target.pid());
            for (String[] options : List.of(new String[] {"-U"}, new String[] {"-U", "-S", "0", "-G", "0"},
                    new String[] {"-U", "--preserve-credentials"}, new String[] {"-u", "-S", "1000", "-G", "1000"})) {
                List<String> args = new ArrayList<>(List.of("-t", t));
                args.addAll(List.of(options));
                Result util = theirs(with("nsenter", args.toArray(String[]::new))), r = ours(with("nsenter", args.toArray(String[]::new)));
                assertEquals(0, util.exit(), util::toString);
                assertEquals(0, r.exit(), r::toString);
                assertEquals(util.out(), r.out(), () -> String.join(" ", options) + "\n" + r);
            }
            // --keep-caps (util-linux 2.39+): the full set of the entered user namespace, ambient.
            String all = allCapabilities();
            Result keep = ours(with("nsenter", "-t", t, "-U", "--keep-caps"));
            assertEquals(List.of("0", "0", "CapEff:\t" + all, "CapAmb:\t" + all), keep.out().lines().toList(), keep::toString);
            // follow: the target's uid and gid (root, mapped to 0 in its user namespace).
            Result follow = ours(with("nsenter", "-t", t, "-U", "--preserve-credentials", "-S", "follow", "-G", "follow"));
            assertEquals(List.of("0", "0"), follow.out().lines().limit(2).toList(), follow::toString);
            Result host = ours(with("nsenter", "-t", t, "-u", "-S", "follow"));
            assertEquals("0", host.out().lines().findFirst().orElse(""), host::toString);
        }
    }

    @Test
    void rootlessKeepCapsAsUtilLinux() throws IOException {
        assumeTrue(Cli.isRoot(), "dropping to uid 65534 needs root");
        Path dir = Files.createTempDirectory("linuxns-credentials", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path jar = dir.resolve("linuxns-cli.jar");
        try {
            Files.copy(Cli.JAR, jar);
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            for (String[] options : List.of(new String[] {"-r", "--keep-caps"}, new String[] {"-U", "--keep-caps"},
                    new String[] {"-r", "-S", "0", "-G", "0", "-U"})) {
                List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
                List<String> util = new ArrayList<>(nobody), ours = new ArrayList<>(nobody);
                util.addAll(with("unshare", options));
                ours.addAll(Cli.command(jar, with("unshare", options).toArray(String[]::new)));
                Result u = Cli.exec(util, dir), r = Cli.exec(ours, dir);
                assertEquals(0, r.exit(), r::toString);
                if (options[1].equals("-S")) {
                    // util-linux fails here: with -r it denies setgroups, and -G calls setgroups(0, NULL) unconditionally.
                    // linuxns goes on, since no supplementary group is left to drop (README).
                    assertNotEquals(0, u.exit(), u::toString);
                    assertEquals(List.of("0", "0"), r.out().lines().limit(2).toList(), r::toString);
                } else {
                    assertEquals(0, u.exit(), u::toString);
                    assertEquals(u.out(), r.out(), () -> String.join(" ", options) + "\n" + r);
                }
            }
        } finally {
            Files.deleteIfExists(jar);
            Files.deleteIfExists(dir);
        }
    }

    private static String allCapabilities() {
        try {
            int last = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).get(0).strip());
            return String.format("%016x", (1L << (last + 1)) - 1);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
