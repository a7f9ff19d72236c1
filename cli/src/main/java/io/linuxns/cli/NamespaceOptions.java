package io.linuxns.cli;

import io.linuxns.NamespaceType;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The namespace options of {@code nsenter}, as util-linux parses them: {@code -m -u -i -n -p
 * -U -C -T} and long forms, each with an optional attached file to enter instead of the target's
 * namespace ({@code --net=FILE}, {@code -nFILE}). ({@code unshare} takes files only in the long
 * forms: see {@link UnshareNamespaceOptions}.)
 */
final class NamespaceOptions {
    @Option(names = {"-m", "--mount"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "mount namespace")
    String mount;
    @Option(names = {"-u", "--uts"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "UTS namespace (hostname, domain name)")
    String uts;
    @Option(names = {"-i", "--ipc"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "System V IPC namespace")
    String ipc;
    @Option(names = {"-n", "--net"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "network namespace")
    String net;
    @Option(names = {"-p", "--pid"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "PID namespace")
    String pid;
    @Option(names = {"-U", "--user"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "user namespace")
    String user;
    @Option(names = {"-C", "--cgroup"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "cgroup namespace")
    String cgroup;
    @Option(names = {"-T", "--time"}, arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "time namespace")
    String time;

    /**
     * {@return the types asked for, each with its file if one was attached} in the order of
     * {@link NamespaceType}.
     */
    Map<NamespaceType, Optional<Path>> selected() {
        Map<NamespaceType, Optional<Path>> m = new EnumMap<>(NamespaceType.class);
        put(m, NamespaceType.MOUNT, mount);
        put(m, NamespaceType.UTS, uts);
        put(m, NamespaceType.IPC, ipc);
        put(m, NamespaceType.NETWORK, net);
        put(m, NamespaceType.PID, pid);
        put(m, NamespaceType.USER, user);
        put(m, NamespaceType.CGROUP, cgroup);
        put(m, NamespaceType.TIME, time);
        return m;
    }

    private static void put(Map<NamespaceType, Optional<Path>> m, NamespaceType t, String value) {
        if (value == null) return;
        m.put(t, value.equals(AttachedValueOnly.NONE) ? Optional.empty() : Optional.of(Path.of(value)));
    }
}
