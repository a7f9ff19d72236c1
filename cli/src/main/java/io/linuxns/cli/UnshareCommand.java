package io.linuxns.cli;

import io.linuxns.IdMapping;
import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.Propagation;
import io.linuxns.SetGroups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code linuxns unshare}: util-linux {@code unshare(1)} on {@link NamespacedProcessBuilder}.
 *
 * <p>Differences, all from the model "the command is always a new process": linuxns always
 * behaves as with {@code --fork} ({@code -f} is accepted), so with {@code -p} the command itself
 * is PID 1; {@code --root} is a {@code pivot_root(2)} in a new mount namespace (implied) rather
 * than a {@code chroot(2)}; {@code --monotonic} and {@code --boottime} imply {@code -T}. As
 * {@code unshare --fork}, linuxns ignores SIGINT and SIGTERM while the program runs unless
 * {@code --forward-signals} is given, and dies of the signal that killed the program.
 */
@Command(name = "unshare", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = NamespaceOptions.Transformer.class,
        description = {"Run a program with some namespaces unshared from the parent, like unshare(1).",
                "With =FILE a namespace is persisted on FILE (a bind mount; remove it with umount FILE).",
                "linuxns always forks: with -p the program is PID 1 of the new PID namespace."},
        footer = {"", "Examples:", "  linuxns unshare -r id -u", "  linuxns unshare -u sh -c 'hostname x; hostname'",
                "  linuxns unshare -pf --mount-proc -r ps"})
final class UnshareCommand implements Callable<Integer>, NamespaceOptions.Holder {
    final NamespaceOptions namespaces = new NamespaceOptions(NamespaceOptions.Style.UNSHARE);

    @Override
    public NamespaceOptions namespaces() {
        return namespaces;
    }

    @Option(order = 1, names = {"-f", "--fork"}, description = "Accepted for compatibility: the program always runs in a new process.")
    boolean fork;

    boolean mapRoot;
    boolean mapCurrent;

    // -r and -c replace each other: the last one given wins, as in util-linux.
    @Option(order = 2, names = {"-r", "--map-root-user"}, description = "Map your uid and gid to root in a new user namespace (implies -U).")
    void mapRoot(boolean on) {
        mapRoot = on;
        if (on) mapCurrent = false;
    }

    @Option(order = 3, names = {"-c", "--map-current-user"}, description = "Map your uid and gid to themselves (implies -U).")
    void mapCurrent(boolean on) {
        mapCurrent = on;
        if (on) mapRoot = false;
    }

    @Option(order = 4, names = "--map-user", paramLabel = "UID|NAME", description = "Map your uid to UID (implies -U).")
    String mapUser;

    @Option(order = 5, names = "--map-group", paramLabel = "GID|NAME", description = "Map your gid to GID (implies -U).")
    String mapGroup;

    @Option(order = 6, names = "--map-users", paramLabel = "INNER:OUTER:COUNT", description = {"Map COUNT uids from OUTER to INNER (implies -U;"
            + " util-linux 2.38's OUTER,INNER,COUNT is accepted too). Repeatable; more than your own uid needs root."})
    List<String> mapUsers = new ArrayList<>();

    @Option(order = 7, names = "--map-groups", paramLabel = "INNER:OUTER:COUNT", description = "Map COUNT gids from OUTER to INNER (implies -U).")
    List<String> mapGroups = new ArrayList<>();

    @Option(order = 8, names = "--map-auto", description = "Map the first block of your subordinate uids and gids (/etc/subuid, /etc/subgid) from 0"
            + " (same as --map-users=auto --map-groups=auto; implies -U).")
    boolean mapAuto;

    @Option(order = 9, names = "--map-subids", description = "Map the first block of your subordinate uids and gids onto themselves"
            + " (same as --map-users=subids --map-groups=subids; implies -U).")
    boolean mapSubids;

    @Option(order = 10, names = "--setgroups", paramLabel = "allow|deny", converter = NamedValues.SetGroupsValue.class,
            description = "Allow or deny setgroups(2) in the new user namespace.")
    SetGroups setgroups;

    @Option(order = 11, names = {"-S", "--setuid"}, paramLabel = "UID", converter = UsageErrors.Uid.class,
            description = "Run the program as UID in the new namespaces (setresuid).")
    Long setuid;

    @Option(order = 12, names = {"-G", "--setgid"}, paramLabel = "GID", converter = UsageErrors.Gid.class,
            description = "Run the program as GID, without supplementary groups (setresgid).")
    Long setgid;

    @Option(order = 13, names = "--keep-caps", description = "Keep the capabilities of the new user namespace across the exec (as ambient ones).")
    boolean keepCaps;

    @Option(order = 14, names = "--forward-signals", description = "Pass SIGTERM and SIGINT on to the program (without it linuxns ignores them,"
            + " as unshare --fork does).")
    boolean forwardSignals;

    @Option(order = 15, names = "--clear-env", description = "Start the program with an empty environment.")
    boolean clearEnv;

