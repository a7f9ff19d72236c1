package io.linuxns.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code linuxns unshare} does with a SIGTERM sent to it, as util-linux {@code unshare --fork}:
 * with {@code --forward-signals} the program gets it; without, linuxns ignores it (the
 * "impatient parent": killing it would leave the program running unwaited).
 */
class UnshareSignalsIT {

    /**
     * A program that traps SIGTERM (exit 42), says it is ready by creating READY (linuxns's
     * handlers are installed before the start) and exits 7 once GO exists.
     */
    private static Process start(Path dir, String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of("unshare", "-r"));
        args.addAll(List.of(options));
        args.addAll(List.of("sh", "-c", "trap 'exit 42' TERM; trap 'exit 43' INT; : > READY; while [ ! -e GO ]; do sleep 0.05; done; exit 7"));
        return new ProcessBuilder(Cli.command(Cli.JAR, args.toArray(String[]::new))).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void awaitReady(Process p, Path dir) throws InterruptedException {
        while (!Files.exists(dir.resolve("READY"))) {
            assertTrue(p.isAlive(), "linuxns ended before the program was ready: exit " + (p.isAlive() ? "" : p.exitValue()));
            Thread.sleep(10);
        }
    }

    private static int exit(Process p) throws InterruptedException {
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("linuxns did not end");
        }
        return p.exitValue();
    }

    @Test
    void forwardSignalsPassesSigtermOn(@TempDir Path dir) throws Exception {
        Process p = start(dir, "--forward-signals");
        awaitReady(p, dir);
        p.destroy(); // SIGTERM to linuxns alone
        assertEquals(42, exit(p));
    }

    @Test
    void forwardSignalsPassesSigintOnAsSigint(@TempDir Path dir) throws Exception {
        // util-linux's forward_signal handles SIGTERM and SIGINT, each passed on as it is.
        Process p = start(dir, "--forward-signals");
        awaitReady(p, dir);
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        assertEquals(43, exit(p));
    }

    @Test
    void withoutForwardSignalsSigtermIsIgnoredAndTheProgramRunsOn(@TempDir Path dir) throws Exception {
        Process p = start(dir);
        awaitReady(p, dir);
        p.destroy();
        // Had linuxns passed it on, the trap would exit 42; had it died, 143.
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(h.pid())).start().waitFor();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        Files.createFile(dir.resolve("GO"));
        assertEquals(7, exit(p));
    }
}
