package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static io.linuxns.cli.Cli.exec;
import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code linuxns nsenter}, against util-linux {@code nsenter(1)}, into a util-linux made target. */
class NsenterIT {
    static TargetProcess target;
    static String pid;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Cli.isRoot(), "entering another process's namespaces needs root (ptrace access and CAP_SYS_ADMIN)");
        target = new TargetProcess("nsenter-target");
        pid = Long.toString(target.pid());
    }

    @AfterAll
    static void stop() throws Exception {
        if (target != null) target.close();
    }

    @Test
    void utsLikeUtilLinux() {
        Result ours = linuxns("nsenter", "-t", pid, "-u", "hostname");
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals("nsenter-target", ours.line());
        assertEquals(exec("nsenter", "-t", pid, "-u", "hostname").line(), ours.line());
    }

    @Test
    void allEntersEveryDifferingNamespaceIncludingUser() {
        Result ours = linuxns("nsenter", "-t", pid, "-a", "sh", "-c", "hostname; readlink /proc/self/ns/user /proc/self/ns/net");
        assertEquals(0, ours.exit(), ours::toString);
        Result util = exec("nsenter", "-t", pid, "-a", "sh", "-c", "hostname; readlink /proc/self/ns/user /proc/self/ns/net");
        assertEquals(util.out(), ours.out());
        assertTrue(ours.out().startsWith("nsenter-target\n"), ours::toString);
    }

    @Test
    void userNamespaceCredentialsLikeUtilLinux() {
        // nsenter -U switches to uid/gid 0 inside unless --preserve-credentials.
        String script = "echo $(id -u) $(id -g)";
        Result ours = linuxns("nsenter", "-t", pid, "-U", "sh", "-c", script);
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals(exec("nsenter", "-t", pid, "-U", "sh", "-c", script).out(), ours.out());
        Result kept = linuxns("nsenter", "-t", pid, "-U", "--preserve-credentials", "sh", "-c", script);
        assertEquals(exec("nsenter", "-t", pid, "-U", "--preserve-credentials", "sh", "-c", script).out(), kept.out(), kept::toString);
    }

    @Test
    void namespaceFileInsteadOfTarget() {
        String file = "/proc/" + pid + "/ns/net";
        Result ours = linuxns("nsenter", "--net=" + file, "readlink", "/proc/self/ns/net");
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals(exec("readlink", file).line(), ours.line());
        Result shortForm = linuxns("nsenter", "-n" + file, "readlink", "/proc/self/ns/net");
        assertEquals(ours.line(), shortForm.line(), shortForm::toString);
    }

    @Test
    void netSocketEntersTheNamespaceOfTheTargetsSocket() throws Exception {
        // A socket made in a new network namespace by a thread of this JVM, which stays in its own:
        // only SIOCGSKNS on the socket finds that namespace (util-linux's enter-via-socket).
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(Set.of(NamespaceType.NETWORK))) {
            // The JDK's first DatagramChannel also opens a socket it keeps: open that one first.
            DatagramChannel.open().close();
            java.util.Set<Integer> before = sockets(); // the executor may hold a netlink socket of its own
            try (DatagramChannel socket = ex.call(DatagramChannel::open)) {
            String netns = ex.call(() -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            java.util.Set<Integer> made = sockets();
            made.removeAll(before);
            assertEquals(1, made.size(), made::toString);
            String fd = Integer.toString(made.iterator().next());
            String self = Long.toString(ProcessHandle.current().pid());
            Result ours = linuxns("nsenter", "--target", self, "--net-socket", fd, "readlink", "/proc/self/ns/net");
            assertEquals(0, ours.exit(), ours::toString);
            assertEquals(netns, ours.line());
            Result noTarget = linuxns("nsenter", "--net-socket", fd, "true");
            assertEquals(1, noTarget.exit(), noTarget::toString);
            assertEquals("linuxns: no target PID specified for --net-socket", noTarget.err().strip());
            }
        }
    }

    /** This JVM's socket descriptors. */
    private static java.util.Set<Integer> sockets() throws IOException {
        java.util.Set<Integer> fds = new java.util.HashSet<>();
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : list.toList()) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:")) fds.add(Integer.parseInt(p.getFileName().toString()));
                } catch (IOException gone) {
                    // the listing's own descriptor
                }
            }
        }
        return fds;
    }

    @Test
    void envGivesTheTargetsEnvironment() {
        Result ours = linuxns("nsenter", "-t", pid, "--env", "/usr/bin/env", "-0");
        assertEquals(0, ours.exit(), ours::toString);
        // The system's nsenter may predate --env (util-linux 2.40): compare with /proc/PID/environ.
        // The same variables; their order is the environment map's.
        assertEquals(new java.util.HashSet<>(java.util.Arrays.asList(exec("cat", "/proc/" + pid + "/environ").out().split("\0"))),
                new java.util.HashSet<>(java.util.Arrays.asList(ours.out().split("\0"))));
    }

    @Test
    void wdnsIsLookedUpInTheEnteredMountNamespace() {
        Result ours = linuxns("nsenter", "-t", pid, "-m", "-W", "/etc", "pwd");
        assertEquals(0, ours.exit(), ours::toString);
        assertEquals("/etc", ours.line());
    }

    @Test
    void followContextIsRefusedClearly() {
        Result r = linuxns("nsenter", "-t", pid, "-Z", "-u", "true");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("linuxns: --follow-context: SELinux"), r::toString);
    }

    @Test
    void exitStatusIsTheCommands() {
        assertEquals(5, linuxns("nsenter", "-t", pid, "-u", "sh", "-c", "exit 5").exit());
    }

    @Test
    void badInput() {
        Result noTarget = linuxns("nsenter", "-u", "hostname");
        assertEquals(1, noTarget.exit(), noTarget::toString);
        assertEquals("linuxns: neither filename nor target pid supplied for ns/uts", noTarget.err().strip());
        Result gone = linuxns("nsenter", "-t", "999999999", "-u", "hostname");
        assertEquals(1, gone.exit(), gone::toString);
        assertTrue(gone.err().startsWith("linuxns: ") && gone.err().strip().lines().count() == 1, gone::toString);
        Result nothing = linuxns("nsenter", "-t", pid, "true");
        assertEquals(exec("nsenter", "-t", pid, "true").exit(), nothing.exit(), nothing::toString);
    }
}
