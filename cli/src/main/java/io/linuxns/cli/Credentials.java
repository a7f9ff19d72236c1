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
        return field("Uid:", 0);
    }

    /** {@return the effective uid of this process} */
    static long euid() {
        return field("Uid:", 1);
    }

    /** {@return the real gid of this process} */
    static long gid() {
        return field("Gid:", 0);
    }

    /** The {@code index}th number of a line such as {@code Uid: real effective saved fs}. */
    private static long field(String name, int index) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[index]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + name + " line in /proc/self/status");
    }
}
