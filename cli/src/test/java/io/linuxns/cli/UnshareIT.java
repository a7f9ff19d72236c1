package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.linuxns.cli.Cli.exec;
import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code linuxns unshare}, against util-linux {@code unshare(1)} where they overlap. */
class UnshareIT {

    @Test
    void mapRootUserPrintsZeroLikeUtilLinux() {
        Result ours = linuxns("unshare", "-r", "id", "-u");
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals("0", ours.line());
        assertEquals(exec("unshare", "-r", "id", "-u").line(), ours.line());
    }

    @Test
    void hostnameInNewUtsNamespaceLikeUtilLinux() {
        assumeTrue(Cli.isRoot(), "a UTS namespace without a user namespace needs root");
        Result ours = linuxns("unshare", "-u", "sh", "-c", "hostname x; hostname");
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals("x", ours.line());
        assertEquals(exec("unshare", "-u", "sh", "-c", "hostname x; hostname").line(), ours.line());
    }

    @Test
    void clusteredShortOptionsTakeNoFile() {
        Result r = linuxns("unshare", "-rmu", "sh", "-c", "hostname y; hostname");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("y", r.line());
    }

    /** An argument that starts with @ is the command's, as with util-linux, never a file to read (picocli's @file). */
    @Test
    void anAtWordIsTheCommandsOwnArgument(@TempDir Path dir) throws Exception {
        String at = "@" + Files.writeString(dir.resolve("args"), "expanded\n");
        // The last line has an empty word, which QuickUnshare leaves to picocli too.
        for (List<String> line : List.of(List.of("unshare", "-r", "echo", at), List.of("unshare", "-r", "--", "echo", at),
                List.of("unshare", "-r", "sh", "-c", "echo \"[$0]\" \"$1\"", "", at))) {
            Result r = linuxns(line.toArray(String[]::new));
            assertEquals(0, r.exit(), r::toString);
            assertEquals(line.contains("sh") ? "[] " + at : at, r.line(), () -> String.join(" ", line) + ": " + r);
        }
    }

    @Test
    void exitStatusIsTheCommands() {
        assertEquals(7, linuxns("unshare", "-r", "sh", "-c", "exit 7").exit());
        int util = exec("unshare", "-r", "sh", "-c", "kill -TERM $$").exit();
        Result r = linuxns("unshare", "-r", "sh", "-c", "kill -TERM $$");
        assertEquals(128 + 15, r.exit(), r::toString);
        assertEquals(util, r.exit());
    }

    @Test
    void commandNotFoundIs127AndNotExecutableIs126LikeUtilLinux() {
        Result missing = linuxns("unshare", "-r", "no-such-command-linuxns");
        assertEquals(127, missing.exit(), missing::toString);
        assertEquals(exec("unshare", "-r", "no-such-command-linuxns").exit(), missing.exit());
        assertEquals("linuxns: failed to execute no-such-command-linuxns: No such file or directory", missing.err().strip());

        Result notExec = linuxns("unshare", "-r", "/etc/passwd");
        assertEquals(126, notExec.exit(), notExec::toString);
        assertEquals(exec("unshare", "-r", "/etc/passwd").exit(), notExec.exit());
        assertTrue(notExec.err().startsWith("linuxns: failed to execute /etc/passwd: "), notExec::toString);
    }

    @Test
    void badOptionIsOneLineAndExitOne() {
        Result r = linuxns("unshare", "--bogus");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("linuxns: "), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace without --debug");
        Result badMap = linuxns("unshare", "--map-users=1:2", "true");
        assertEquals(1, badMap.exit(), badMap::toString);
        assertTrue(badMap.err().startsWith("linuxns: --map-users wants"), badMap::toString);
        Result badOffset = linuxns("unshare", "--monotonic=-99999999999", "true");
        assertEquals(1, badOffset.exit(), badOffset::toString);
        assertTrue(badOffset.err().startsWith("linuxns: --monotonic: the monotonic offset -99999999999 s is out of range"),
                badOffset::toString);
        assertEquals(1, badOffset.err().strip().lines().count(), badOffset::toString);
    }

