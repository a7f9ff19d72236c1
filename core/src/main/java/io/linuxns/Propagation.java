package io.linuxns;

/**
 * Mount propagation applied recursively to {@code /} right after a new mount namespace is
 * created ({@code mount_namespaces(7)}, as {@code unshare --propagation}).
 */
public enum Propagation {
    /** {@code MS_REC|MS_PRIVATE}: no mount propagates in or out. The default. */
    PRIVATE,
    /** {@code MS_REC|MS_SLAVE}: mounts on the host propagate in, none out. */
    SLAVE,
    /** {@code MS_REC|MS_SHARED}: mounts propagate both ways between peers. */
    SHARED,
    /** Leave propagation as copied: on a systemd host, mounts made inside propagate out. */
    UNCHANGED
}
