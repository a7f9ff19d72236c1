package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.MountTable;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A handle on a namespace: an {@code O_CLOEXEC} file descriptor on an {@code nsfs} file such
 * as {@code /proc/PID/ns/net} ({@code namespaces(7)}, {@code ioctl_ns(2)}).
 *
 * <p>The handle keeps the namespace alive while it is open, can be joined by a
 * {@link NamespaceExecutor} or a {@link NamespacedProcessBuilder}, and can be
 * {@linkplain #persist(Path) bind-mounted onto a file} to outlive every process in it.
 * Two handles are {@linkplain #equals(Object) equal} when they refer to the same namespace,
 * that is the same (device, inode) pair of the nsfs file; {@link #toString()} reads like the
 * target of the {@code /proc} link, for example {@code net:[4026532178]}.
 *
 * <p>Opening a handle never changes any thread's namespaces, so it may be done on any thread.
 * Methods on a closed handle throw {@link IllegalStateException}.
 */
public final class Namespace implements AutoCloseable {
    private static final int O_RDONLY_CLOEXEC = LinuxNs.O_RDONLY() | LinuxNs.O_CLOEXEC();

    private final NamespaceType type;
    private final long device;
    private final long inode;
    private final String origin;
    private final Descriptor descriptor;
    private final Cleaner.Cleanable cleanable;

    private Namespace(int fd, NamespaceType type, long device, long inode, String origin) {
        this.descriptor = new Descriptor(fd);
        this.cleanable = Descriptor.CLEANER.register(this, descriptor);
        this.type = type;
        this.device = device;
        this.inode = inode;
        this.origin = origin;
    }

    /**
     * Opens the namespace of {@code type} that the calling thread is in
     * ({@code /proc/thread-self/ns/TYPE}; {@code /proc/self/ns} would show the main thread's).
     *
     * @param type the namespace type
     * @return a new handle, which the caller closes
     * @throws NamespaceException if the kernel refuses, for example when it lacks the type
     */
    public static Namespace ofCurrentThread(NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        return openTyped("/proc/thread-self/ns/" + type.procName(), type);
    }

    /**
     * Opens the namespace of {@code type} of process {@code pid} ({@code /proc/PID/ns/TYPE}).
     *
     * @param pid the process
     * @param type the namespace type
     * @return a new handle, which the caller closes
     * @throws NamespaceException with errno ENOENT if there is no such process, EACCES if the
     *         caller may not inspect it ({@code ptrace} access mode is checked)
     * @throws IllegalArgumentException if {@code pid} is not positive
     */
    public static Namespace ofProcess(long pid, NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive, got " + pid);
        String path = "/proc/" + pid + "/ns/" + type.procName();
        int fd = Native.rawOpen(path, O_RDONLY_CLOEXEC, 0);
        if (fd == -Errno.ENOENT) {
            throw new NamespaceException("open(\"" + path + "\")", Errno.ENOENT,
                    Files.isDirectory(Path.of("/proc/" + pid)) ? "the kernel lacks " + type + " namespaces"
                            : "there is no process with pid " + pid);
        }
        if (fd < 0) throw new NamespaceException("open(\"" + path + "\")", -fd, null);
        return wrap(fd, type, path);
    }

    /**
     * Opens a namespace file: a {@code /proc/PID/ns/*} link, or a file a namespace was
     * {@linkplain #persist(Path) persisted} on (as by {@code ip netns add} or
     * {@code unshare --net=FILE}). Its type is asked of the kernel ({@code NS_GET_NSTYPE}).
     *
     * @param path the namespace file
     * @return a new handle, which the caller closes
     * @throws NamespaceException if the file cannot be opened or is not a namespace
     */
    public static Namespace open(Path path) throws NamespaceException {
        Objects.requireNonNull(path, "path");
        String p = path.toString();
        int fd = Native.open(p, O_RDONLY_CLOEXEC, 0);
        int nstype = Native.rawIoctl(fd, LinuxNs.NS_GET_NSTYPE(), 0L);
        if (nstype < 0) {
            Native.close(fd);
            throw new NamespaceException("ioctl(\"" + p + "\", NS_GET_NSTYPE)", -nstype,
                    -nstype == Errno.ENOTTY ? p + " is not a namespace file: use /proc/PID/ns/TYPE or a file a namespace was persisted on"
                            : null);
        }
        NamespaceType type = NamespaceType.ofCloneFlag(nstype).orElse(null);
        if (type == null) {
            Native.close(fd);
            throw new NamespaceException("ioctl(\"" + p + "\", NS_GET_NSTYPE) returned unknown type 0x"
                    + Integer.toHexString(nstype), 0, null);
        }
        return wrap(fd, type, p);
    }

    /**
     * Opens the network namespace of a socket that process {@code pid} holds as descriptor
     * {@code fd}: the socket is duplicated with {@code pidfd_getfd(2)} (Linux 5.6+; needs
     * ptrace access to the process) and asked with {@code SIOCGSKNS} ({@code socket(7)}). A
     * socket keeps its namespace alive after every process has left it, so this reaches
     * namespaces that no {@code /proc/PID/ns} link or bind mount shows, as {@code lsns} does.
     *
     * @param pid the process holding the socket
     * @param fd its descriptor number in that process
     * @return a new handle on the socket's network namespace, which the caller closes
     * @throws NamespaceException ESRCH, EPERM or EBADF from {@code pidfd_getfd}; ENOTTY if
     *         the descriptor is not a socket
     */
    public static Namespace ofSocket(long pid, int fd) throws NamespaceException {
        int socket = io.linuxns.internal.NetlinkSocket.duplicateFromProcess(pid, fd);
        int ns = Native.rawIoctl(socket, LinuxNs.SIOCGSKNS(), 0L);
        Native.close(socket);
        if (ns < 0) {
            throw new NamespaceException("ioctl(fd " + fd + " of pid " + pid + ", SIOCGSKNS)", -ns,
                    -ns == Errno.ENOTTY ? "the descriptor is not a socket" : null);
        }
        return wrap(ns, NamespaceType.NETWORK, "socket fd " + fd + " of pid " + pid);
    }

    private static Namespace openTyped(String path, NamespaceType type) throws NamespaceException {
        return wrap(Native.open(path, O_RDONLY_CLOEXEC, 0), type, path);
    }

    /** Takes ownership of {@code fd}: closes it if it cannot be wrapped. */
    static Namespace wrap(int fd, NamespaceType type, String origin) throws NamespaceException {
        try {
            long[] devIno = Native.devIno(fd);
            return new Namespace(fd, type, devIno[0], devIno[1], origin);
        } catch (NamespaceException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /** {@return the namespace type} */
    public NamespaceType type() {
        return type;
    }

    /** {@return the inode number of the namespace, as shown in {@code net:[4026532178]}} */
    public long inode() {
        return inode;
    }

    /** {@return the device number of the nsfs file system} */
    public long device() {
        return device;
    }

    /**
     * {@return the file descriptor} It stays owned by this handle: do not close it.
     *
     * @throws IllegalStateException if the handle is closed
     */
    public int fd() {
        int fd = descriptor.fd;
        if (fd < 0) throw new IllegalStateException("namespace handle " + this + " (" + origin + ") is closed");
        return fd;
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return descriptor.fd < 0;
    }

    /**
     * Opens the user namespace that owns this namespace ({@code NS_GET_USERNS}).
     *
     * @return a new handle on the owning user namespace, which the caller closes
     * @throws NamespaceException EPERM if that namespace is outside the caller's
     */
    public Namespace owner() throws NamespaceException {
        return related(LinuxNs.NS_GET_USERNS(), "NS_GET_USERNS", NamespaceType.USER,
                "the owning user namespace is outside the caller's user namespace");
    }

    /**
     * Opens the parent of this PID or user namespace ({@code NS_GET_PARENT}).
     *
     * @return a new handle on the parent namespace, which the caller closes
     * @throws NamespaceException EINVAL if this is not a PID or user namespace, EPERM if the
     *         parent is outside the caller's namespace
     */
    public Namespace parent() throws NamespaceException {
        if (type != NamespaceType.PID && type != NamespaceType.USER) {
            throw new NamespaceException("ioctl(" + this + ", NS_GET_PARENT)", Errno.EINVAL,
                    "only PID and user namespaces have parents; " + type + " namespaces are owned by a user namespace, see owner()");
        }
        return related(LinuxNs.NS_GET_PARENT(), "NS_GET_PARENT", type,
                "this is the root namespace, or its parent is outside the caller's namespace");
    }

    private Namespace related(long request, String name, NamespaceType resultType, String epermHint) throws NamespaceException {
        int r = Native.rawIoctl(fd(), request, 0L);
        if (r < 0) {
            throw new NamespaceException("ioctl(" + this + ", " + name + ")", -r, -r == Errno.EPERM ? epermHint : null);
        }
        return wrap(r, resultType, name + " of " + this);
    }

    /**
     * {@return the uid, in the caller's user namespace, of the creator of this user namespace}
     * ({@code NS_GET_OWNER_UID})
     *
     * @throws NamespaceException EINVAL if this is not a user namespace
     */
    public int ownerUid() throws NamespaceException {
        if (type != NamespaceType.USER) {
            throw new NamespaceException("ioctl(" + this + ", NS_GET_OWNER_UID)", Errno.EINVAL,
                    "only user namespaces have an owner uid; use owner().ownerUid()");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uid = arena.allocate(JAVA_INT);
            int r = Native.rawIoctl(fd(), LinuxNs.NS_GET_OWNER_UID(), uid);
            if (r < 0) throw new NamespaceException("ioctl(" + this + ", NS_GET_OWNER_UID)", -r, null);
            return uid.get(JAVA_INT, 0);
        }
    }

    /**
     * Keeps this namespace alive after every process in it is gone by bind-mounting it onto
     * {@code file} in the caller's mount namespace, like {@code ip netns add} or
     * {@code unshare --net=FILE}. The file is created (empty, mode 0444) if absent; this JVM
     * remembers that it did, so that {@link #unpersist(Path)} removes that file and no other.
     * A missing directory for it is created (mode 0755) when its own parent exists, as
     * {@code ip netns add} creates {@code /run/netns}: {@code persist(Path.of("/run/netns/demo"))}
     * works on a fresh host. Like {@code ip netns delete}, {@code unpersist} leaves the
     * directory.
     *
     * <p>If the mount holding {@code file} is shared, the bind mount would propagate to its
     * peers (and the kernel refuses it for mount namespaces), so that mount is made private
     * first; when the file's directory is not itself a mount point it is bind-mounted onto
     * itself to become one, as {@code ip netns} does with {@code /run/netns}, so that only that
     * directory changes propagation.
     *
     * @param file where to mount it: an absent or empty file, in a directory that exists or
     *        whose parent does
     * @throws NamespaceException if a mount fails, or ENOENT if neither the file's directory nor
     *         its parent exists; the file and directory created here are removed again
     */
    public void persist(Path file) throws NamespaceException {
        Objects.requireNonNull(file, "file");
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        boolean madeDir = false;
        if (dir != null && !Files.isDirectory(dir) && dir.getParent() != null && Files.isDirectory(dir.getParent())) {
            madeDir = createDirectory(dir);
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NamespaceException("persist(" + this + ", \"" + target + "\")", Errno.ENOENT,
                    "neither the directory " + dir + " nor its parent exists: create them first");
        }
        try {
            persistIn(dir, target);
        } catch (NamespaceException | RuntimeException e) {
            if (madeDir) {
                // On a shared mount the new directory was bound onto itself first: undo that too.
                if (MountTable.mountOf(dir).mountPoint().equals(dir.toString())) Native.rawUmount2(dir.toString(), LinuxNs.MNT_DETACH());
                deleteQuietly(dir);
            }
            throw e;
        }
    }

    /** {@code mkdir DIR} with mode 0755 (less the umask), as {@code ip netns add} makes {@code /run/netns}; false if another process made it first. */
    private static boolean createDirectory(Path dir) throws NamespaceException {
        try {
            Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (java.io.IOException e) {
            throw new NamespaceException("mkdir(\"" + dir + "\") for a persisted namespace failed: " + e, e);
        }
    }

    private void persistIn(Path dir, Path target) throws NamespaceException {
        MountTable.makePrivateIfShared(dir);
        FileId created = null;
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            int f = Native.open(target.toString(), LinuxNs.O_WRONLY() | LinuxNs.O_CREAT() | LinuxNs.O_EXCL() | LinuxNs.O_CLOEXEC(), 0444);
            try {
                long[] devIno = Native.devIno(f);
                created = new FileId(devIno[0], devIno[1]);
            } finally {
                Native.close(f);
            }
        }
        int r = Native.rawMount("/proc/self/fd/" + fd(), target.toString(), null, LinuxNs.MS_BIND(), null);
        if (r < 0) {
            if (created != null) deleteQuietly(target);
            throw new NamespaceException("mount(\"/proc/self/fd/" + descriptor.fd + "\" (" + this + "), \"" + target + "\", MS_BIND)", -r,
                    -r == Errno.EINVAL && type == NamespaceType.MOUNT
                            ? "a mount namespace cannot be persisted inside itself or where it would create a loop: persist it from another mount namespace"
                            : null);
        }
        if (created != null) CREATED_BY_PERSIST.put(realPath(target), created);
    }

    /**
     * Undoes {@link #persist(Path)}: detaches the namespace mounted on {@code file}
     * ({@code umount2(MNT_DETACH)}). The namespace lives on while a process or handle still
     * refers to it.
     *
     * <p>Nothing else is ever unmounted: the mount on {@code file} must be a namespace
     * ({@code NS_GET_NSTYPE} succeeds on it), {@code file} itself not a symbolic link, and the
     * mount detached is the very one checked (through its descriptor, not the path again). The
     * file is deleted only if {@code persist} in this JVM created it and it is still that empty
     * file, with no other namespace mounted on it; any other file (one that existed before, one
     * made by another process such as {@code ip netns add}) stays, as {@code umount(8)} would
     * leave it.
     *
     * @param file the file a namespace is mounted on
     * @throws NamespaceException ENOENT if there is no {@code file}; ENOTTY if no namespace is
     *         mounted on it, and errno 0 if it is a symbolic link, a directory or another file
     *         that cannot be one (the message says what is there): nothing is unmounted or
     *         deleted then
     */
    public static void unpersist(Path file) throws NamespaceException {
        Objects.requireNonNull(file, "file");
        Path target = file.toAbsolutePath().normalize();
        String p = target.toString();
        // A namespace file is a regular file (nsfs gives it S_IFREG): anything else is refused
        // before it is opened (a FIFO would block the open, a device might act on it).
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new NamespaceException("lstat(\"" + p + "\")", Errno.ENOENT, "nothing was unmounted");
        } catch (java.io.IOException e) {
            throw new NamespaceException("unpersist(\"" + p + "\"): " + e.getMessage(), e);
        }
        if (attributes.isSymbolicLink()) {
            throw new NamespaceException("unpersist(\"" + p + "\")", 0,
                    p + " is a symbolic link, not a persisted namespace: nothing was unmounted or deleted");
        }
        if (!attributes.isRegularFile()) {
            throw new NamespaceException("unpersist(\"" + p + "\")", 0,
                    p + " is not a persisted namespace (" + whatIsMountedOn(target) + "): nothing was unmounted or deleted");
        }
        // O_NOFOLLOW: should the file turn into a symbolic link meanwhile, it is not followed.
        int fd = Native.open(p, O_RDONLY_CLOEXEC | LinuxNs.O_NOFOLLOW(), 0);
        try {
            int nstype = Native.rawIoctl(fd, LinuxNs.NS_GET_NSTYPE(), 0L);
            if (nstype < 0) {
                throw new NamespaceException("ioctl(\"" + p + "\", NS_GET_NSTYPE)", -nstype,
                        p + " is not a persisted namespace (" + whatIsMountedOn(target) + "): nothing was unmounted or deleted");
            }
            // Through the descriptor's link: the mount checked above, even if another was mounted
            // over the path meanwhile. Only a namespace mounted with a bind is reached without a
            // symbolic link, so this is the root of that bind mount.
            String self = "/proc/thread-self/fd/" + fd;
            int r = Native.rawUmount2(self, LinuxNs.MNT_DETACH());
            if (r < 0) {
                throw new NamespaceException("umount2(\"" + self + "\" (" + p + "), MNT_DETACH)", -r,
                        -r == Errno.EINVAL ? p + " is a namespace file but not a mount point in this mount namespace" : null);
            }
        } finally {
            Native.close(fd);
        }
        deleteIfPersistMadeIt(target);
    }

    /** The (device, inode) of a file that {@link #persist} created, to know it again. */
    private record FileId(long device, long inode) {}

    /**
     * The files this JVM's {@code persist} created, by real path: only those may be deleted. A
     * file's mere emptiness proves nothing (the caller's own empty file looks the same).
     */
    private static final Map<Path, FileId> CREATED_BY_PERSIST = new ConcurrentHashMap<>();

    private static void deleteIfPersistMadeIt(Path target) {
        Path real = realPath(target);
        FileId id = CREATED_BY_PERSIST.get(real);
        if (id == null) return;
        try {
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long dev = (Long) Files.getAttribute(real, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            long ino = (Long) Files.getAttribute(real, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            // Another namespace still mounted on it shows its own nsfs inode: the file waits for the last unpersist.
            if (a.isRegularFile() && a.size() == 0 && dev == id.device() && ino == id.inode()) {
                Files.delete(real);
                CREATED_BY_PERSIST.remove(real, id);
            }
        } catch (java.io.IOException | UnsupportedOperationException ignored) {
            // The mount is gone, which is what matters; an empty file left behind is harmless.
        }
    }

    /** {@code path} with its directory's symbolic links resolved, as mountinfo shows it (or as given, if that fails). */
    private static Path realPath(Path path) {
        try {
            return path.getParent().toRealPath().resolve(path.getFileName());
        } catch (java.io.IOException | RuntimeException e) {
            return path;
        }
    }

    /** For a refusal: the file system mounted exactly on {@code path}, or what kind of file it is. */
    private static String whatIsMountedOn(Path path) {
        Path real = realPath(path);
        try {
            MountTable.Entry top = null;
            for (MountTable.Entry e : MountTable.read()) {
                if (e.mountPoint().equals(real.toString())) top = e; // the last line is the visible mount
            }
            if (top != null) return top.fsType() + " is mounted on it";
        } catch (RuntimeException ignored) {
            // mountinfo unreadable: say what the file is
        }
        return Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS) ? "a directory with no namespace mounted on it"
                : "a file with no namespace mounted on it";
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (java.io.IOException ignored) {
            // The mount is gone, which is what matters; an empty file left behind is harmless.
        }
    }

    /** Closes the descriptor. The namespace itself lives on while anything else refers to it. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * The descriptor, closed once: by {@link #close()}, or by the cleaner when a handle nobody
     * closed becomes unreachable (a forgotten handle must not keep a namespace alive forever).
     */
    private static final class Descriptor implements Runnable {
        /** Its thread is started by the origin thread, in the namespaces the JVM started in. */
        static final Cleaner CLEANER = OriginThread.call(Cleaner::create);

        volatile int fd;

        Descriptor(int fd) {
            this.fd = fd;
        }

        @Override
        public synchronized void run() {
            if (fd >= 0) {
                Native.close(fd);
                fd = -1;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Namespace n && n.inode == inode && n.device == device;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(inode) * 31 + Long.hashCode(device);
    }

    /** {@return the namespace as its {@code /proc} link reads, for example {@code net:[4026532178]}} */
    @Override
    public String toString() {
        return type.procName() + ":[" + inode + "]";
    }
}
