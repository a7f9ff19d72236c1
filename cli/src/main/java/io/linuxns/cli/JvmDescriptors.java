package io.linuxns.cli;

import io.linuxns.bindings.LinuxNs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Marks this JVM's own descriptors close-on-exec ({@code fcntl(2)} {@code FD_CLOEXEC}), so that
 * a command started with {@code NamespacedProcessBuilder.inheritDescriptors(true)} gets what
 * linuxns itself inherited, as {@code unshare(1)}'s and {@code nsenter(1)}'s exec passes it on,
 * and nothing the JVM opened. The JDK opens without {@code O_CLOEXEC}: HotSpot's
 * {@code lib/modules} image, the jar files of the class path, the hsperfdata file. They are told
 * by where they point (under {@code java.home}, a class path entry, an {@code hsperfdata_}
 * directory): a descriptor the caller opened on one of those files is taken for the JVM's.
 */
final class JvmDescriptors {
    private JvmDescriptors() {}

    static void closeOnExec() {
        List<Path> own = new ArrayList<>();
        own.add(Path.of(System.getProperty("java.home")));
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) own.add(Path.of(entry).toAbsolutePath().normalize());
        }
        List<Integer> mark = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                int n = Integer.parseInt(fd.getFileName().toString());
                if (n < 3) continue;
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    continue; // the listing's own descriptor
                }
                if (isTheJvms(target, own)) mark.add(n);
            }
        } catch (IOException e) {
            return; // no /proc: nothing can be told apart, the command inherits all
        }
        if (mark.isEmpty()) return;
        for (int n : mark) {
            long r = Syscalls.call(LinuxNs.SYS_fcntl(), n, LinuxNs.F_SETFD(), LinuxNs.FD_CLOEXEC(), 0L);
            // A descriptor closed meanwhile (EBADF) has nothing left to inherit.
            assert r == 0 || r == -1;
        }
    }

    private static boolean isTheJvms(Path target, List<Path> own) {
        if (!target.isAbsolute()) return false; // pipe:[…], socket:[…], anon_inode:…
        for (Path p : own) if (target.startsWith(p)) return true;
        Path dir = target.getParent();
        return dir != null && dir.getFileName() != null && dir.getFileName().toString().startsWith("hsperfdata_");
    }
}
