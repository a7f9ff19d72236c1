package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CLI as an unprivileged user (uid 65534, dropped to with util-linux {@code setpriv(1)}):
 * {@code unshare -r} and {@code run} need no privilege. The jar is copied to a world-readable
 * directory, since the worktree may not be readable by that user.
 */
class RootlessIT {
    static Path dir;
    static Path jar;

    @BeforeAll
    static void copyJar() throws IOException {
        assumeTrue(Cli.isRoot(), "dropping to another uid needs root");
        assumeTrue(Cli.onPath("setpriv"), "needs setpriv (util-linux)");
        dir = Files.createTempDirectory("linuxns-rootless", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        jar = dir.resolve("linuxns-cli.jar");
        Files.copy(Cli.JAR, jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void removeJar() throws IOException {
        if (jar != null) Files.deleteIfExists(jar);
        if (dir != null) Files.deleteIfExists(dir);
    }

    private static Result asNobody(String... args) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        cmd.addAll(Cli.command(jar, args));
        return Cli.exec(cmd, dir);
    }

    @Test
    void unshareMapRootUser() {
        Result r = asNobody("unshare", "-r", "id", "-u");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("0", r.line());
    }

    @Test
    void lastOfMapRootAndMapCurrentWins() {
        assertEquals("0", asNobody("unshare", "-c", "-r", "id", "-u").out().strip());
        assertEquals("65534", asNobody("unshare", "-r", "-c", "id", "-u").out().strip());
    }

    @Test
    void runTheContainer() {
        Result r = asNobody("run", "--", "sh", "-c", "id -u; hostname; echo $$");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("0\nlinuxns\n2", r.line());
    }

    @Test
    void nsenterIntoNamespacesItMayNotOpenExitsOneWithOneTypeOrAllLikeUtilLinux() {
        Result one = asNobody("nsenter", "-t", "1", "-U", "true");
        Result all = asNobody("nsenter", "-t", "1", "-a", "true");
        assertEquals(1, one.exit(), one::toString);
        assertEquals(1, all.exit(), all::toString);
    }

    @Test
    void withoutUserNamespaceItFailsWithSetupStatus() {
        Result r = asNobody("unshare", "-u", "true");
        assertEquals(125, r.exit(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
    }
}
