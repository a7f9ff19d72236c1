package io.linuxns;

import java.nio.file.Path;

/**
 * A mount a spawned child makes, in order, after its mount namespace exists
 * ({@link NamespacedProcessBuilder#tmpfs}, {@link NamespacedProcessBuilder#bind},
 * {@link NamespacedProcessBuilder#mountProc}). Inside a {@link NamespacedProcessBuilder#rootfs}
 * targets are resolved inside the new root ({@code openat2(2)} with {@code RESOLVE_IN_ROOT}).
 * See {@code mount(2)}, {@code open_tree(2)}, {@code move_mount(2)}, {@code mount_setattr(2)}.
 */
public sealed interface Mount {
    /** {@return where the mount goes: an absolute path, inside the new root when there is one} */
    Path target();

    /**
     * A tmpfs on {@code target}, {@code nosuid,nodev}, with tmpfs {@code options} (default {@code mode=0755}).
     *
     * @param target where it is mounted
     * @param options tmpfs options, such as {@code size=64m,mode=0700}
     */
    record Tmpfs(Path target, String options) implements Mount {}

    /**
     * {@code source} bind-mounted on {@code target} (recursively), read-only if asked: read-only
     * is added to the copy with {@code mount_setattr(MOUNT_ATTR_RDONLY)}, every other flag of the
     * source (nosuid, nodev, noexec, atime) is kept.
     *
     * @param source the directory or file to bind, an absolute path in the caller's mount namespace
     * @param target where it is mounted
     * @param readOnly whether the copy is read-only
     */
    record Bind(Path source, Path target, boolean readOnly) implements Mount {}

    /**
     * A new procfs on {@code target}, {@code nosuid,nodev,noexec}, for the child's PID namespace.
     *
     * @param target where it is mounted, usually {@code /proc}
     */
    record Proc(Path target) implements Mount {}
}
