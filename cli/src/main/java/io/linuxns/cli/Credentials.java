package io.linuxns.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The caller's uid and gid, read from {@code /proc/self/status} (the public API has no getuid). */
final class Credentials {
    private Credentials() {}

    /** {@return the real uid of this process} */
    static long uid() {
        return field("Uid:");
    }

    /** {@return the real gid of this process} */
    static long gid() {
        return field("Gid:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + name + " line in /proc/self/status");
    }
}
