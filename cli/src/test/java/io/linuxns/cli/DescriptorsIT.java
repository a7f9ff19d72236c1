package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The command gets every descriptor linuxns inherited that is not close-on-exec, under its
 * number, as util-linux {@code unshare(1)} and {@code nsenter(1)} pass them through exec: a
 * shell's {@code 3<file}, fd 4, fd 10. None of the JVM's own (its {@code lib/modules}, the jar).
 */
class DescriptorsIT {

    /** {@code bash -c 'exec 3<a 4<b 10<c; exec java -jar linuxns.jar ARGS...'}: linuxns inherits 3, 4 and 10. */
    private static Result withDescriptors(Path dir, String... args) throws IOException {
        for (String n : List.of("a", "b", "c")) Files.writeString(dir.resolve(n), "file " + n + "\n");
        StringBuilder cmd = new StringBuilder("exec 3<a 4<b 10<c; exec");
        for (String word : Cli.command(Cli.JAR, args)) cmd.append(' ').append(quote(word));
        // bash: dash redirects only descriptors 0-9.
        return Cli.exec(new ArrayList<>(List.of("bash", "-c", cmd.toString())), dir);
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Lists the command's descriptors (ls's own directory is the lowest free one, 5), reads fd 3, names 4 and 10. */
    private static final String[] SHOW = {"sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; cat <&3; "
            + "readlink /proc/self/fd/4 /proc/self/fd/10"};

    private static void assertInherited(Path dir, Result r) {
        assertEquals(0, r.exit(), r::toString);
        assertEquals("0 1 2 3 4 5 10 \nfile a\n" + dir.resolve("b") + "\n" + dir.resolve("c") + "\n", r.out(), r::toString);
    }

    @Test
    void unsharePassesThemOn(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("unshare", "-r"));
        args.addAll(List.of(SHOW));
        assertInherited(dir, withDescriptors(dir, args.toArray(String[]::new)));
    }

    @Test
    void unshareWithPidNamespaceAndForkPassesThemOn(@TempDir Path dir) throws IOException {
        // The command runs under a forwarder or as PID 1: other paths through the spawn.
        List<String> args = new ArrayList<>(List.of("unshare", "-r", "-p", "-f", "--mount-proc"));
        args.addAll(List.of(SHOW));
        assertInherited(dir, withDescriptors(dir, args.toArray(String[]::new)));
    }

    @Test
    void nsenterPassesThemOn(@TempDir Path dir) throws IOException {
        // No namespace to enter: nsenter(1) just runs the command, with its descriptors.
        List<String> args = new ArrayList<>(List.of("nsenter", "-t", Long.toString(ProcessHandle.current().pid())));
        args.addAll(List.of(SHOW));
        assertInherited(dir, withDescriptors(dir, args.toArray(String[]::new)));
    }

    @Test
    void runPassesThemOn(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--"));
        args.addAll(List.of(SHOW));
        assertInherited(dir, withDescriptors(dir, args.toArray(String[]::new)));
    }
}
