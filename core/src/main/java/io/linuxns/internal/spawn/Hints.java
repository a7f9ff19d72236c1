package io.linuxns.internal.spawn;

import io.linuxns.internal.Errno;

/** What to do about a child step that failed, by system call and errno. */
final class Hints {
    private Hints() {}

    static String forStep(ChildProgram.Step s, int errno) {
        String call = s.call();
        if (call.startsWith("setns(")) {
            return switch (errno) {
                case Errno.EPERM -> "joining needs CAP_SYS_ADMIN over the namespace's owning user namespace (and, for a user"
                        + " namespace, that the process is not already in it)";
                case Errno.EINVAL -> "the namespace cannot be joined from here (for a user namespace: one the process is"
                        + " already in, or an ancestor)";
                default -> null;
            };
        }
        if (call.startsWith("execveat(")) {
            return switch (errno) {
                case Errno.EACCES, Errno.EPERM -> HelperImage.MEMFD_EXEC_REFUSED;
                default -> "the spawn helper could not be executed";
            };
        }
        if (call.startsWith("unshare(")) {
            return switch (errno) {
                case Errno.EPERM -> "creating namespaces needs CAP_SYS_ADMIN: run as root, or create a new user namespace along"
                        + " with them (with root mapped to the caller) to work unprivileged";
                // The step's first argument is its CLONE_NEW* flags.
                case Errno.ENOSPC -> io.linuxns.internal.NamespaceLimits.hint(s.args()[0]);
                default -> null;
            };
        }
        // The command's own credentials (uid, gid, keepCapabilities): their steps are named for the command.
        if (call.startsWith("getgroups(") && s.what().endsWith("before the gid change")) {
            return "supplementary groups remain and setgroups(2) is denied in this user namespace (setgroups deny): allow it"
                    + " (SetGroups.ALLOW, which needs privilege over the parent namespace), or start without supplementary groups";
        }
        if ((call.startsWith("setresuid(") || call.startsWith("setresgid(")) && !s.what().contains("joined user namespace")) {
            String id = call.startsWith("setresuid(") ? "uid" : "gid";
            return switch (errno) {
                case Errno.EINVAL -> "the " + id + " is not mapped in the command's user namespace: map it (" + id + "Map), or choose"
                        + " one that is";
                case Errno.EPERM -> "changing the " + id + " needs CAP_SET" + id.toUpperCase(java.util.Locale.ROOT)
                        + " in the command's user namespace: ask for a new user namespace, or run as root";
                default -> null;
            };
        }
        if (call.startsWith("capset(")) {
            return errno == Errno.EPERM ? "the process no longer holds every capability of its user namespace: a uid change from 0"
                    + " to another clears them (capabilities(7)); keep uid 0, or do not ask for keepCapabilities" : null;
        }
        if (call.startsWith("prctl(PR_CAP_AMBIENT")) {
            return "raising an ambient capability needs it permitted and inheritable, and no SECBIT_NO_CAP_AMBIENT_RAISE";
        }
        if (call.startsWith("getgroups(")) {
            return "supplementary groups would survive the join (the joined user namespace denies setgroups, and the JVM"
                    + " may not drop them): drop them first, or use preserveCredentials(true) to keep them knowingly";
        }
        if (call.startsWith("setresuid(") || call.startsWith("setresgid(")) {
            return "uid or gid 0 is not mapped in the joined user namespace: map it, or use preserveCredentials(true)";
        }
        if (call.startsWith("mount(")) {
            return switch (errno) {
                case Errno.ENOENT -> "the mount point or source does not exist (inside the new root when there is one): create it first";
                case Errno.EPERM -> "this mount needs privilege over the mount namespace; in a new user namespace, a proc"
                        + " mount needs a new PID namespace too, and locked flags of the source cannot be dropped";
                case Errno.EINVAL -> "the source is not a mount point or the flags do not fit";
                default -> null;
            };
        }
        if (call.startsWith("openat2(") || call.startsWith("open_tree(") || call.startsWith("move_mount(")) {
            return switch (errno) {
                case Errno.ENOENT -> "the mount point or source does not exist (inside the new root when there is one): create it first";
                case Errno.ENOSYS -> "this kernel lacks the mount API (open_tree, move_mount: Linux 5.2; openat2: 5.6)";
                default -> null;
            };
        }
        if (call.startsWith("mount_setattr(")) {
            return errno == Errno.ENOSYS ? "read-only binds need mount_setattr (Linux 5.12 or later)" : null;
        }
        if (call.startsWith("pivot_root(")) {
            // The rootfs is bind-mounted onto itself first, so it is always a mount point of its own.
            return switch (errno) {
                case Errno.EBUSY -> "the new root is on the current root's own mount (is the rootfs / itself?): pivot_root needs"
                        + " a directory other than the current root";
                case Errno.EINVAL -> "pivot_root refuses when / or the new root's parent mount is shared (as with"
                        + " Propagation.SHARED, or UNCHANGED on a shared /), or when the current root is not a mount point (an"
                        + " initramfs, or inside a chroot)";
                case Errno.EPERM -> "pivot_root needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace";
                default -> null;
            };
        }
        if (call.startsWith("chdir(")) {
            return errno == Errno.ENOENT ? "the directory does not exist (inside the new root when there is one)" : null;
        }
        if (call.startsWith("sethostname(") || call.startsWith("setdomainname(")) {
            return errno == Errno.EINVAL ? "names are at most 64 bytes" : null;
        }
        if (call.startsWith("prctl(")) {
            return "the death signal must be a valid signal number";
        }
        return null;
    }
}
