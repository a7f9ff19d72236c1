package io.linuxns;

/**
 * What to write to {@code /proc/PID/setgroups} of a new user namespace
 * ({@code user_namespaces(7)}). An unprivileged caller must deny {@code setgroups(2)} before it
 * may write a {@code gid_map}.
 */
public enum SetGroups {
    /** {@code allow}: processes inside may call {@code setgroups(2)} once a gid_map exists. */
    ALLOW,
    /** {@code deny}: {@code setgroups(2)} fails inside; needed for an unprivileged gid_map. */
    DENY
}
