package io.linuxns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;


/** A minimal root file system from Debian's busybox-static: /bin with every applet, /proc, /tmp, /mnt. */
final class Rootfs {
    private Rootfs() {}

    static final Path BUSYBOX = Stream.of("/bin/busybox", "/usr/bin/busybox").map(Path::of).filter(Files::isExecutable)
            .findFirst().orElse(null);

    static Path busybox() throws IOException, InterruptedException {
        Prerequisites.require(BUSYBOX != null, "busybox-static: a root file system for pivot_root cases");
        Path root = Files.createTempDirectory("linuxns-rootfs");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : new String[] {"bin", "proc", "tmp", "mnt", "etc", "dev"}) Files.createDirectory(root.resolve(d));
        Files.copy(BUSYBOX, root.resolve("bin/busybox"));
        Process p = new ProcessBuilder(root.resolve("bin/busybox").toString(), "--install", "-s", root.resolve("bin").toString())
                .inheritIO().start();
        if (p.waitFor() != 0) throw new IOException("busybox --install failed");
        // busybox --install -s links to its own absolute path: make them relative to the new root.
        try (Stream<Path> links = Files.list(root.resolve("bin"))) {
            for (Path l : links.filter(Files::isSymbolicLink).toList()) {
                Files.delete(l);
                Files.createSymbolicLink(l, Path.of("busybox"));
            }
        }
        return root;
    }

    static void delete(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
