package io.linuxns;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs inside a JVM started as an unprivileged uid by {@link RootlessSpawnTest}; prints one
 * {@code key=value} line per case, which the test checks. Not a test itself.
 */
public final class RootlessProbe {
    public static void main(String[] args) throws Exception {
        out("uid", Integer.toString(TestSupport.uid()));

        Spawned s = Spawned.sh(new NamespacedProcessBuilder().mapRootToCurrentUser()
                .unshare(NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK,
                        NamespaceType.CGROUP)
                .hostname("rootless").mountProc(), "echo $(id -u) $$ $(hostname) $(ls /proc | grep -c '^[0-9]')");
        out("container", s.out().strip() + " exit " + s.exit() + s.err().strip());

        Process p = new NamespacedProcessBuilder("sh", "-c", "id -u; exec sleep 30").mapRootToCurrentUser().start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String inside = r.readLine();
            String outside = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
            out("mapping", inside + " " + outside);
        } finally {
            p.destroyForcibly().waitFor();
        }

        if (args.length > 0) {
            Path rootfs = Path.of(args[0]);
            Spawned pivot = Spawned.run(new NamespacedProcessBuilder("/bin/sh", "-c", "cat /marker; id -u; test -e /usr/lib/jvm && echo HOST || true")
                    .mapRootToCurrentUser().unshare(NamespaceType.MOUNT, NamespaceType.PID).rootfs(rootfs).mountProc());
            out("pivot", pivot.out().replace('\n', ' ').strip() + " exit " + pivot.exit() + pivot.err().strip());
        }

        Spawned lo = Spawned.sh(new NamespacedProcessBuilder().mapRootToCurrentUser().unshare(NamespaceType.NETWORK).loopback(true),
                "ip -o link show lo");
        out("loopback", (lo.out().contains("<LOOPBACK,UP,LOWER_UP>") ? "up" : lo.out()) + " exit " + lo.exit() + lo.err().strip());

        Path robind = Files.createTempDirectory("linuxns-robind");
        Files.createDirectories(robind.resolve("src"));
        Files.createDirectories(robind.resolve("dst"));
        Process holder = MountTargetsTest.holder(robind, true);
        try (Namespace user = Namespace.ofProcess(holder.pid(), NamespaceType.USER);
             Namespace mnt = Namespace.ofProcess(holder.pid(), NamespaceType.MOUNT)) {
            Spawned b = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/self/mountinfo").join(user, mnt)
                    .bind(robind.resolve("src"), robind.resolve("dst"), true));
            out("robind", MountTargetsTest.optionsOf(b.out(), robind.resolve("dst")) + " exit " + b.exit() + b.err().strip());
        } finally {
            holder.destroyForcibly().waitFor();
            Files.delete(robind.resolve("src"));
            Files.delete(robind.resolve("dst"));
            Files.delete(robind);
        }

        // A forwarder (a joined user namespace and a new PID namespace) is not dumpable: without
        // CAP_SYS_PTRACE its namespaces cannot be opened, and the exception says why.
        Process userHolder = new NamespacedProcessBuilder("sleep", "30").mapRootToCurrentUser().start();
        try (Namespace user = ((NamespacedProcess) userHolder).namespace(NamespaceType.USER)) {
            Process fwd = new NamespacedProcessBuilder("sleep", "30").join(user).unshare(NamespaceType.PID).start();
            try (Namespace n = ((NamespacedProcess) fwd).namespace(NamespaceType.NETWORK)) {
                out("forwarder", "opened " + n);
            } catch (NamespaceException e) {
                out("forwarder", e.getMessage());
            } finally {
                fwd.destroyForcibly().waitFor();
            }
        } finally {
            userHolder.destroyForcibly().waitFor();
        }

        Spawned time = Spawned.run(new NamespacedProcessBuilder("cat", "/proc/uptime").mapRootToCurrentUser()
                .boottimeOffset(Duration.ofDays(50)));
        out("uptime", time.out().split(" ")[0] + " exit " + time.exit() + time.err().strip());

        try {
            NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS)).close();
            out("executor", "unexpectedly allowed");
        } catch (NamespaceException e) {
            out("executor", e.getMessage());
        }

        try {
            Spawned.run(new NamespacedProcessBuilder("true").unshare(NamespaceType.USER).uidMap(IdMapping.of(0, TestSupport.uid()))
                    .gidMap(IdMapping.of(0, Unprivileged.NOBODY)).setgroups(SetGroups.ALLOW));
            out("setgroupsAllow", "unexpectedly allowed");
        } catch (NamespaceException e) {
            out("setgroupsAllow", e.getMessage());
        }

        TestSupport.warmUp();
        var fds = TestSupport.openFds();
        List<String> failures = SpawnStressTest.stress(Integer.getInteger("linuxns.stress.spawns", 100));
        out("stress", failures.isEmpty() ? "ok" : String.join("; ", failures));
        java.util.Set<String> added = TestSupport.newFds(fds);
        out("fds", added.isEmpty() ? "same" : "new " + added);
        System.exit(0);
    }

    private static void out(String key, String value) {
        System.out.println(key + "=" + value.replace('\n', ' '));
    }
}
