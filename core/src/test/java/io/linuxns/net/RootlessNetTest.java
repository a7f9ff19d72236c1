package io.linuxns.net;

import io.linuxns.ThreadNamespaceGuard;
import io.linuxns.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What an unprivileged JVM (uid 65534) can do for the network namespace of a child it owns,
 * measured in a JVM of its own ({@link RootlessProbe}). The child is
 * {@code unshare -r -n ip monitor link} run as 65534: a user and network namespace of that user,
 * and a process holding a {@code NETLINK_ROUTE} socket created inside (iproute2 here plays the
 * part that the spawner's child program will play: create the socket before exec).
 *
 * <p>Measured: the JVM cannot unshare or join the namespace on a thread (EPERM: setns needs
 * CAP_SYS_ADMIN in the JVM's own user namespace too), but a socket taken from the child with
 * pidfd_getfd brings its loopback up, since the creator of a user namespace holds all
 * capabilities in it.
 */
@ExtendWith({ThreadNamespaceGuard.class, HostNetworkGuard.class})
class RootlessNetTest {

    @Test
    void anUnprivilegedJvmConfiguresItsChildsNamespaceThroughATakenSocketOnly() throws Exception {
        assumeTrue(NetTestSupport.isRoot(), "the test drops to uid 65534 with setpriv, which needs root");
        Path dir = Unprivileged.readableTempDirectory("linuxns-rootless-net");
        Process child = null;
        try {

            child = new ProcessBuilder(Unprivileged.asNobody("unshare", "-r", "-n", "ip", "monitor", "link"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
            int fd = routeSocketOf(child);
            // A stopped process reads nothing, so every reply comes to the JVM.
            NetTestSupport.run(List.of("kill", "-STOP", Long.toString(child.pid())));
            while (!Files.readString(Path.of("/proc/" + child.pid() + "/status")).contains("State:\tT")) Thread.sleep(5);

            List<String> probe = Unprivileged.java(dir, RootlessProbe.class, Long.toString(child.pid()), Integer.toString(fd));
            Map<String, String> result = Unprivileged.keyValues(NetTestSupport.run(probe));

            assertTrue(result.get("unshareNetOnThread").startsWith("EPERM unshare(CLONE_NEWNET): EPERM (Operation not permitted). "
                    + "A thread can create NETWORK namespaces only with CAP_SYS_ADMIN"), result.toString());
            assertTrue(result.get("listOwnNamespace").startsWith("ok "), result.toString());
            assertEquals("EPERM RTM_NEWLINK(\"lo\" up): EPERM (Operation not permitted)", result.get("setLoUpInOwnNamespace"));
            assertTrue(result.get("openChildNamespace").startsWith("EPERM setns(fd="), result.toString());
            assertTrue(result.get("joinChildByPid").startsWith("EPERM setns(pidfd of " + child.pid()), result.toString());
            assertTrue(result.get("adoptChildSocket").startsWith("ok lo up=true in net:["), result.toString());
            assertTrue(result.get("adoptStdin").startsWith("ENOTSOCK getsockname(fd 0 of pid"), result.toString());
            assertTrue(result.get("adoptFromInit").startsWith("EPERM pidfd_getfd(pid=1, fd=0): EPERM"), result.toString());

            // iproute2, as root, agrees that the unprivileged JVM brought the child's loopback up.
            for (Map<String, Object> l : Json.array(NetTestSupport.ipIn(child.pid(), "-j", "link"))) {
                @SuppressWarnings("unchecked")
                List<String> flags = (List<String>) l.get("flags");
                if ("lo".equals(l.get("ifname"))) assertTrue(flags.contains("UP"), l.toString());
            }
        } finally {
            if (child != null) {
                child.destroyForcibly(); // SIGKILL ends a stopped process too
                child.waitFor();
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** {@return the descriptor of {@code p}'s NETLINK_ROUTE socket, once it has one} */
    private static int routeSocketOf(Process p) throws IOException, InterruptedException {
        Path proc = Path.of("/proc/" + p.pid());
        while (true) {
            if (!p.isAlive()) fail("the child ended: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            try {
                Set<String> routeInodes = new HashSet<>();
                for (String line : Files.readAllLines(proc.resolve("net/netlink"))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 10 && f[1].equals("0")) routeInodes.add(f[9]);
                }
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[") && routeInodes.contains(target.substring(8, target.length() - 1))) {
                            return Integer.parseInt(fd.getFileName().toString());
                        }
                    }
                }
            } catch (IOException raced) {
                // The process was still exec'ing; look again.
            }
            Thread.sleep(5);
        }
    }

}
