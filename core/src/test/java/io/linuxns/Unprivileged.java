package io.linuxns;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Running things as uid 65534, for the rootless tests: commands under
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups}, and a JVM on a copy of this one's
 * class path that the unprivileged uid can read (the build tree and ~/.m2 may be under /root).
 */
public final class Unprivileged {
    private Unprivileged() {}

    public static final int NOBODY = 65534;

    /** {@return the real uid of this JVM, from {@code /proc/self/status}} */
    public static int uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.split("\\s+")[1]);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no Uid line in /proc/self/status");
    }

    /** {@return whether this JVM runs as root: the privileged cases, and switching to 65534, need it} */
    public static boolean isRoot() {
        return uid() == 0;
    }

    /** {@return {@code command} prefixed with setpriv to uid and gid 65534, without groups} */
    public static List<String> asNobody(String... command) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        cmd.addAll(List.of(command));
        return cmd;
    }

    /**
     * {@return the command that runs {@code main} as uid 65534 on a world-readable copy of this
     * JVM's class path made in {@code dir}} ({@code dir} must be world-readable too).
     */
    public static List<String> java(Path dir, Class<?> main, String... args) throws IOException {
        List<String> cmd = asNobody(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, copyClassPath(dir)), main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@return a world-readable directory for {@link #java}} */
    public static Path readableTempDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static List<String> copyClassPath(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) continue;
            Path dst = dir.resolve("cp" + out.size() + (Files.isDirectory(src) ? "" : ".jar"));
            try (Stream<Path> all = Files.walk(src)) {
                for (Path f : all.toList()) {
                    Path t = dst.resolve(src.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(t); else Files.copy(f, t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            out.add(dst.toString());
        }
        return out;
    }

    /** {@return the {@code key=value} lines of a probe's output} */
    public static Map<String, String> keyValues(String output) {
        Map<String, String> m = new HashMap<>();
        for (String line : output.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }
}
