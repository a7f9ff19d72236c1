package io.linuxns.cli;

import io.linuxns.NamespaceType;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The namespace options of {@code unshare}, as util-linux parses them: the short letters
 * {@code -m -u -i -n -p -U -C -T} take no value (so {@code -rmu} is three options), and only the
 * long forms take an attached file to persist the namespace on ({@code --net=FILE}).
 * ({@code nsenter} differs: there {@code -nFILE} names a file; see {@link NamespaceOptions}.)
 */
final class UnshareNamespaceOptions {
    @Option(names = "-m", hidden = true, description = "Same as --mount.")
    boolean mountShort;
    @Option(names = "--mount", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the mount namespace; persist it on FILE if given.")
    String mount;

    @Option(names = "-u", hidden = true, description = "Same as --uts.")
    boolean utsShort;
    @Option(names = "--uts", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the UTS namespace (hostname, domain name); persist it on FILE if given.")
    String uts;

    @Option(names = "-i", hidden = true, description = "Same as --ipc.")
    boolean ipcShort;
    @Option(names = "--ipc", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the System V IPC namespace; persist it on FILE if given.")
    String ipc;

    @Option(names = "-n", hidden = true, description = "Same as --net.")
    boolean netShort;
    @Option(names = "--net", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the network namespace; persist it on FILE if given.")
    String net;

    @Option(names = "-p", hidden = true, description = "Same as --pid.")
    boolean pidShort;
    @Option(names = "--pid", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the PID namespace; persist it on FILE if given.")
    String pid;

    @Option(names = "-U", hidden = true, description = "Same as --user.")
    boolean userShort;
    @Option(names = "--user", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the user namespace; persist it on FILE if given.")
    String user;

    @Option(names = "-C", hidden = true, description = "Same as --cgroup.")
    boolean cgroupShort;
    @Option(names = "--cgroup", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the cgroup namespace; persist it on FILE if given.")
    String cgroup;

    @Option(names = "-T", hidden = true, description = "Same as --time.")
    boolean timeShort;
    @Option(names = "--time", arity = "0..1", paramLabel = "FILE", preprocessor = AttachedValueOnly.class,
            description = "Unshare the time namespace; persist it on FILE if given.")
    String time;

    /** {@return the types asked for, each with its file if one was given} */
    Map<NamespaceType, Optional<Path>> selected() {
        Map<NamespaceType, Optional<Path>> m = new EnumMap<>(NamespaceType.class);
        put(m, NamespaceType.MOUNT, mountShort, mount);
        put(m, NamespaceType.UTS, utsShort, uts);
        put(m, NamespaceType.IPC, ipcShort, ipc);
        put(m, NamespaceType.NETWORK, netShort, net);
        put(m, NamespaceType.PID, pidShort, pid);
        put(m, NamespaceType.USER, userShort, user);
        put(m, NamespaceType.CGROUP, cgroupShort, cgroup);
        put(m, NamespaceType.TIME, timeShort, time);
        return m;
    }

    private static void put(Map<NamespaceType, Optional<Path>> m, NamespaceType t, boolean flag, String value) {
        if (value != null && !value.equals(AttachedValueOnly.NONE)) m.put(t, Optional.of(Path.of(value)));
        else if (flag || value != null) m.put(t, Optional.empty());
    }
}
