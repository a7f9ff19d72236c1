package io.linuxns;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cases of {@link CredentialsTest}: {@code uid}, {@code gid} and {@code keepCapabilities}
 * of a spawned command, each as {@code key=value} (the command's "uid gid groups CapEff CapAmb",
 * or the exception). Run in the test's JVM as root and, as uid 65534, in a child JVM: the same
 * code both ways. Not a test itself.
 */
public final class CredentialsProbe {
    /** Prints the command's real uid and gid, its supplementary groups ("-" for none), CapEff and CapAmb. */
    static final String SHOW = "exec awk '/^Uid:/{u=$2} /^Gid:/{g=$2} /^Groups:/{$1=\"\"; gr=$0} /^CapEff:/{e=$2} /^CapAmb:/{a=$2}"
            + " END{gsub(/^ +| +$/, \"\", gr); gsub(/ +/, \",\", gr); if (gr == \"\") gr = \"-\"; print u, g, gr, e, a}' /proc/self/status";

    public static void main(String[] args) throws Exception {
        run(TestSupport.uid() == 0).forEach((k, v) -> System.out.println(k + "=" + v.replace('\n', ' ')));
    }

    static Map<String, String> run(boolean root) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("keep-root", show(new NamespacedProcessBuilder().mapRootToCurrentUser().keepCapabilities(true)));
        out.put("root", show(new NamespacedProcessBuilder().mapRootToCurrentUser()));
        out.put("unmapped", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER)));
        out.put("keep-unmapped", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER).keepCapabilities(true)));
        out.put("gid-0", show(new NamespacedProcessBuilder().mapRootToCurrentUser().gid(0).uid(0)));
        out.put("uid-unmapped", show(new NamespacedProcessBuilder().mapRootToCurrentUser().uid(5)));
        out.put("gid-unmapped", show(new NamespacedProcessBuilder().mapRootToCurrentUser().gid(5)));
        out.put("keep-no-userns", show(new NamespacedProcessBuilder().keepCapabilities(true)));
        try {
            new NamespacedProcessBuilder().uid(-2);
            out.put("uid-range", "accepted");
        } catch (IllegalArgumentException e) {
            out.put("uid-range", "IAE " + e.getMessage());
        }
        if (root) {
            out.put("host", show(new NamespacedProcessBuilder().uid(1000).gid(1001)));
            out.put("host-uid-only", show(new NamespacedProcessBuilder().uid(1000)));
            List<IdMapping> range = List.of(new IdMapping(0, 100000, 65536));
            out.put("userns", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER).uidMap(range).gidMap(range).uid(1000).gid(1001)));
            out.put("userns-outside", outside(new NamespacedProcessBuilder().unshare(NamespaceType.USER).uidMap(range).gidMap(range).uid(1000).gid(1001)));
            // The helper is uid 65534 (unmapped) before the change: nothing clears the capabilities.
            out.put("keep-from-unmapped", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER).uidMap(range).gidMap(range).uid(1000)
                    .keepCapabilities(true)));
            // The helper is uid 0 inside before the change, which clears them (capabilities(7)).
            List<IdMapping> withRoot = List.of(new IdMapping(0, 0, 1), new IdMapping(1, 100001, 65535));
            out.put("keep-cleared", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER).uidMap(withRoot).gidMap(withRoot).uid(1000)
                    .keepCapabilities(true)));
            out.put("init", show(new NamespacedProcessBuilder().unshare(NamespaceType.USER).uidMap(range).gidMap(range).unshare(NamespaceType.PID).init(true)
                    .uid(1000).gid(1000).keepCapabilities(false)));
        } else {
            // Joined as uid 65534: a user namespace this uid owns, entered through setns(2).
            Process holder = new NamespacedProcessBuilder("sleep", "60").mapRootToCurrentUser().start();
            try (Namespace user = Namespace.ofProcess(holder.pid(), NamespaceType.USER)) {
                out.put("join-keep", show(new NamespacedProcessBuilder().join(user).keepCapabilities(true)));
                out.put("join-preserve-keep", show(new NamespacedProcessBuilder().join(user).preserveCredentials(true).keepCapabilities(true)));
            } finally {
                holder.destroyForcibly().waitFor();
            }
        }
        return out;
    }

    /** The command's line from {@link #SHOW}, or the exception {@code start()} threw. */
    static String show(NamespacedProcessBuilder b) throws Exception {
        try {
            Spawned s = Spawned.sh(b, SHOW);
            return s.out().strip() + (s.exit() == 0 ? "" : " exit " + s.exit()) + s.err().strip();
        } catch (NamespaceException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    /** The running command's real uid and gid as the JVM's user namespace numbers them. */
    private static String outside(NamespacedProcessBuilder b) throws Exception {
        Process p = b.command("/bin/sh", "-c", "echo ready; read x").start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
             OutputStream in = p.getOutputStream()) {
            String ready = r.readLine();
            String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
            String uid = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
            String gid = status.lines().filter(l -> l.startsWith("Gid:")).findFirst().orElseThrow().split("\\s+")[1];
            in.write('\n');
            return ready + " " + uid + " " + gid;
        } finally {
            p.waitFor();
        }
    }
}
