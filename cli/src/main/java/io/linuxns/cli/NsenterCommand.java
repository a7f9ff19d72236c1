package io.linuxns.cli;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code linuxns nsenter}: util-linux {@code nsenter(1)} on {@link NamespacedProcessBuilder#join}.
 * The namespaces are joined with {@code setns(2)} by the new child, which is single-threaded, so
 * user namespaces can be entered too (a JVM thread never could); a PID namespace is entered
 * through an intermediate process, as {@code nsenter} forks.
 *
 * <p>As nsenter, entering a user namespace drops supplementary groups and switches to uid and
 * gid 0 inside it unless {@code --preserve-credentials} is given; {@code -S}/{@code -G} then set
 * other ids, in the helper's process before the exec. Differences: {@code --root} works only where it is a no-op (the target's root is the root of
 * its mount namespace, entered with {@code -m}); {@code -F} is accepted but linuxns always starts a
 * new process; {@code -Z} is refused (no SELinux support).
 */
@Command(name = "nsenter", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = NamespaceOptions.Transformer.class,
        description = {"Run a program in the namespaces of another process, like nsenter(1).",
                "With -t PID a type option enters that process's namespace; with =FILE (for example"
                        + " --net=/run/netns/NAME) the namespace file FILE."},
        footer = {"", "Examples:", "  linuxns nsenter -t 1234 -u hostname", "  linuxns nsenter -t 1234 -a sh",
                "  linuxns nsenter --net=/run/netns/blue ip link"})
final class NsenterCommand implements Callable<Integer>, NamespaceOptions.Holder {
    final NamespaceOptions namespaces = new NamespaceOptions(NamespaceOptions.Style.NSENTER);

    @Override
    public NamespaceOptions namespaces() {
        return namespaces;
    }

    @Option(names = {"-t", "--target"}, paramLabel = "PID", converter = UsageErrors.Pid.class, description = "Target process to get namespaces from.")
    Long target;

    @Option(names = {"-a", "--all"}, description = "Enter every namespace of the target that differs from ours.")
    boolean all;

    @Option(names = "--preserve-credentials", description = "Keep the uid and gid when entering a user namespace (default: become 0 inside, as nsenter).")
    boolean preserveCredentials;

    @Option(names = {"-S", "--setuid"}, paramLabel = "UID|follow",
            description = "Run the program as UID in the entered namespaces, or with follow as the target's uid (default 0 with -U).")
    String setuid;

    @Option(names = {"-G", "--setgid"}, paramLabel = "GID|follow",
            description = "Run the program as GID without supplementary groups, or with follow the target's gid (default 0 with -U).")
    String setgid;

    @Option(names = "--keep-caps", description = "Keep the capabilities of the entered user namespace across the exec (as ambient ones).")
    boolean keepCaps;

    @Option(names = {"-r", "--root"}, arity = "0..1", paramLabel = "DIR", preprocessor = AttachedValueOnly.class,
            description = "Root directory: only the target's own root, with -m.")
    String root;

    @Option(names = {"-w", "--wd"}, arity = "0..1", paramLabel = "DIR", preprocessor = AttachedValueOnly.class,
            description = "Working directory (default with -w alone: the target's).")
    String wd;

    @Option(names = {"-W", "--wdns"}, paramLabel = "DIR", description = "Working directory DIR in the entered mount namespace.")
    Path wdns;

    @Option(names = "--net-socket", paramLabel = "FD", description = "Enter the network namespace of the target's socket FD (SIOCGSKNS).")
    Integer netSocket;

    @Option(names = {"-e", "--env"}, description = "Give the program the target's environment (/proc/PID/environ).")
    boolean env;

    @Option(names = {"-F", "--no-fork"}, description = "Accepted for compatibility: the program always runs in a new process.")
    boolean noFork;

    @Option(names = {"-Z", "--follow-context"}, description = "Set the SELinux context of the target: refused, linuxns has no SELinux support.")
    boolean followContext;

