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