    @Option(order = 16, names = "--whitelist-env", paramLabel = "NAME[,NAME...]", split = ",",
            description = "Start the program with only these variables of the environment (repeatable).")
    List<String> whitelistEnv = new ArrayList<>();

    @Option(order = 17, names = "--kill-child", arity = "0..1", paramLabel = "SIGNAL", preprocessor = AttachedValueOnly.class,
            description = "Send SIGNAL (default SIGKILL) to the program when linuxns dies.")
    String killChild;

    @Option(order = 18, names = "--mount-proc", arity = "0..1", paramLabel = "DIR", preprocessor = AttachedValueOnly.class,
            description = "Mount a new proc file system on DIR (default /proc) first (implies -m).")
    String mountProc;

    @Option(order = 19, names = "--propagation", paramLabel = "private|shared|slave|unchanged", converter = NamedValues.PropagationValue.class,
            description = "Propagation of / in the new mount namespace (default private).")
    Propagation propagation;

    @Option(order = 20, names = {"-R", "--root"}, paramLabel = "DIR", description = "Make DIR the root directory (pivot_root in a new mount namespace; implies -m).")
    Path root;

    @Option(order = 21, names = {"-w", "--wd"}, paramLabel = "DIR", description = "Change to DIR (inside --root if given).")
    Path wd;

    @Option(order = 22, names = "--monotonic", paramLabel = "SECONDS", description = "Offset of CLOCK_MONOTONIC in the new time namespace (implies -T).")
    Long monotonic;

    @Option(order = 23, names = "--boottime", paramLabel = "SECONDS", description = "Offset of CLOCK_BOOTTIME in the new time namespace (implies -T).")
    Long boottime;

    @Parameters(paramLabel = "PROGRAM", arity = "0..*", description = "The program and its arguments (default: $SHELL or /bin/sh).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<NamespaceType, Optional<Path>> selected = namespaces.selected();
        NamespacedProcessBuilder b = new NamespacedProcessBuilder(command.isEmpty() ? List.of(Programs.defaultShell()) : command);
        b.unshare(selected.keySet());
        idMaps(b);
        mounts(b);
        clockOffsets(b);
        if (killChild != null) b.dieWithParent(killChild.isEmpty() ? 9 : Signals.parse(killChild));
        if (wd != null) b.directory(root != null ? Programs.absoluteInside(wd, "--wd") : wd.toAbsolutePath());
        persist(b, selected);
        environment(b);
        credentials(b);
        return ChildRunner.run(b, forwardSignals ? ChildRunner.Signals.FORWARD_TERM_AND_INT : ChildRunner.Signals.IGNORE);
    }

    /**
     * -G, -S and --keep-caps, applied in that order right before the exec, as util-linux does. As
     * there, --keep-caps without a new user namespace does nothing, and keeps nothing after a uid
     * change away from 0 (the kernel cleared the capabilities: util-linux raises none).
     */
    private void credentials(NamespacedProcessBuilder b) {
        if (setgid != null) b.gid(setgid);
        if (setuid != null) b.uid(setuid);
        if (!keepCaps || !b.unshared().contains(NamespaceType.USER)) return;
        boolean leavesRoot = setuid != null && setuid != 0 && rootInside;
        if (!leavesRoot) b.keepCapabilities(true);
    }

    /** Whether our euid is uid 0 in the new user namespace's map (the helper then is root there before -S). */
    private boolean rootInside;

    /** An offset the kernel cannot take is a bad value given on the command line: usage, exit 1. */
    private void clockOffsets(NamespacedProcessBuilder b) throws CliException {
        try {
            if (monotonic != null) b.monotonicOffset(Duration.ofSeconds(monotonic));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--monotonic: " + e.getMessage());
        }
        try {
            if (boottime != null) b.boottimeOffset(Duration.ofSeconds(boottime));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--boottime: " + e.getMessage());
        }
    }

    /** --clear-env and --whitelist-env: what is left of linuxns's environment for the program. */
    private void environment(NamespacedProcessBuilder b) {
        if (!clearEnv && whitelistEnv.isEmpty()) return;
        Map<String, String> env = b.environment();
        Map<String, String> kept = new java.util.HashMap<>();
        for (String name : whitelistEnv) {
            String v = env.get(name);
            if (v != null) kept.put(name, v);
        }
        env.clear();
        env.putAll(kept);
    }

