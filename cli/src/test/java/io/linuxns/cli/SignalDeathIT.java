package io.linuxns.cli;

import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the command dies of signal N, linuxns dies of N too, as util-linux's unshare and nsenter
 * do: a parent sees a signal death (waitid's CLD_KILLED), not an exit with 128 + N. Checked
 * with {@link NamespacedProcess#terminatingSignal()} of a linuxns started by this JVM, against
 * util-linux started the same way, and with a shell's {@code $?}.
 */
class SignalDeathIT {

    /** How the process started with {@code command} ended: "signal N" or "exit N". */
    private static String end(List<String> command) throws Exception {
        return end(command, null);
    }

    /** The same, run in {@code directory} (null: this one). */
    private static String end(List<String> command, java.nio.file.Path directory) throws Exception {
        NamespacedProcess p = new NamespacedProcessBuilder(command).directory(directory).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "did not end: " + command);
        OptionalInt sig = p.terminatingSignal();
        return sig.isPresent() ? "signal " + sig.getAsInt() : "exit " + p.exitValue();
    }

    private static List<String> ours(String... args) {
        return Cli.command(Cli.JAR, args);
    }

    @Test
    void unshareDiesOfTheCommandsSignal() throws Exception {
        List<String> term = List.of("unshare", "-r", "sh", "-c", "kill -TERM $$");
        assertEquals("signal 15", end(term));
        assertEquals(end(term), end(ours(term.toArray(String[]::new))));
        // A signal that dumps core: linuxns dies of it without dumping the JVM's core.
        // With the core size limit raised, where the kernel would write a core file into the
        // working directory (core_pattern "core") or hand it to a program (a "|" pattern).
        List<String> quit = new ArrayList<>(List.of("sh", "-c", "ulimit -c unlimited && exec \"$0\" \"$@\""));
        quit.addAll(ours("unshare", "-r", "sh", "-c", "ulimit -c 0; kill -QUIT $$")); // no core of the command's own
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("linuxns-core");
        try {
            assertEquals("signal 3", end(quit, dir));
            try (var left = java.nio.file.Files.list(dir)) {
                assertEquals(List.of(), left.map(f -> f.getFileName().toString()).toList(), "a core file was written");
            }
        } finally {
            try (var left = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : left.toList()) java.nio.file.Files.delete(f);
            }
            java.nio.file.Files.delete(dir);
        }
        // SIGKILL, whose disposition nobody can change.
        assertEquals("signal 9", end(ours("unshare", "-r", "sh", "-c", "kill -KILL $$")));
        // An exit with the same value is an exit.
        assertEquals("exit 143", end(ours("unshare", "-r", "sh", "-c", "exit 143")));
    }

    @Test
    void nsenterTooButNotThroughAnInit() throws Exception {
        assertEquals("signal 15", end(ours("nsenter", "-t", Long.toString(ProcessHandle.current().pid()), "-u", "sh", "-c", "kill -TERM $$")));
        // Through an init (run always has one) the command's signal becomes the init's exit, 128 + N.
        assertEquals("exit 138", end(ours("run", "--", "sh", "-c", "kill -USR1 $$")));
    }

    @Test
    void aShellSeesTheSignal() {
        // sh reports a signal death of its foreground command ("Terminated") and sets $? to 128 + N.
        String cmd = String.join(" ", Cli.command(Cli.JAR)) + " unshare -r sh -c 'kill -TERM $$'; echo $?";
        Cli.Result r = Cli.exec("sh", "-c", cmd);
        assertEquals("143", r.line(), r::toString);
        Cli.Result util = Cli.exec("sh", "-c", "unshare -r sh -c 'kill -TERM $$'; echo $?");
        assertEquals(util.out(), r.out());
        assertEquals(util.err().contains("Terminated"), r.err().contains("Terminated"), r::toString);
    }

    @Test
    void aHangupKillsUnshareAndTheProgramLivesOn() throws Exception {
        // As util-linux: unshare does not catch SIGHUP, so it dies of it; the program is not told.
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("linuxns-hup");
        try {
            List<String> args = new ArrayList<>(ours("unshare", "-r", "--kill-child", "sh", "-c",
                    "trap 'echo hup > HUP' HUP; : > READY; while :; do sleep 0.05; done"));
            Process p = new ProcessBuilder(args).directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            while (!java.nio.file.Files.exists(dir.resolve("READY"))) {
                assertTrue(p.isAlive(), "linuxns ended early");
                Thread.sleep(10);
            }
            Cli.exec("kill", "-HUP", Long.toString(p.pid()));
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            assertEquals(128 + 1, p.exitValue());
            assertTrue(!java.nio.file.Files.exists(dir.resolve("HUP")), "the program got the SIGHUP");
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : files.toList()) java.nio.file.Files.delete(f);
            }
            java.nio.file.Files.delete(dir);
        }
    }
}
