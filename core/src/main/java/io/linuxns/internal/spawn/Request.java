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
import java.util.Set;

/**
 * Everything {@code NamespacedProcessBuilder} was told, immutable, in groups that each part of
 * the engine takes on its own. Each group checks what it can on its own when it is built (before
 * any system call); {@link Spawner.Plan} checks how they fit together.
 */
public record Request(Exec exec, Streams streams, Namespaces namespaces, IdMaps ids, Filesystem filesystem,
                      Clocks clocks, Lifetime lifetime) {

    /** What to execute, where, with which environment ({@code execve(2)}). */
    public record Exec(List<String> command, Path directory, Map<String, String> environment) {
        /** Refuses NUL characters and malformed variable names, as ProcessBuilder does. */
        public Exec {
            for (String arg : command) {
                if (arg.indexOf('\u0000') >= 0) throw new IllegalArgumentException("invalid null character in command: " + command);
            }
            environment.forEach((k, v) -> {
                if (k.indexOf('\u0000') >= 0 || v.indexOf('\u0000') >= 0 || k.indexOf('=') >= 0 || k.isEmpty()) {
                    throw new IllegalArgumentException("invalid environment variable " + k);
                }
            });
        }
    }

    /** stdin, stdout, stderr, and descriptors passed on by number (child fd to parent fd). */
    public record Streams(ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream, Map<Integer, Integer> passFds) {}

    /** Namespaces to create and to join, and what is set up in them. */
    public record Namespaces(Set<NamespaceType> unshare, List<Namespace> join, boolean preserveCredentials,
                             String hostname, String domainname, boolean loopback, Path cgroup) {
        /** Checks the cgroup directory. */
        public Namespaces {
            if (cgroup != null && !Files.isDirectory(cgroup)) {
                throw new IllegalArgumentException("cgroup " + cgroup + " is not a directory (a cgroup v2 group, for example"
                        + " /sys/fs/cgroup/NAME)");
            }
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
    }

    /** Offsets of a new time namespace ({@code time_namespaces(7)}). */
    public record Clocks(Duration monotonicOffset, Duration boottimeOffset) {
        /** The kernel allows negative offsets only down to the current clock value: say so clearly. */
        public Clocks {
            for (Duration d : List.of(monotonicOffset, boottimeOffset)) {
                if (d.isNegative() && d.abs().toNanos() > System.nanoTime()) {
                    throw new IllegalArgumentException("a negative clock offset larger than the clock itself (" + d + ") is refused");
                }
            }
        }
    }

    /** How the process lives: its death signal, an init as PID 1, the parent's work before the exec. */
    public record Lifetime(int deathSignal, boolean init, List<ParentSetup> parentSetups) {}
}
