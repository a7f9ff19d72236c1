package io.linuxns;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Started by {@link SpawnPropagationTest} in a mount namespace of its own where {@code args[0]}
 * is a shared tmpfs (this machine has no shared mounts, DESIGN §3): for each way a new mount
 * namespace is made, a command mounts a tmpfs on a directory under it, and the probe prints
 * {@code NAME=propagated} when that mount appeared in its own namespace, else
 * {@code NAME=stayed}. Not a test itself.
 */
public final class PropagationProbe {
    public static void main(String[] args) throws Exception {
        Path shared = Path.of(args[0]);
        report("direct-private", shared, new NamespacedProcessBuilder().unshare(NamespaceType.MOUNT));
        report("direct-namespaces-private", shared, new NamespacedProcessBuilder()
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT));
        report("direct-unchanged", shared, new NamespacedProcessBuilder().unshare(NamespaceType.MOUNT).propagation(Propagation.UNCHANGED));
        // A hostname needs the helper: the helper makes the mount namespace.
        report("helper-private", shared, new NamespacedProcessBuilder().unshare(NamespaceType.MOUNT, NamespaceType.UTS).hostname("probe"));
        report("helper-unchanged", shared, new NamespacedProcessBuilder().unshare(NamespaceType.MOUNT, NamespaceType.UTS).hostname("probe")
                .propagation(Propagation.UNCHANGED));
        // Owned by a new user namespace, a copy is less privileged: its shared mounts come as
        // slaves (mount_namespaces(7)), so nothing propagates out either way; what / private
        // changes is the mount's tag inside, which the command reads.
        tags("direct-user", shared, new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.MOUNT).mapRootToCurrentUser());
        tags("direct-user-unchanged", shared, new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.MOUNT)
                .mapRootToCurrentUser().propagation(Propagation.UNCHANGED));
        tags("helper-user", shared, new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.MOUNT, NamespaceType.UTS)
                .mapRootToCurrentUser().hostname("probe"));
    }

    /** Prints {@code NAME-tags=} and the propagation tags (shared, master) of the mount of {@code shared} as the command sees it, or {@code none}. */
    private static void tags(String name, Path shared, NamespacedProcessBuilder b) throws Exception {
        Process p = b.command("cat", "/proc/self/mountinfo").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new AssertionError(name + ": cat exited " + p.exitValue());
        String tags = null;
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ");
            if (f.length < 7 || !f[4].equals(shared.toString())) continue;
            StringBuilder t = new StringBuilder();
            for (int i = 6; i < f.length && !f[i].equals("-"); i++) t.append(t.isEmpty() ? "" : ",").append(f[i].replaceAll(":[0-9]+$", ""));
            tags = t.isEmpty() ? "none" : t.toString();
        }
        System.out.println(name + "-tags=" + (tags == null ? "unseen" : tags));
    }

    private static void report(String name, Path shared, NamespacedProcessBuilder b) throws Exception {
        Path target = Files.createDirectories(shared.resolve(name));
        Process p = b.command("mount", "-t", "tmpfs", "none", target.toString()).inheritIO().start();
        if (p.waitFor() != 0) throw new AssertionError(name + ": mount exited " + p.exitValue());
        String mine = " " + target + " ";
        boolean propagated = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(mine));
        System.out.println(name + "=" + (propagated ? "propagated" : "stayed"));
    }
}
