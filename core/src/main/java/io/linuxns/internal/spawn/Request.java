package io.linuxns.internal.spawn;

import io.linuxns.IdMapping;
import io.linuxns.Mount;
import io.linuxns.Namespace;
import io.linuxns.NamespaceType;
import io.linuxns.ParentSetup;
import io.linuxns.Propagation;
import io.linuxns.SetGroups;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@code NamespacedProcessBuilder} was told, immutable, in groups that each part of
 * the engine takes on its own. Each group checks what it can on its own when it is built (before
 * any system call); {@link Spawner.Plan} checks how they fit together.
 */
public record Request(Exec exec, Streams streams, Namespaces namespaces, IdMaps ids, Filesystem filesystem,
                      Clocks clocks, Lifetime lifetime, Credentials credentials) {

    /** A request that leaves the command's credentials as the namespaces make them. */
    public Request(Exec exec, Streams streams, Namespaces namespaces, IdMaps ids, Filesystem filesystem, Clocks clocks, Lifetime lifetime) {
        this(exec, streams, namespaces, ids, filesystem, clocks, lifetime, Credentials.UNCHANGED);
    }

    /** What to execute, where, with which environment ({@code execve(2)}). */
    public record Exec(List<String> command, Path directory, Map<String, String> environment) {
        /**
         * Refuses NUL characters and malformed variable names, as ProcessBuilder does; the JVM's
         * own environment (a builder's that was never touched) came from a C environment and is
         * not checked on every spawn.
         */
        public Exec {
            for (String arg : command) {
                if (arg.indexOf('\u0000') >= 0) throw new IllegalArgumentException("invalid null character in command: " + command);
            }
            if (!Environment.isJvms(environment)) environment.forEach((k, v) -> {
                if (k.indexOf('\u0000') >= 0 || v.indexOf('\u0000') >= 0 || k.indexOf('=') >= 0 || k.isEmpty()) {
                    throw new IllegalArgumentException("invalid environment variable " + k);
                }
            });
        }
    }

    /**
     * stdin, stdout, stderr, descriptors passed on by number (child fd to parent fd), and whether
     * every other descriptor that is not close-on-exec stays open in the command, as through exec(2).
     */
    public record Streams(ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream, Map<Integer, Integer> passFds,
                          boolean inheritDescriptors) {}

    /** Namespaces to create and to join, and what is set up in them. */
    public record Namespaces(Set<NamespaceType> unshare, List<Namespace> join, boolean preserveCredentials,
                             String hostname, String domainname, boolean loopback, Path cgroup) {
        /** Checks the names and the cgroup directory. */
        public Namespaces {
            checkName("hostname", hostname);
            checkName("domain name", domainname);
            if (cgroup != null && !Files.isDirectory(cgroup)) {
                throw new IllegalArgumentException("cgroup " + cgroup + " is not a directory (a cgroup v2 group, for example"
                        + " /sys/fs/cgroup/NAME)");
            }
            if (cgroup != null) checkCgroup2(cgroup);
        }

        /**
         * CLONE_INTO_CGROUP takes only a directory of the cgroup v2 file system: the kernel
         * answers anything else with a bare EBADF. Checked in the calling thread's mount table,
         * where the directory is opened.
         */
        private static void checkCgroup2(Path cgroup) {
            Path real;
            try {
                real = cgroup.toRealPath();
            } catch (java.io.IOException e) {
                return; // gone meanwhile: the open before the clone says so
            }
            String fsType = io.linuxns.internal.MountTable.mountOf(real).fsType();
            if (fsType.equals("cgroup2")) return;
            String v2 = io.linuxns.internal.MountTable.read().stream().filter(e -> e.fsType().equals("cgroup2"))
                    .map(io.linuxns.internal.MountTable.Entry::mountPoint).findFirst()
                    .map(m -> "; the cgroup v2 hierarchy is mounted on " + m)
                    .orElse("; no cgroup v2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup)");
            throw new IllegalArgumentException("cgroup " + cgroup + " is not a cgroup v2 group: it is on "
                    + (fsType.equals("cgroup") ? "a cgroup v1 hierarchy" : fsType.isEmpty() ? "an unknown file system" : fsType)
                    + ", and CLONE_INTO_CGROUP takes only a directory of the cgroup2 file system" + v2);
        }
    }

    /**
     * {@code __NEW_UTS_LEN}: the kernel refuses longer names (EINVAL).
     */
    private static final int UTS_NAME_BYTES = 64;

    /**
     * {@code sethostname(2)} and {@code setdomainname(2)} take a length, not a C string: a NUL
     * would end the name early in silence, so it is refused, as in argv and env.
     */
    private static void checkName(String what, String name) {
        if (name == null) return;
        if (name.indexOf('\u0000') >= 0) throw new IllegalArgumentException("invalid null character in " + what + ": \""
                + name.replace("\u0000", "\\0") + "\"");
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > UTS_NAME_BYTES) {
            throw new IllegalArgumentException("the " + what + " \"" + name + "\" has " + bytes + " bytes in UTF-8; the kernel takes at most "
                    + UTS_NAME_BYTES + " bytes");
        }
    }

    /** uid and gid maps and setgroups of a new user namespace ({@code user_namespaces(7)}). */
    public record IdMaps(List<IdMapping> uidMap, List<IdMapping> gidMap, SetGroups setgroups) {
        /** Refuses overlapping ranges. */
        public IdMaps {
            IdMapping.validate("uid map", uidMap);
            IdMapping.validate("gid map", gidMap);
        }

        boolean any() {
            return !uidMap.isEmpty() || !gidMap.isEmpty() || setgroups != null;
        }
    }

    /** Propagation of {@code /}, the mounts in order, and the new root. */
    public record Filesystem(Propagation propagation, List<Mount> mounts, Path rootfs) {
        /** Checks that every path is absolute and the root is a directory. */
        public Filesystem {
            if (rootfs != null) {
                if (!rootfs.isAbsolute()) throw new IllegalArgumentException("rootfs must be an absolute path, got \"" + rootfs + "\"");
                if (!Files.isDirectory(rootfs)) throw new IllegalArgumentException("rootfs " + rootfs + " is not a directory");
                if (isCurrentRoot(rootfs)) {
                    // The child would bind / onto itself and chdir there, which still names the old root: EBUSY.
                    throw new IllegalArgumentException("rootfs " + rootfs + " is the current root: pivot_root(2) cannot make the"
                            + " root its own new root; give the directory that holds the new root's files, or no rootfs to keep /");
                }
            }
            for (Mount m : mounts) {
                if (m instanceof Mount.Bind b && !b.source().isAbsolute()) {
                    throw new IllegalArgumentException("bind source must be absolute: " + b.source());
                }
                if (!m.target().isAbsolute()) throw new IllegalArgumentException("mount target must be absolute: " + m.target());
            }
        }

        boolean any() {
            return !mounts.isEmpty() || rootfs != null;
        }

        /** Whether {@code dir} is {@code /}, through symbolic links too, as the calling thread sees it. */
        private static boolean isCurrentRoot(Path dir) {
            try {
                return dir.toRealPath().getNameCount() == 0;
            } catch (java.io.IOException e) {
                return false; // gone meanwhile: the child's steps will say so
            }
        }
    }

    /** Offsets of a new time namespace ({@code time_namespaces(7)}). */
    public record Clocks(Duration monotonicOffset, Duration boottimeOffset) {
        /**
         * {@code KTIME_SEC_MAX / 2}: in a time namespace the kernel keeps each clock plus its
         * offset between 0 and this many seconds, so that the clock can never reach
         * {@code KTIME_MAX} (kernel/time/namespace.c, ERANGE otherwise).
         */
        public static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L / 2;

        /** Checks both offsets against the kernel's range, as the clocks stand now. */
        public Clocks {
            checkOffset("monotonic", Objects.requireNonNull(monotonicOffset, "monotonicOffset"));
            checkOffset("boottime", Objects.requireNonNull(boottimeOffset, "boottimeOffset"));
        }

        /**
         * Refuses an offset the kernel would refuse with ERANGE: the clock ({@code "monotonic"}
         * or {@code "boottime"}) plus the offset must lie in [0, {@link #MAX_SECONDS}] seconds. A
         * negative offset may thus go back to the boot, no further. The clock only grows, so an
         * offset accepted now stays acceptable but for the last seconds below the upper limit.
         *
         * @throws IllegalArgumentException naming the clock, the offset and the range it must be in
         */
        public static void checkOffset(String clock, Duration offset) {
            if (offset.isZero()) return; // nothing is written for it
            Duration now = clock.equals("boottime") ? bootTime() : Duration.ofNanos(System.nanoTime());
            // Far outside first: now.plus(offset) could overflow a Duration.
            boolean out = offset.getSeconds() > MAX_SECONDS || offset.getSeconds() < -MAX_SECONDS - 1;
            if (!out) {
                Duration inside = now.plus(offset);
                out = inside.isNegative() || inside.getSeconds() > MAX_SECONDS;
            }
            if (out) {
                String name = "CLOCK_" + clock.toUpperCase(java.util.Locale.ROOT);
                throw new IllegalArgumentException("the " + clock + " offset " + seconds(offset) + " is out of range: the kernel keeps "
                        + name + " plus its offset between 0 and " + MAX_SECONDS + " s (KTIME_SEC_MAX/2, time_namespaces(7)); with "
                        + name + " at " + now.getSeconds() + " s now, the offset must be from -" + now.getSeconds() + " s to "
                        + (MAX_SECONDS - now.getSeconds()) + " s");
            }
        }

        /**
         * CLOCK_BOOTTIME, from {@code /proc/uptime} (to the hundredth of a second; the JDK has no
         * clock for it). If it cannot be read, CLOCK_MONOTONIC, which is never ahead of it.
         */
        private static Duration bootTime() {
            try {
                String first = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
                return Duration.ofMillis(new java.math.BigDecimal(first).movePointRight(3).longValue());
            } catch (java.io.IOException | RuntimeException e) {
                return Duration.ofNanos(System.nanoTime());
            }
        }

        /** {@code -99999999999 s}, {@code 1.5 s}: a Duration's ISO form (PT-27777777H46M39S) reads badly here. */
        private static String seconds(Duration d) {
            return new java.math.BigDecimal(d.getSeconds()).add(java.math.BigDecimal.valueOf(d.getNano(), 9))
                    .stripTrailingZeros().toPlainString() + " s";
        }
    }

    /** How the process lives: its death signal, an init as PID 1, the parent's work before the exec. */
    public record Lifetime(int deathSignal, boolean init, List<ParentSetup> parentSetups) {}

    /**
     * The command's own uid and gid ({@code setresuid(2)}, {@code setresgid(2)} after
     * {@code setgroups(2)} drops the supplementary groups), as its user namespace numbers them,
     * and whether it keeps its capabilities in that namespace across the exec as ambient ones
     * ({@code prctl(2)} {@code PR_CAP_AMBIENT_RAISE}). -1: unchanged.
     */
    public record Credentials(long uid, long gid, boolean ambientCapabilities) {
        /** Nothing changed: the credentials the namespaces give. */
        public static final Credentials UNCHANGED = new Credentials(-1, -1, false);

        /** Refuses ids outside what a 32-bit {@code uid_t} can hold ({@code (uid_t) -1} means "unchanged" to the kernel). */
        public Credentials {
            checkId("uid", uid);
            checkId("gid", gid);
        }

        private static void checkId(String what, long id) {
            if (id < -1 || id >= 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("the " + what + " " + id + " is out of range: ids are from 0 to 4294967294"
                        + " ((" + what + "_t) -1 means \"unchanged\" to the kernel)");
            }
        }

        boolean any() {
            return uid >= 0 || gid >= 0 || ambientCapabilities;
        }
    }
}
