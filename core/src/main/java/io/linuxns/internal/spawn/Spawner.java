package io.linuxns.internal.spawn;

import io.linuxns.IdMapping;
import io.linuxns.Namespace;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.Propagation;
import io.linuxns.SetGroups;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Starts a process with clone3 and a child program (DESIGN §4). */
public final class Spawner {
    private Spawner() {}

    /** Everything {@link NamespacedProcessBuilder} was told, immutable. */
    public record Request(List<String> command, Path directory, Map<String, String> environment,
                          ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream,
                          Set<NamespaceType> unshare, List<Namespace> join,
                          List<IdMapping> uidMap, List<IdMapping> gidMap, SetGroups setgroups,
                          String hostname, String domainname, Propagation propagation,
                          List<NamespacedProcessBuilder.Mount> mounts, Path rootfs,
                          Duration monotonicOffset, Duration boottimeOffset, Path cgroup,
                          int deathSignal, boolean init, Map<Integer, Integer> passFds,
                          List<NamespacedProcessBuilder.ParentSetup> parentSetups) {}

    public static NamespacedProcess spawn(Request request) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
