package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.linuxns.cli.Cli.exec;
import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** {@code linuxns run}: the ns-process container. */
class RunIT {

    @Test
    void defaultsAreRootInsideHostnameLinuxnsAndAnInit() {
        Result r = linuxns("run", "--", "sh", "-c", "id -u; hostname; echo $$");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("0\nlinuxns\n2", r.line());
    }

    @Test
    void everyNamespaceButCgroupAndTimeIsNew() throws IOException {
        for (String type : new String[] {"uts", "ipc", "pid", "mnt", "net", "user"}) {
            Result r = linuxns("run", "--", "readlink", "/proc/self/ns/" + type);
            assertEquals(0, r.exit(), r::toString);
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + type)).toString(), r.line(), type);
        }
    }

    @Test
    void netHostKeepsTheHostsNetwork() throws IOException {
        Result r = linuxns("run", "--net", "host", "--", "readlink", "/proc/self/ns/net");
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(), r.line(), r::toString);
    }

    @Test
    void networkModes() throws Exception {
        Result lo = linuxns("run", "--", "ip", "-o", "link", "show", "lo");
        assertEquals(0, lo.exit(), lo::toString);
        assertTrue(lo.out().contains("<LOOPBACK,UP,LOWER_UP>"), lo::toString);
        Result none = linuxns("run", "--net", "none", "--", "ip", "-o", "link", "show", "lo");
        assertTrue(none.out().contains("<LOOPBACK>"), none::toString);
        String hostNet = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net")).toString();
        Result host = linuxns("run", "--net", "host", "--", "readlink", "/proc/self/ns/net");
        assertEquals(hostNet, host.out().strip(), host::toString);
        assertEquals(1, linuxns("run", "--net", "bogus", "--", "true").exit());
    }

    /*
     * The two veth tests run linuxns in a network namespace of their own (util-linux unshare), which
     * stands in for the host: what they compare is then only what linuxns made, never links that
     * other programs on the machine add or remove meanwhile.
     */

    @Test
    void vethReachesTheHostBridgeAndLeavesNothingBehind() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Cli.isRoot(), "--net veth makes a bridge on the host");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("unshare", "--net", "--", "sh", "-c",
                "cat /proc/net/dev; echo ---; \"$@\"; s=$?; echo ---; cat /proc/net/dev; exit $s", "sh"));
        cmd.addAll(Cli.command(Cli.JAR, "run", "--net", "veth", "--", "sh", "-c",
                "ip -o -4 addr show dev eth0 | grep -o 'inet 10.200.0.[0-9]*/24'; ip route | grep -o '^default via 10.200.0.1';"
                        + " ip -o link show eth0 | grep -o 'master\\|LOWER_UP' | head -1"));
        Result r = exec(cmd, null);
        assertEquals(0, r.exit(), r::toString);
        String[] parts = r.out().split("---\n", -1);
        assertEquals(3, parts.length, r::toString);
        java.util.List<String> lines = parts[1].lines().toList();
        assertTrue(lines.get(0).matches("inet 10\\.200\\.0\\.\\d+/24"), r::toString);
        assertEquals("default via 10.200.0.1", lines.get(1), r::toString);
        assertEquals(java.util.List.of("lo"), links(parts[0]), r::toString);
        assertEquals(java.util.List.of("lo"), links(parts[2]), () -> "--net veth left links on the host: " + r);
    }

    @Test
    void hangupDuringAVethContainerStillTearsTheNetworkDown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Cli.isRoot(), "--net veth makes a bridge on the host");
        // unshare without --fork execs the JVM, so the JVM's pid is the process started here and
        // /proc/PID/net/dev lists the links of the namespace standing in for the host.
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("unshare", "--net", "--"));
        cmd.addAll(Cli.command(Cli.JAR, "run", "--net", "veth", "--", "sleep", "60"));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path dev = Path.of("/proc", Long.toString(jvm.pid()), "net", "dev");
        Process holder = null;
        try {
            // Wait (unbounded: no timing is asserted) until the container's host veth exists.
            while (links(readIfThere(dev)).stream().noneMatch(l -> l.startsWith("lnsv"))) {
                assertTrue(jvm.isAlive(), () -> "linuxns ended early: " + drain(jvm));
                Thread.sleep(20);
            }
            // The namespace would die with the JVM: a process in it keeps it to be looked at after.
            holder = new ProcessBuilder("nsenter", "--net=/proc/" + jvm.pid() + "/ns/net", "--", "sh", "-c",
                    "read _; cat /proc/net/dev").redirectErrorStream(true).start();
            exec("kill", "-HUP", Long.toString(jvm.pid()));
            assertEquals(128 + 15, jvm.waitFor(), () -> drain(jvm)); // SIGHUP became SIGTERM for the command
            holder.getOutputStream().close();
            String after = new String(holder.getInputStream().readAllBytes());
            assertEquals(0, holder.waitFor(), after);
            assertEquals(java.util.List.of("lo"), links(after), "the bridge or veth of the container was left on the host");
        } finally {
            jvm.destroyForcibly().waitFor();
            if (holder != null) holder.destroyForcibly().waitFor();
        }
    }

    private static String readIfThere(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return ""; // the JVM has not exec'd yet, or has gone: the caller checks isAlive()
        }
    }

    private static String drain(Process p) {
        try {
            return new String(p.getInputStream().readNBytes(p.getInputStream().available()));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** The interface names in a copy of /proc/net/dev, sorted. */
    private static java.util.List<String> links(String procNetDev) {
        return procNetDev.lines().skip(2).map(l -> l.split(":")[0].strip()).sorted().toList();
    }

    @Test
    void exitStatusAndMissingCommand() {
        assertEquals(3, linuxns("run", "--", "sh", "-c", "exit 3").exit());
        Result missing = linuxns("run", "--", "no-such-command-linuxns");
        assertEquals(127, missing.exit(), missing::toString);
        assertEquals("linuxns: failed to execute no-such-command-linuxns: No such file or directory", missing.err().strip());
    }

    @Test
    void bindTmpfsEnvAndWorkdir(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("file"), "from the host\n");
        Result r = linuxns("run", "--bind", dir + ":/mnt:ro", "--tmpfs", "/tmp", "--env", "GREETING=hello", "--workdir", "/mnt",
                "--", "sh", "-c", "echo $GREETING; pwd; cat file; touch x 2>/dev/null || echo read-only; touch /tmp/y && echo tmpfs");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("hello\n/mnt\nfrom the host\nread-only\ntmpfs", r.line());
    }

    @Test
    void badBindAndEnvAreUsageErrors() {
        assertEquals(1, linuxns("run", "--bind", "/etc", "--", "true").exit());
        assertEquals(1, linuxns("run", "--env", "NOEQUALS", "--", "true").exit());
        assertEquals(1, linuxns("run", "--tmpfs", "relative", "--", "true").exit());
    }

    @Test
    void hostnameOption() {
        String host = exec("hostname").line();
        assertEquals("box", linuxns("run", "--hostname", "box", "--", "hostname").line());
        assertEquals(host, exec("hostname").line(), "the host's hostname must not change");
    }
}
