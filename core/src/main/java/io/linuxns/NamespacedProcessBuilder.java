package io.linuxns;

import io.linuxns.internal.Native;
import io.linuxns.internal.jfr.Events;
import io.linuxns.internal.spawn.Request;
import io.linuxns.internal.spawn.Spawner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Starts processes in new or existing namespaces: {@code clone3(2)} from pure Java, shaped like
 * {@link ProcessBuilder}.
 *
 * <pre>{@code
 * Process p = new NamespacedProcessBuilder("sh", "-c", "hostname; id -u")
 *         .unshare(NamespaceType.USER, NamespaceType.UTS, NamespaceType.PID, NamespaceType.MOUNT)
 *         .mapRootToCurrentUser()        // works rootless, like unshare -r
 *         .hostname("box")
 *         .mountProc()
 *         .inheritIO()
 *         .start();
 * }</pre>
 *
 * <p>The child runs no Java code. Everything it does between {@code clone3} and
 * {@code execve(2)} (joining namespaces with {@code setns(2)}, {@code sethostname(2)},
 * {@code mount(2)}, {@code pivot_root(2)}, stdio {@code dup2(2)}, signal reset) is a program of
 * system calls prepared here in native memory and run by a few dozen machine instructions; a
 * failing step becomes a {@link NamespaceException} naming the step and errno. Only stdio and
 * the descriptors given to {@link #passFd(int, int)} survive the exec, unless
 * {@link #inheritDescriptors(boolean)} asks for exec(2)'s own rule.
 *
 * <p>The clone is made by the library's origin thread, so a child starts from the namespaces
 * the JVM started in, whichever thread calls {@link #start()} (a task of a
 * {@link NamespaceExecutor} included): to start in an executor's namespaces, {@link #join} them.
 * The parent's part of the setup (id maps, {@link ParentSetup}s) runs on the calling thread.
 *
 * <p>The builder is mutable and reusable, like {@code ProcessBuilder}; {@link #start()}
 * validates everything before any system call. See {@code docs/spawn.md} for the child program
 * and the order of its steps.
 */
public final class NamespacedProcessBuilder {

    private List<String> command;
    private Path directory;
    private Map<String, String> environment;
    private ProcessBuilder.Redirect[] redirects = {ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE};
    private boolean redirectErrorStream;
    private final EnumSet<NamespaceType> unshare = EnumSet.noneOf(NamespaceType.class);
    private final List<Namespace> join = new ArrayList<>();
    private List<IdMapping> uidMap = List.of();
    private List<IdMapping> gidMap = List.of();
    private SetGroups setgroups;
    private String hostname;
    private String domainname;
    private Propagation propagation = Propagation.PRIVATE;
    private final List<Mount> mounts = new ArrayList<>();
    private Path rootfs;
    private Duration monotonicOffset = Duration.ZERO;
    private Duration boottimeOffset = Duration.ZERO;
    private Path cgroup;
    private int deathSignal;
    private boolean init;
    private boolean preserveCredentials;
    private long uid = -1;
    private long gid = -1;
    private boolean keepCapabilities;
    private boolean loopback;
    private final Map<Integer, Integer> passFds = new LinkedHashMap<>();
    private boolean inheritDescriptors;
    private final List<ParentSetup> parentSetups = new ArrayList<>();

    /**
     * A builder for {@code command} (program and arguments).
     *
     * @param command the program and its arguments
     */
    public NamespacedProcessBuilder(String... command) {
        command(command);
    }

    /**
     * A builder for {@code command} (program and arguments).
     *
     * @param command the program and its arguments
     */
    public NamespacedProcessBuilder(List<String> command) {
        command(command);
    }

    // ---- what ProcessBuilder has ----------------------------------------------------------

    /** {@return the command, a mutable list} */
    public List<String> command() {
        return command;
    }

    /**
     * Sets the program and its arguments.
     *
     * @param command the program and its arguments
     * @return this builder
     */
    public NamespacedProcessBuilder command(List<String> command) {
        this.command = new ArrayList<>(Objects.requireNonNull(command, "command"));
        return this;
    }

    /**
     * Sets the program and its arguments.
     *
     * @param command the program and its arguments
     * @return this builder
     */
    public NamespacedProcessBuilder command(String... command) {
        return command(Arrays.asList(command));
    }

    /** {@return the working directory, or {@code null} for the caller's (or / with a rootfs)} */
    public Path directory() {
        return directory;
    }

    /**
     * Sets the working directory, as seen by the child: inside the {@linkplain #rootfs(Path) new
     * root} when there is one.
     *
     * @param directory the directory, or {@code null} for the caller's
     * @return this builder
     */
    public NamespacedProcessBuilder directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /** {@return the child's environment, a mutable map initialised from the JVM's} */
    public Map<String, String> environment() {
        if (environment == null) environment = new HashMap<>(System.getenv());
        return environment;
    }

    /**
     * Sets stdin: {@code PIPE} (the default), {@code INHERIT}, or a file.
     *
     * @param r where stdin comes from
     * @return this builder
     * @throws IllegalArgumentException for a redirect that writes
     */
    public NamespacedProcessBuilder redirectInput(ProcessBuilder.Redirect r) {
        if (r.type() == ProcessBuilder.Redirect.Type.WRITE || r.type() == ProcessBuilder.Redirect.Type.APPEND) {
            throw new IllegalArgumentException("redirect for stdin must read: " + r);
        }
        redirects[0] = r;
        return this;
    }

    /**
     * Sets stdout: {@code PIPE} (the default), {@code INHERIT}, {@code DISCARD}, or a file.
     *
     * @param r where stdout goes
     * @return this builder
     * @throws IllegalArgumentException for a redirect that reads
     */
    public NamespacedProcessBuilder redirectOutput(ProcessBuilder.Redirect r) {
        if (r.type() == ProcessBuilder.Redirect.Type.READ) throw new IllegalArgumentException("redirect for stdout must write: " + r);
        redirects[1] = r;
        return this;
    }

    /**
     * Sets stderr: {@code PIPE} (the default), {@code INHERIT}, {@code DISCARD}, or a file.
     *
     * @param r where stderr goes
     * @return this builder
     * @throws IllegalArgumentException for a redirect that reads
     */
    public NamespacedProcessBuilder redirectError(ProcessBuilder.Redirect r) {
        if (r.type() == ProcessBuilder.Redirect.Type.READ) throw new IllegalArgumentException("redirect for stderr must write: " + r);
        redirects[2] = r;
        return this;
    }

    /** {@return the redirects of stdin, stdout and stderr} */
    public ProcessBuilder.Redirect[] redirects() {
        return redirects.clone();
    }

    /**
     * Sends stderr to wherever stdout goes.
     *
     * @param merge whether stderr goes to stdout
     * @return this builder
     */
    public NamespacedProcessBuilder redirectErrorStream(boolean merge) {
        this.redirectErrorStream = merge;
        return this;
    }

    /** {@return whether stderr goes to stdout} */
    public boolean redirectErrorStream() {
        return redirectErrorStream;
    }

    /**
     * All three streams {@code INHERIT}.
     *
     * @return this builder
     */
    public NamespacedProcessBuilder inheritIO() {
        Arrays.fill(redirects, ProcessBuilder.Redirect.INHERIT);
        return this;
    }

    // ---- namespaces -------------------------------------------------------------------------

    /**
     * Creates new namespaces of these types for the child, any of the eight. A new user
     * namespace is created first and owns the others; give it an id map
     * ({@link #uidMap}, {@link #mapRootToCurrentUser()}), else ids show as the overflow id 65534.
     *
     * @param types the types to add to the new namespaces
     * @return this builder
     */
    public NamespacedProcessBuilder unshare(Set<NamespaceType> types) {
        unshare.addAll(types);
        return this;
    }

    /**
     * Same as {@link #unshare(Set)}.
     *
     * @param types the types to add to the new namespaces
     * @return this builder
     */
    public NamespacedProcessBuilder unshare(NamespaceType... types) {
        return unshare(Set.of(types));
    }

    /** {@return the types of the new namespaces} */
    public Set<NamespaceType> unshared() {
        return EnumSet.copyOf(unshare.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : unshare);
    }

    /**
     * Puts the child into existing namespaces ({@code setns(2)} in the child, user namespaces
     * included, since the child is single-threaded). The user namespace is joined first; a PID
     * namespace is joined for the program by an intermediate process, as
     * {@code nsenter --fork} does. The handles must stay open until {@link #start()} returns.
     *
     * @param namespaces open handles, at most one per type
     * @return this builder
     */
    public NamespacedProcessBuilder join(Namespace... namespaces) {
        for (Namespace ns : namespaces) join.add(Objects.requireNonNull(ns, "namespace"));
        return this;
    }

    /**
     * Whether a child that joins a user namespace keeps its uid and gid ({@code true}) or, as
     * {@code nsenter(1)} does by default, drops supplementary groups and becomes uid 0 and gid 0
     * inside it ({@code false}, the default).
     *
     * @param preserve whether to keep the uid, gid and groups
     * @return this builder
     */
    public NamespacedProcessBuilder preserveCredentials(boolean preserve) {
        this.preserveCredentials = preserve;
        return this;
    }

    /**
     * Runs the command as {@code uid}, numbered as in its user namespace: the helper calls
     * {@code setresuid(2)} with it as real, effective and saved uid right before the exec, after
     * the namespaces, mounts and working directory are set up (as {@code unshare -S} and
     * {@code nsenter -S} do), in the command's own process, never in the JVM's memory. Going from
     * uid 0 to another clears the capabilities ({@code capabilities(7)}).
     *
     * <p>{@code start()} fails with a {@link NamespaceException} naming {@code setresuid} and its
     * errno when the kernel refuses: EINVAL for a uid the user namespace does not map, EPERM
     * without {@code CAP_SETUID} there.
     *
     * @param uid from 0 to 4294967294, or -1 to keep the uid the namespaces give (the default)
     * @return this builder
     * @throws IllegalArgumentException for a uid outside that range
     */
    public NamespacedProcessBuilder uid(long uid) {
        this.uid = checkId("uid", uid);
        return this;
    }

    /**
     * Runs the command with {@code gid} as real, effective and saved gid ({@code setresgid(2)}),
     * numbered as in its user namespace, and with no supplementary group: before it the helper
     * drops them with {@code setgroups(2)} and an empty list, as {@code unshare -G} and
     * {@code nsenter -G} do. Where {@code setgroups} is denied (a user namespace whose
     * {@code /proc/PID/setgroups} is {@code deny}) it goes on when no supplementary group is left,
     * and fails otherwise. Done right before the uid change, in the command's process.
     *
     * <p>{@code start()} fails with a {@link NamespaceException} naming the call and its errno
     * when the kernel refuses: EINVAL for a gid the user namespace does not map, EPERM without
     * {@code CAP_SETGID} there.
     *
     * @param gid from 0 to 4294967294, or -1 to keep the gid the namespaces give (the default)
     * @return this builder
     * @throws IllegalArgumentException for a gid outside that range
     */
    public NamespacedProcessBuilder gid(long gid) {
        this.gid = checkId("gid", gid);
        return this;
    }

    private static long checkId(String what, long id) {
        if (id < -1 || id >= 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("the " + what + " " + id + " is out of range: from 0 to 4294967294, or -1 to keep it");
        }
        return id;
    }

    /**
     * Whether the command keeps, across its exec, the capabilities its process holds in its new
     * or joined user namespace, as {@code unshare --keep-caps} and {@code nsenter --keep-caps}
     * do: right before the exec (after {@link #uid(long)} and {@link #gid(long)}) the helper makes
     * every capability up to {@code /proc/sys/kernel/cap_last_cap} inheritable
     * ({@code capset(2)}) and raises each into the ambient set ({@code prctl(2)}
     * {@code PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE}), so a command that is not uid 0 there gets
     * them as permitted and effective too. Without it such a command has none
     * ({@code CapEff: 0}): exec recomputes them.
     *
     * <p>Needs a new ({@link NamespaceType#USER}) or joined user namespace, where the helper holds
     * every capability. A {@link #uid(long)} change from uid 0 to another uid clears them first
     * ({@code capabilities(7)}): {@code start()} then fails at the {@code capset} step with EPERM.
     *
     * @param keep whether to keep them (default {@code false})
     * @return this builder
     */
    public NamespacedProcessBuilder keepCapabilities(boolean keep) {
        this.keepCapabilities = keep;
        return this;
    }

    /**
     * Sets the new user namespace's uid map (several ranges need root or newuidmap(1)).
     *
     * @param map the lines of {@code /proc/PID/uid_map}
     * @return this builder
     */
    public NamespacedProcessBuilder uidMap(IdMapping... map) {
        this.uidMap = List.of(map);
        return this;
    }

    /**
     * Sets the new user namespace's uid map.
     *
     * @param map the lines of {@code /proc/PID/uid_map}
     * @return this builder
     */
    public NamespacedProcessBuilder uidMap(List<IdMapping> map) {
        this.uidMap = List.copyOf(map);
        return this;
    }

    /**
     * Sets the new user namespace's gid map (several ranges need root or newgidmap(1)).
     *
     * @param map the lines of {@code /proc/PID/gid_map}
     * @return this builder
     */
    public NamespacedProcessBuilder gidMap(IdMapping... map) {
        this.gidMap = List.of(map);
        return this;
    }

    /**
     * Sets the new user namespace's gid map.
     *
     * @param map the lines of {@code /proc/PID/gid_map}
     * @return this builder
     */
    public NamespacedProcessBuilder gidMap(List<IdMapping> map) {
        this.gidMap = List.copyOf(map);
        return this;
    }

    /**
     * Maps root inside a new user namespace to the caller's uid and gid, denies setgroups, and
     * adds USER to the new namespaces: {@code unshare -r}. Works without privilege.
     *
     * @return this builder
     */
    public NamespacedProcessBuilder mapRootToCurrentUser() {
        unshare.add(NamespaceType.USER);
        uidMap = List.of(IdMapping.of(0, Native.getuid()));
        gidMap = List.of(IdMapping.of(0, Native.getgid()));
        setgroups = SetGroups.DENY;
        return this;
    }

    /**
     * Maps the caller's uid and gid to themselves inside a new user namespace ({@code --map-current-user}).
     *
     * @return this builder
     */
    public NamespacedProcessBuilder mapCurrentUser() {
        unshare.add(NamespaceType.USER);
        uidMap = List.of(IdMapping.of(Native.getuid(), Native.getuid()));
        gidMap = List.of(IdMapping.of(Native.getgid(), Native.getgid()));
        setgroups = SetGroups.DENY;
        return this;
    }

    /**
     * Sets what is written to {@code /proc/PID/setgroups} before the gid map.
     *
     * @param setgroups {@code allow} or {@code deny} ({@code user_namespaces(7)})
     * @return this builder
     */
    public NamespacedProcessBuilder setgroups(SetGroups setgroups) {
        this.setgroups = setgroups;
        return this;
    }

    /**
     * Sets the hostname in the child's (new or joined) UTS namespace.
     *
     * @param hostname the name ({@code sethostname(2)}), at most 64 bytes
     * @return this builder
     */
    public NamespacedProcessBuilder hostname(String hostname) {
        this.hostname = hostname;
        return this;
    }

    /**
     * Sets the NIS domain name in the child's (new or joined) UTS namespace.
     *
     * @param domainname the name ({@code setdomainname(2)}), at most 64 bytes
     * @return this builder
     */
    public NamespacedProcessBuilder domainname(String domainname) {
        this.domainname = domainname;
        return this;
    }

    /**
     * Brings up the loopback interface of the new network namespace before the exec, so that
     * 127.0.0.1 works inside. It works rootless: the child opens a netlink socket inside its
     * namespaces and the parent configures lo through a copy of it ({@code pidfd_getfd(2)}).
     * Needs NETWORK among the new namespaces.
     *
     * @param up whether to bring {@code lo} up
     * @return this builder
     */
    public NamespacedProcessBuilder loopback(boolean up) {
        this.loopback = up;
        return this;
    }

    // ---- mounts -----------------------------------------------------------------------------

    /**
     * Sets the propagation of {@code /} in a new mount namespace; {@link Propagation#PRIVATE} by default.
     *
     * @param propagation private, slave, shared or unchanged ({@code mount_namespaces(7)})
     * @return this builder
     */
    public NamespacedProcessBuilder propagation(Propagation propagation) {
        this.propagation = Objects.requireNonNull(propagation, "propagation");
        return this;
    }

    /**
     * Mounts a new procfs on {@code /proc} (needs new PID and mount namespaces).
     *
     * @return this builder
     */
    public NamespacedProcessBuilder mountProc() {
        return mountProc(Path.of("/proc"));
    }

    /**
     * Mounts a new procfs on {@code target}, inside the new root if there is one.
     *
     * @param target an absolute path
     * @return this builder
     */
    public NamespacedProcessBuilder mountProc(Path target) {
        mounts.add(new Mount.Proc(target));
        return this;
    }

    /**
     * Mounts a tmpfs on {@code target}, inside the new root if there is one.
     *
     * @param target an absolute path
     * @return this builder
     */
    public NamespacedProcessBuilder tmpfs(Path target) {
        mounts.add(new Mount.Tmpfs(target, null));
        return this;
    }

    /**
     * Bind-mounts {@code source} (a path outside, resolved before any pivot) onto {@code target}
     * (inside the new root if there is one), read-only if asked. The bind is recursive; read-only
     * applies to the top mount, not to mounts below it.
     *
     * @param source an absolute path in the caller's mount namespace
     * @param target an absolute path in the child's
     * @param readOnly whether the copy is read-only
     * @return this builder
     */
    public NamespacedProcessBuilder bind(Path source, Path target, boolean readOnly) {
        mounts.add(new Mount.Bind(source, target, readOnly));
        return this;
    }

    /** {@return the mounts, in order} */
    public List<Mount> mounts() {
        return List.copyOf(mounts);
    }

    /**
     * Makes {@code rootfs} the child's root with {@code pivot_root(2)}: it is bind-mounted onto
     * itself, pivoted into, and the old root detached, so the host's files are unreachable.
     * Needs a new mount namespace. Must be an absolute path to a directory.
     *
     * @param rootfs the new root directory, an absolute path
     * @return this builder
     */
    public NamespacedProcessBuilder rootfs(Path rootfs) {
        this.rootfs = rootfs;
        return this;
    }

    // ---- time, cgroup, lifetime, fds --------------------------------------------------------

    /**
     * Offsets CLOCK_MONOTONIC in a new time namespace. This adds TIME to the new namespaces, on
     * purpose: an offset means nothing without one, and {@code unshare --monotonic} implies
     * {@code -T} alike; {@link #unshared()} shows it. The child enters its time namespace at the exec, so before it (in a {@link ParentSetup}) the
     * namespace is {@code /proc/PID/ns/time_for_children}, not {@code /proc/PID/ns/time}.
     *
     * <p>The kernel keeps the clock plus its offset between 0 and {@code KTIME_SEC_MAX/2}
     * (4611686018 s, about 146 years): a negative offset goes back to the boot at most. This is
     * checked here, and again by {@link #start()}.
     *
     * @param offset added to CLOCK_MONOTONIC inside, negative or positive
     * @return this builder
     * @throws IllegalArgumentException for an offset outside that range, with the range
     */
    public NamespacedProcessBuilder monotonicOffset(Duration offset) {
        Request.Clocks.checkOffset("monotonic", Objects.requireNonNull(offset, "offset"));
        this.monotonicOffset = offset;
        unshare.add(NamespaceType.TIME);
        return this;
    }

    /**
     * Offsets CLOCK_BOOTTIME (and so {@code /proc/uptime}) in a new time namespace (adds TIME),
     * within the same range as {@link #monotonicOffset(Duration)}.
     *
     * @param offset added to CLOCK_BOOTTIME inside, negative or positive
     * @return this builder
     * @throws IllegalArgumentException for an offset outside that range, with the range
     */
    public NamespacedProcessBuilder boottimeOffset(Duration offset) {
        Request.Clocks.checkOffset("boottime", Objects.requireNonNull(offset, "offset"));
        this.boottimeOffset = offset;
        unshare.add(NamespaceType.TIME);
        return this;
    }

    /**
     * Starts the child directly in the cgroup v2 directory {@code cgroup} ({@code CLONE_INTO_CGROUP}).
     *
     * @param cgroup a cgroup v2 directory, such as {@code /sys/fs/cgroup/mygroup}
     * @return this builder
     */
    public NamespacedProcessBuilder cgroup(Path cgroup) {
        this.cgroup = cgroup;
        return this;
    }

    /**
     * Kills the child with SIGKILL when the JVM exits ({@code PR_SET_PDEATHSIG}).
     *
     * @return this builder
     */
    public NamespacedProcessBuilder dieWithParent() {
        return dieWithParent(9);
    }

    /**
     * Sends {@code signal} to the child when the JVM exits ({@code PR_SET_PDEATHSIG}); 0 turns
     * it off. The library spawns from a thread that lives as long as the JVM, since the signal
     * fires when the creating thread exits.
     *
     * @param signal the signal number, 0 for none
     * @return this builder
     * @throws IllegalArgumentException for a number that is no signal, or SIGCHLD, SIGCONT or SIGSTOP, which end nothing
     */
    public NamespacedProcessBuilder dieWithParent(int signal) {
        if (signal < 0 || signal > 64) throw new IllegalArgumentException("no signal " + signal);
        if (signal == 17 || signal == 18 || signal == 19) {
            // SIGCHLD tells an init to reap; SIGCONT and SIGSTOP end nothing.
            throw new IllegalArgumentException("signal " + signal + " cannot be a death signal: use one that ends a process,"
                    + " such as SIGKILL (9) or SIGTERM (15)");
        }
        this.deathSignal = signal;
        return this;
    }

    /**
     * With a new PID namespace, runs a minimal init as PID 1 that starts the command as its
     * child, reaps orphans, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and
     * SIGWINCH to it and exits with its status, like {@code tini} or {@code bwrap}. Without it the
     * command is PID 1 itself (and, having no handler, ignores {@link Process#destroy()}'s SIGTERM).
     *
     * <p>The init is linuxns's spawn helper, forked: a process of a few pages in an address space
     * of its own (none of the JVM's memory), shown as {@code linuxns-init}. With
     * {@link #dieWithParent(int)} it ends when the JVM does: it passes the signal on to the command,
     * exits, and the command then gets SIGKILL; without it, it outlives the JVM as long as the
     * command runs.
     *
     * @param init whether to run an init as PID 1
     * @return this builder
     */
    public NamespacedProcessBuilder init(boolean init) {
        this.init = init;
        return this;
    }

    /**
     * Keeps the caller's descriptor {@code parentFd} open in the child as {@code childFd}.
     *
     * @param parentFd an open descriptor of this JVM
     * @param childFd its number in the child, 3 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code childFd} is a stdio number (0-2, see the
     *         redirects), or was already given to an earlier call: one number holds one
     *         descriptor, and the earlier call would silently lose
     */
    public NamespacedProcessBuilder passFd(int parentFd, int childFd) {
        if (parentFd < 0 || childFd < 3) {
            throw new IllegalArgumentException("passFd(" + parentFd + ", " + childFd + "): use redirects for stdio (0-2)");
        }
        Integer earlier = passFds.get(childFd);
        if (earlier != null) {
            throw new IllegalArgumentException("passFd(" + earlier + ", " + childFd + ") and passFd(" + parentFd + ", " + childFd
                    + "): child fd " + childFd + " can hold only one descriptor; pass the other one as another number");
        }
        passFds.put(childFd, parentFd);
        return this;
    }

    /**
     * Whether the command inherits every descriptor of this process that is not close-on-exec,
     * as {@code execve(2)} itself would pass them ({@code fcntl(2)} {@code FD_CLOEXEC}), under
     * the same numbers; {@code false}, the default, closes all but stdio and
     * {@link #passFd(int, int)}'s, like {@link ProcessBuilder}. Stdio redirects and passed
     * descriptors still apply on top: they replace whatever held their numbers.
     *
     * <p>Meant for a command-line tool that must behave like {@code unshare(1)}: a shell's
     * {@code 3<file}, a FIFO or a {@code flock(1)} descriptor reaches the command. The library's
     * own descriptors (stdio pipes, pidfds, the spawn's pipes, {@link Namespace} and netlink
     * descriptors) are close-on-exec and never reach it. The JVM's are another matter: the JDK
     * opens without {@code O_CLOEXEC} ({@code FileInputStream}, {@code FileOutputStream},
     * {@code RandomAccessFile}, {@code FileChannel}, {@code Files.newInputStream}, sockets, the
     * {@code ZipFile}s of the class path; HotSpot's {@code lib/modules} image), so the command
     * also gets every such descriptor open at the moment of the spawn, those other threads open
     * meanwhile included. Mark the ones it must not have close-on-exec first, or pass the few it
     * needs with {@link #passFd(int, int)} instead.
     *
     * @param inherit whether every descriptor that is not close-on-exec stays open in the command
     * @return this builder
     */
    public NamespacedProcessBuilder inheritDescriptors(boolean inherit) {
        this.inheritDescriptors = inherit;
        return this;
    }

    /**
     * Whether the command inherits every descriptor that is not close-on-exec.
     *
     * @return the value given to {@link #inheritDescriptors(boolean)}, {@code false} by default
     */
    public boolean inheritDescriptors() {
        return inheritDescriptors;
    }

    /**
     * Adds work for the parent to do while the child waits before exec.
     *
     * @param setup the work; several run in the order added
     * @return this builder
     */
    public NamespacedProcessBuilder parentSetup(ParentSetup setup) {
        parentSetups.add(Objects.requireNonNull(setup, "setup"));
        return this;
    }

    /**
     * Validates the configuration and starts the process.
     *
     * @return the running process, backed by its pidfd
     * @throws IllegalArgumentException for an inconsistent configuration, before any system call
     * @throws ExecFailedException for a program that cannot be run, worded as
     *         {@link ProcessBuilder#start()} ({@code error=2, No such file or directory})
     * @throws NamespaceException naming the step that failed in the child, with errno; also when
     *         the system refuses executable memfds ({@code vm.memfd_noexec=2}), which every spawn needs
     * @throws UnsupportedOperationException on an architecture without a child program
     *         interpreter, or for a time namespace before Linux 6.0
     */
    public NamespacedProcess start() throws IOException {
        if (command.isEmpty()) throw new IllegalArgumentException("empty command");
        for (String s : command) Objects.requireNonNull(s, "command element");
        return Events.spawn(new Request(
                new Request.Exec(List.copyOf(command), directory, environment == null ? System.getenv() : Map.copyOf(environment)),
                new Request.Streams(redirects.clone(), redirectErrorStream, Map.copyOf(passFds), inheritDescriptors),
                new Request.Namespaces(unshared(), List.copyOf(join), preserveCredentials, hostname, domainname, loopback, cgroup),
                new Request.IdMaps(uidMap, gidMap, setgroups),
                new Request.Filesystem(propagation, List.copyOf(mounts), rootfs),
                new Request.Clocks(monotonicOffset, boottimeOffset),
                new Request.Lifetime(deathSignal, init, List.copyOf(parentSetups)),
                new Request.Credentials(uid, gid, keepCapabilities)), Spawner::spawn);
    }
}