    private void idMaps(NamespacedProcessBuilder b) throws CliException {
        // Nothing to map: no need for the caller's ids (three reads of /proc/self/status).
        if (!mapRoot && !mapCurrent && mapUser == null && mapGroup == null && mapUsers.isEmpty() && mapGroups.isEmpty()
                && !mapAuto && !mapSubids && setgroups == null) return;
        Accounts accounts = null;
        List<IdMapping> uids = new ArrayList<>(), gids = new ArrayList<>();
        long uid = Credentials.uid(), gid = Credentials.gid();
        // One single-id mapping of the caller, the last option winning as in util-linux.
        Long innerUid = null, innerGid = null;
        if (mapRoot) innerUid = innerGid = 0L;
        if (mapCurrent) {
            innerUid = uid;
            innerGid = gid;
        }
        if (mapUser != null) {
            accounts = Accounts.load();
            innerUid = accounts.uid(mapUser).orElseThrow(() -> CliException.usage("no such user: " + mapUser));
        }
        if (mapGroup != null) {
            if (accounts == null) accounts = Accounts.load();
            innerGid = accounts.gid(mapGroup).orElseThrow(() -> CliException.usage("no such group: " + mapGroup));
        }
        if (innerUid != null) uids.add(IdMapping.of(innerUid, uid));
        if (innerGid != null) gids.add(IdMapping.of(innerGid, gid));
        for (String s : mapUsers) uids.add(range("--map-users", s, true));
        for (String s : mapGroups) gids.add(range("--map-groups", s, false));
        if (mapAuto) {
            uids.add(range("--map-auto", "auto", true));
            gids.add(range("--map-auto", "auto", false));
        }
        if (mapSubids) {
            uids.add(range("--map-subids", "subids", true));
            gids.add(range("--map-subids", "subids", false));
        }

        SetGroups sg = setgroups;
        if (sg != null) {
            if (sg == SetGroups.ALLOW && innerGid != null && gid != 0) {
                throw CliException.usage("options --setgroups=allow and --map-group are mutually exclusive");
            }
        } else if (innerGid != null) {
            sg = SetGroups.DENY; // what an unprivileged gid_map needs, and what util-linux writes
        }
        // Maps and setgroups are for a new user namespace: they imply -U, as in util-linux.
        if (!uids.isEmpty() || !gids.isEmpty() || sg != null) b.unshare(NamespaceType.USER);
        if (!uids.isEmpty()) b.uidMap(uids);
        long euid = Credentials.euid();
        rootInside = uids.stream().anyMatch(m -> euid >= m.outside() && euid - m.outside() < m.count() && m.inside() + (euid - m.outside()) == 0);
        if (!gids.isEmpty()) b.gidMap(gids);
        if (sg != null) b.setgroups(sg);
    }

    /** INNER:OUTER:COUNT, or {@code auto} / {@code subids}: the first block of the caller's subordinate ids. */
    private static IdMapping range(String option, String value, boolean users) throws CliException {
        if (!value.equals("auto") && !value.equals("subids")) return IdRanges.parse(option, value);
        long euid = Credentials.euid();
        Optional<String> name = Optional.of(Accounts.load().userName(euid)).filter(n -> !n.equals(Long.toString(euid)));
        return users ? SubIds.firstBlock(Path.of("/etc/subuid"), euid, name, value.equals("subids"), option)
                : SubIds.firstBlock(Path.of("/etc/subgid"), Credentials.gid(), name, value.equals("subids"), option);
    }

    private void mounts(NamespacedProcessBuilder b) throws CliException {
        if (propagation != null) b.propagation(propagation);
        if (root != null) {
            b.unshare(NamespaceType.MOUNT);
            b.rootfs(root.toAbsolutePath().normalize());
        }
        if (mountProc != null) {
            b.unshare(NamespaceType.MOUNT);
            Path dir = mountProc.isEmpty() ? Path.of("/proc") : Path.of(mountProc);
            b.mountProc(root != null ? Programs.absoluteInside(dir, "--mount-proc") : dir.toAbsolutePath());
        }
    }

    /**
     * {@code --TYPE=FILE}: bind-mount the child's new namespace onto FILE while the child waits
     * before exec, as util-linux does before its exec. A new time namespace is entered only at
     * exec, so before it the child's is {@code time_for_children}.
     */
    private static void persist(NamespacedProcessBuilder b, Map<NamespaceType, Optional<Path>> selected) {
        Map<NamespaceType, Path> files = new java.util.EnumMap<>(NamespaceType.class);
        selected.forEach((t, f) -> f.ifPresent(p -> files.put(t, p.toAbsolutePath().normalize())));
        if (files.isEmpty()) return;
        b.parentSetup(pid -> {
            List<Path> done = new ArrayList<>();
            try {
                for (Map.Entry<NamespaceType, Path> e : files.entrySet()) {
                    try (Namespace ns = e.getKey() == NamespaceType.TIME
                            ? Namespace.open(Path.of("/proc/" + pid + "/ns/time_for_children"))
                            : Namespace.ofProcess(pid, e.getKey())) {
                        ns.persist(e.getValue());
                    }
                    done.add(e.getValue());
                }
            } catch (NamespaceException | RuntimeException ex) {
                // The child is killed when a setup fails: leave no half of the persisted files behind.
                for (Path p : done) {
                    try {
                        Namespace.unpersist(p);
                    } catch (NamespaceException ignored) {
                        // best effort; the first error is the one to report
                    }
                }
                throw ex;
            }
        });
    }
}