    @Parameters(paramLabel = "PROGRAM", arity = "0..*", description = "The program and its arguments (default: $SHELL or /bin/sh).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<NamespaceType, Optional<Path>> selected = namespaces.selected();
        // getopt parses -S and -G before anything is opened: a bad number is reported first.
        if (setuid != null && !setuid.equals("follow")) id("uid", setuid);
        if (setgid != null && !setgid.equals("follow")) id("gid", setgid);
        if (all && target == null) throw CliException.usage("no target PID specified for --all");
        if (followContext) {
            throw CliException.usage(Files.isDirectory(Path.of("/sys/fs/selinux")) ? "--follow-context: SELinux contexts are not supported by linuxns"
                    : "--follow-context: SELinux is not enabled on this system");
        }
        if (netSocket != null && target == null) throw CliException.usage("no target PID specified for --net-socket");
        if (wd != null && wdns != null) throw CliException.usage("--wd and --wdns are mutually exclusive");
        List<Namespace> handles = new ArrayList<>();
        try {
            for (Map.Entry<NamespaceType, Optional<Path>> e : selected.entrySet()) {
                try {
                    handles.add(open(e.getKey(), e.getValue()));
                } catch (NamespaceException bad) {
                    // A wrong PID or file is the caller's mistake, exit 1 as nsenter(1); not a failed setup.
                    throw CliException.usage(bad.getMessage());
                }
            }
            if (netSocket != null) {
                if (selected.containsKey(NamespaceType.NETWORK)) throw CliException.usage("--net and --net-socket are mutually exclusive");
                try {
                    handles.add(Namespace.ofSocket(target, netSocket));
                } catch (NamespaceException bad) {
                    throw CliException.usage(bad.getMessage());
                }
            }
            if (all) {
                if (!Files.isDirectory(Path.of("/proc/" + target))) throw CliException.usage("there is no process with pid " + target);
                for (NamespaceType t : NamespaceType.values()) {
                    if (selected.containsKey(t)) continue;
                    Path link = Path.of("/proc/" + target + "/ns/" + t.procName());
                    if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue; // kernel without this type
                    // As nsenter: skip what we are in already (entering one's own user namespace is EINVAL).
                    if (sameAsOurs(link, t) || (t == NamespaceType.NETWORK && netSocket != null)) continue;
                    try {
                        handles.add(Namespace.ofProcess(target, t));
                    } catch (NamespaceException bad) {
                        // As with a single type option: exit 1, as nsenter(1) for any target it may not open.
                        throw CliException.usage(bad.getMessage());
                    }
                }
            }
            // Nothing to enter is not an error for nsenter(1) either: the command just runs.
            NamespacedProcessBuilder b = new NamespacedProcessBuilder(command.isEmpty() ? List.of(Programs.defaultShell()) : command);
            b.join(handles.toArray(Namespace[]::new)).preserveCredentials(preserveCredentials);
            boolean joinsMount = handles.stream().anyMatch(ns -> ns.type() == NamespaceType.MOUNT);
            checkRoot(joinsMount);
            if (wd != null) b.directory(workingDirectory());
            // The helper changes directory after it joined the mount namespace: DIR is looked up there.
            if (wdns != null) b.directory(wdns);
            if (env) targetEnvironment(b);
            credentials(b, handles.stream().anyMatch(ns -> ns.type() == NamespaceType.USER));
            // The handles must stay open until start() returns; ChildRunner waits past that.
            return ChildRunner.run(b);
        } finally {
            for (Namespace ns : handles) ns.close();
        }
    }

    /**
     * -G, -S and --keep-caps, as nsenter: after the namespaces are entered (a joined user
     * namespace has made the helper uid and gid 0 already, unless --preserve-credentials), the
     * gid with no supplementary groups, then the uid, then the capabilities of the entered user
     * namespace as ambient ones. {@code follow} takes the target's, as {@code stat /proc/PID}
     * shows them, numbered in the entered user namespace through the target's {@code uid_map}.
     */
    private void credentials(NamespacedProcessBuilder b, boolean joinsUser) throws CliException {
        long gid = setgid == null ? -1 : setgid.equals("follow") ? follow("gid", joinsUser) : id("gid", setgid);
        long uid = setuid == null ? -1 : setuid.equals("follow") ? follow("uid", joinsUser) : id("uid", setuid);
        if (gid >= 0) b.gid(gid);
        if (uid >= 0) b.uid(uid);
        // As util-linux: nothing without a user namespace, and nothing left after leaving uid 0.
        if (keepCaps && joinsUser && !(uid > 0 && !preserveCredentials)) b.keepCapabilities(true);
    }

