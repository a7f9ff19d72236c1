package io.linuxns.cli;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code linuxns run}: the container of Ed King's "Namespaces in Go" series (ns-process), built
 * on {@link NamespacedProcessBuilder}. A command (by default {@code /bin/sh}) runs in new UTS,
 * IPC, PID, mount, network and user namespaces, as root mapped to the caller (so it works
 * without privilege, like {@code unshare -r}), with its own hostname and {@code /proc}, under a
 * small init that reaps orphans and passes signals on. The container dies with linuxns.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a command (default /bin/sh) in a small container: new UTS, IPC, PID, mount, network and user"
                + " namespaces, root inside mapped to you, hostname 'linuxns', /proc mounted, an init as PID 1.",
                "Exits with the command's status."},
        footer = {"", "Examples:", "  linuxns run", "  linuxns run --rootfs /tmp/rootfs -- sh -c 'hostname; ls /'",
                "  linuxns run --bind /etc:/mnt/etc:ro -e GREETING=hi -- sh -c 'echo $GREETING'"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--rootfs", paramLabel = "DIR", description = "Make DIR the root file system (pivot_root); it needs an empty /proc directory.")
    Path rootfs;

    @Option(names = "--hostname", paramLabel = "NAME", defaultValue = "linuxns", description = "Hostname inside (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--net", paramLabel = "MODE", description = "Network: loopback (new namespace, lo up; the default), none (lo down),"
            + " host (no isolation), veth (a veth pair to bridge " + NetworkMode.BRIDGE + " " + NetworkMode.BRIDGE_ADDRESS
            + ", root only).")
    String net;

    @Option(names = "--bind", paramLabel = "SRC:DST[:ro]", description = "Bind-mount host path SRC on DST inside (repeatable).")
    List<String> binds = new ArrayList<>();

    @Option(names = "--tmpfs", paramLabel = "DST", description = "Mount a tmpfs on DST inside (repeatable).")
    List<Path> tmpfs = new ArrayList<>();

    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside (absolute with --rootfs).")
    Path workdir;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command and its arguments (default: /bin/sh).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        NetworkMode mode = net == null ? NetworkMode.DEFAULT : NetworkMode.parse(net);
        NamespacedProcessBuilder b = new NamespacedProcessBuilder(command.isEmpty() ? List.of("/bin/sh") : command)
                .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT)
                .mapRootToCurrentUser()
                .hostname(hostname)
                .init(true)
                .dieWithParent(9);
        AutoCloseable network = mode.configure(b);
        if (rootfs != null) b.rootfs(rootfs.toAbsolutePath().normalize());
        for (String spec : binds) {
            BindSpec bind = BindSpec.parse(spec);
            b.bind(bind.source(), bind.target(), bind.readOnly());
        }
        for (Path t : tmpfs) b.tmpfs(Programs.absoluteInside(t, "--tmpfs"));
        // proc last: a --bind or --tmpfs on / or /proc must not cover it.
        b.mountProc();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw CliException.usage("--env wants K=V, got \"" + kv + "\"");
            b.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (workdir != null) b.directory(rootfs != null ? Programs.absoluteInside(workdir, "--workdir") : workdir.toAbsolutePath());
        try {
            return ChildRunner.run(b);
        } finally {
            try {
                network.close();
            } catch (Exception e) {
                // The command's status matters more than a link the kernel may be removing anyway.
                System.err.println("linuxns: warning: network teardown: " + e.getMessage());
            }
        }
    }

    /** {@code SRC:DST[:ro]}: a host path, a path inside, and optionally read-only. */
    record BindSpec(Path source, Path target, boolean readOnly) {
        static BindSpec parse(String spec) throws CliException {
            String[] parts = spec.split(":", -1);
            boolean ro = false;
            if (parts.length == 3 && (parts[2].equals("ro") || parts[2].equals("rw"))) {
                ro = parts[2].equals("ro");
            } else if (parts.length != 2) {
                throw CliException.usage("--bind wants SRC:DST or SRC:DST:ro, got \"" + spec + "\"");
            }
            if (parts[0].isEmpty() || parts[1].isEmpty()) throw CliException.usage("--bind wants SRC:DST[:ro], got \"" + spec + "\"");
            return new BindSpec(Path.of(parts[0]).toAbsolutePath().normalize(), Programs.absoluteInside(Path.of(parts[1]), "--bind"), ro);
        }
    }
}