    @Test
    void setupFailureIs125AndDebugAddsTheStackTrace() {
        Result r = linuxns("unshare", "-r", "--root=/nonexistent-linuxns", "true");
        assertEquals(125, r.exit(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        Result debug = linuxns("unshare", "--debug", "-r", "--root=/nonexistent-linuxns", "true");
        assertEquals(125, debug.exit());
        assertTrue(debug.err().contains("\tat "), debug::toString);
    }

    @Test
    void helpForEverySubcommand() {
        for (String sub : new String[] {"run", "unshare", "nsenter", "ls"}) {
            Result r = linuxns(sub, "--help");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().startsWith("Usage:\n linuxns " + sub + " [options]"), r::toString);
        }
        Result top = linuxns("--help");
        assertEquals(0, top.exit());
        assertTrue(top.out().contains("nsenter"), top::toString);
    }

    @Test
    void pidNamespaceWithMountProcMakesTheCommandPidOne() {
        Result r = linuxns("unshare", "-r", "-p", "--mount-proc", "sh", "-c", "echo $$; read pid rest < /proc/self/stat; echo $pid");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("1\n1", r.line());
    }

    @Test
    void persistedNamespaceCanBeEnteredByFile(@TempDir Path dir) {
        assumeTrue(Cli.isRoot(), "persisting (a bind mount in the caller's mount namespace) needs root");
        Path file = dir.resolve("uts");
        try {
            Result r = linuxns("unshare", "--uts=" + file, "hostname", "persisted");
            assertEquals(0, r.exit(), r::toString);
            assertEquals("persisted", exec("nsenter", "--uts=" + file, "hostname").line());
            Result ours = linuxns("nsenter", "--uts=" + file, "hostname");
            assertEquals("persisted", ours.line(), ours::toString);
        } finally {
            exec("umount", file.toString()); // nothing mounted if the test failed early: ignore
        }
    }

    @Test
    void mapUsersTakesBothUtilLinuxSpellings() {
        assumeTrue(Cli.isRoot(), "mapping ranges of ids needs root");
        Result colon = linuxns("unshare", "--map-users=0:100000:10", "--map-groups=0:100000:10", "cat", "/proc/self/uid_map");
        assertEquals(0, colon.exit(), colon::toString);
        assertEquals("0 100000 10", Cli.squeeze(colon.out()));
        Result comma = linuxns("unshare", "--map-users=100000,0,10", "cat", "/proc/self/uid_map");
        assertEquals("0 100000 10", Cli.squeeze(comma.out()), comma::toString);
    }

    @Test
    void boottimeOffsetShowsInUptime() throws Exception {
        double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        Result r = linuxns("unshare", "-r", "-T", "--boottime", "100000", "cat", "/proc/uptime");
        assertEquals(0, r.exit(), r::toString);
        double inside = Double.parseDouble(r.out().split(" ")[0]);
        assertTrue(inside >= host + 100000, () -> "uptime inside " + inside + ", outside " + host);
    }

    @Test
    void clearEnvAndWhitelistEnvLikeUtilLinux() {
        Result cleared = exec("env", "UL_TEST_ENV=foo", Cli.JAVA, "--enable-native-access=ALL-UNNAMED", "-jar", Cli.JAR.toString(),
                "unshare", "--clear-env", "/bin/sh", "-c", "echo \"${UL_TEST_ENV:-CLEARED}\"; env | grep -v '^PWD=' | wc -l");
        assertEquals("CLEARED\n0", cleared.line(), cleared::toString);
        Result kept = exec("env", "UL_TEST_ENV1=foo", "UL_TEST_ENV2=bar", Cli.JAVA, "--enable-native-access=ALL-UNNAMED", "-jar",
                Cli.JAR.toString(), "unshare", "--whitelist-env", "UL_TEST_ENV1,HOME", "--whitelist-env", "NO_SUCH_VAR",
                "/usr/bin/env");
        assertEquals(0, kept.exit(), kept::toString);
        assertEquals("HOME=" + System.getenv("HOME") + "\nUL_TEST_ENV1=foo",
                kept.out().lines().sorted().reduce((a, b) -> a + "\n" + b).orElse(""), kept::toString);
    }

    @Test
    void workingDirectory() {
        Result r = linuxns("unshare", "-r", "--wd", "/etc", "pwd");
        assertEquals("/etc", r.line(), r::toString);
    }
}