    private static long id(String what, String value) throws CliException {
        try {
            return UsageErrors.id(what, value);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** The target's uid or gid (the owner of /proc/PID), as the entered user namespace numbers it. */
    private long follow(String what, boolean joinsUser) throws CliException {
        if (target == null) throw CliException.usage("neither filename nor target pid supplied for --set" + what + " follow");
        Path proc = Path.of("/proc/" + target);
        long id;
        try {
            id = ((Number) Files.getAttribute(proc, what.equals("uid") ? "unix:uid" : "unix:gid")).longValue();
        } catch (IOException e) {
            throw CliException.usage("cannot open " + proc + ": " + e.getMessage());
        }
        if (!joinsUser) return id;
        try {
            for (String line : Files.readAllLines(proc.resolve(what.equals("uid") ? "uid_map" : "gid_map"))) {
                String[] f = line.trim().split("\\s+");
                long inside = Long.parseLong(f[0]), outside = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                if (id >= outside && id - outside < count) return inside + (id - outside);
            }
        } catch (IOException | RuntimeException e) {
            throw CliException.usage("cannot read the " + what + " map of process " + target + ": " + e.getMessage());
        }
        return 65534; // not mapped: the overflow id, as stat(2) inside would show it
    }

    private Namespace open(NamespaceType type, Optional<Path> file) throws CliException, NamespaceException {
        if (file.isPresent()) {
            Namespace ns = Namespace.open(file.get());
            if (ns.type() != type) {
                ns.close();
                throw CliException.usage(file.get() + " is a " + ns.type().procName() + " namespace, not " + type.procName());
            }
            return ns;
        }
        if (target == null) throw CliException.usage("neither filename nor target pid supplied for ns/" + type.procName());
        return Namespace.ofProcess(target, type);
    }

    /** --env: the target's environment, as {@code /proc/PID/environ} has it (NUL-separated). */
    private void targetEnvironment(NamespacedProcessBuilder b) throws CliException {
        if (target == null) throw CliException.usage("no target PID specified for --env");
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc/" + target + "/environ"));
        } catch (IOException e) {
            throw CliException.usage("cannot read the environment of process " + target + ": " + e.getMessage());
        }
        Map<String, String> envs = b.environment();
        envs.clear();
        for (String kv : new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0")) {
            int eq = kv.indexOf('=');
            if (eq > 0) envs.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
    }

    private static boolean sameAsOurs(Path link, NamespaceType t) {
        try {
            return Files.readSymbolicLink(link).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + t.procName())));
        } catch (IOException e) {
            return false; // cannot tell: try to enter it, and let setns say why not
        }
    }

    /** -r: without chroot in the spawn API, only the target's root that entering its mount namespace gives already. */
    private void checkRoot(boolean joinsMount) throws CliException {
        if (root == null) return;
        boolean targetsOwnRoot;
        if (root.isEmpty()) {
            if (target == null) throw CliException.usage("--root without a directory needs a target PID (-t)");
            try {
                targetsOwnRoot = Files.readSymbolicLink(Path.of("/proc/" + target + "/root")).toString().equals("/");
            } catch (IOException e) {
                throw new CliException(ExitCodes.SETUP_FAILED, "cannot read the root of process " + target + ": " + e.getMessage());
            }
        } else {
            targetsOwnRoot = Path.of(root).normalize().toString().equals("/");
        }
        if (!targetsOwnRoot || !joinsMount) {
            throw CliException.usage("--root is supported only as the root of the entered mount namespace (with -m);"
                    + " linuxns does not chroot");
        }
    }

    private Path workingDirectory() throws CliException {
        if (!wd.isEmpty()) return Path.of(wd);
        if (target == null) throw CliException.usage("--wd without a directory needs a target PID (-t)");
        try {
            // The target's cwd as the target sees it, valid once its mount namespace is entered.
            return Files.readSymbolicLink(Path.of("/proc/" + target + "/cwd"));
        } catch (IOException e) {
            throw new CliException(ExitCodes.SETUP_FAILED, "cannot read the working directory of process " + target + ": " + e.getMessage());
        }
    }
}
