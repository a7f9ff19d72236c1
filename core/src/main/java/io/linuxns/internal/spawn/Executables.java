package io.linuxns.internal.spawn;

import io.linuxns.ExecFailedException;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.internal.Errno;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the program to execute, as {@code execvp(3)} would: a command with a slash is used as
 * it is, any other is looked up in the child's {@code PATH}. When the child sees the same file
 * system as the caller, the lookup happens here, and a missing program fails before any clone
 * with the message {@link ProcessBuilder} gives; otherwise (a new root, mounts) every candidate
 * becomes an {@code execve} step and the child tries them in order. A path given with a slash to
 * a direct spawn is not looked at here: its child's {@code execve} fails with the same errno and
 * the same message ({@code Spawner}: a direct child's failure is known when {@code clone3}
 * returns), and an {@code access(2)} on every spawn is saved.
 */
final class Executables {
    private Executables() {}

    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /**
     * @param direct a direct spawn ({@code Spawner.Plan.direct}): a path with a slash is left to
     *               the child's {@code execve}
     */
    static List<String> candidates(Request r, boolean direct) throws NamespaceException {
        String cmd = r.exec().command().get(0);
        boolean sameFiles = r.filesystem().rootfs() == null && r.filesystem().mounts().isEmpty()
                && !joinsMountNamespace(r);
        if (cmd.isEmpty()) throw notFound(r);
        if (cmd.indexOf('/') >= 0) {
            if (sameFiles && !direct) {
                Path p = Path.of(cmd);
                if (!p.isAbsolute() && r.exec().directory() != null) p = r.exec().directory().resolve(p);
                if (!Files.exists(p)) throw notFound(r);
            }
            return List.of(cmd);
        }
        String path = r.exec().environment().getOrDefault("PATH", System.getenv().getOrDefault("PATH", DEFAULT_PATH));
        List<String> all = new ArrayList<>();
        for (String dir : path.split(":", -1)) {
            all.add((dir.isEmpty() ? "." : dir) + "/" + cmd);
        }
        if (!sameFiles) return all;
        for (String c : all) {
            Path p = Path.of(c);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return List.of(c);
        }
        throw notFound(r);
    }

    /** A loop, not a stream: this runs on every spawn, and a stream pipeline is a dozen more methods for the JIT there. */
    private static boolean joinsMountNamespace(Request r) {
        for (io.linuxns.Namespace ns : r.namespaces().join()) {
            if (ns.type() == NamespaceType.MOUNT) return true;
        }
        return false;
    }

    private static ExecFailedException notFound(Request r) {
        return new ExecFailedException(r.exec().command().get(0), r.exec().directory(), "execve", Errno.ENOENT);
    }
}
