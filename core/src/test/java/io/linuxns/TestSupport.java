package io.linuxns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Small facts about the test process (public for the tests of the internal packages). */
public final class TestSupport {
    private TestSupport() {}

    /** {@return the number of this JVM's descriptor open on {@code file}} */
    public static int fdOf(Path file) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    if (Files.readSymbolicLink(p).equals(file)) return Integer.parseInt(p.getFileName().toString());
                } catch (IOException gone) {
                    // the listing's own descriptor
                }
            }
        }
        throw new IllegalStateException("not open: " + file);
    }

    static boolean isRoot() {
        return Unprivileged.isRoot();
    }

    static int uid() {
        return Unprivileged.uid();
    }

    /**
     * {@return this JVM's open descriptors, as "fd -> target"} Compared with a later snapshot
     * by {@link #newFds}: a count would also move when the GC closes streams of earlier tests.
     */
    static java.util.Set<String> openFds() {
        java.util.Set<String> fds = new java.util.HashSet<>();
        // The library's kept helper images: long-lived, as its reaper's descriptors are (SealedImagesTest checks them).
        java.util.Set<Integer> kept = io.linuxns.internal.spawn.SealedImages.descriptors();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // The listing's own descriptor: its number depends on what else is open.
                    if (target.startsWith("/proc/") && target.endsWith("/fd")) continue;
                    if (kept.contains(Integer.parseInt(p.getFileName().toString())) && target.startsWith("/memfd:linuxns-")) continue;
                    fds.add(p.getFileName() + " -> " + target);
                } catch (IOException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return fds;
    }

    /** {@return the descriptors open at this instant that were not in {@code before}} */
    static java.util.Set<String> newFdsNow(java.util.Set<String> before) {
        java.util.Set<String> now = openFds();
        now.removeAll(before);
        return now;
    }

    /**
     * {@return the descriptors open now that were not in {@code before}} A leaked descriptor
     * stays; one that a thread of the JVM holds for a moment (the JDK's or ours, closing
     * asynchronously) goes: so this looks again for up to a second before it answers.
     */
    static java.util.Set<String> newFds(java.util.Set<String> before) {
        java.util.Set<String> now = newFdsNow(before);
        for (int i = 0; i < 50 && !now.isEmpty(); i++) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = newFdsNow(before);
        }
        return now;
    }

    /**
     * Starts the library's long-lived parts (origin thread, reaper and its wake pipe) so that a
     * test counting descriptors or threads sees only what it caused.
     */
    static void warmUp() {
        try {
            // Both paths: a direct spawn, and one through the helper (a death signal needs it).
            for (boolean helper : new boolean[] {false, true}) {
                NamespacedProcessBuilder b = new NamespacedProcessBuilder("/bin/true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.INHERIT);
                if (helper) b.dieWithParent();
                if (b.start().waitFor() != 0) throw new IllegalStateException("/bin/true failed");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static String link(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
