package io.linuxns.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the shaded {@code linuxns-cli.jar} (built by {@code package}, before the integration
 * tests) and other commands as subprocesses, collecting exit status, stdout and stderr.
 */
final class Cli {
    private Cli() {}

    /** The jar under test; failsafe passes its path, an IDE run falls back to the module's target/. */
    static final Path JAR = Path.of(System.getProperty("linuxns.cli.jar", "target/linuxns-cli.jar")).toAbsolutePath();
    /** The repository root (where ./linuxns and docs/ are). */
    static final Path REPO = Path.of(System.getProperty("linuxns.repo.root", "..")).toAbsolutePath().normalize();
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** What a finished process left behind. */
    record Result(int exit, String out, String err) {
        /** {@return stdout without the final newline} */
        String line() {
            return out.stripTrailing();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** {@code java -jar linuxns-cli.jar ARGS...} */
    static Result linuxns(String... args) {
        return exec(command(JAR, args), null);
    }

    /** The java command line that runs {@code jar} with {@code args}. */
    static List<String> command(Path jar, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-jar", jar.toString()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Runs any command. */
    static Result exec(String... cmd) {
        return exec(List.of(cmd), null);
    }

    /**
     * Runs {@code cmd} in {@code dir} (or the current directory) with stdin from /dev/null. Not a
     * timing assertion: the long limit only keeps a hung child from hanging the build.
     */
    static Result exec(List<String> cmd, Path dir) {
        try {
            Path out = Files.createTempFile("linuxns-it", ".out"), err = Files.createTempFile("linuxns-it", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                if (dir != null) pb.directory(dir.toFile());
                Process p = pb.start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    fail("did not finish: " + cmd);
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }

    /** Collapses runs of blanks, for comparing columns (uid_map) whatever their padding. */
    static String squeeze(String s) {
        return s.strip().replaceAll("[ \\t]+", " ");
    }
}
