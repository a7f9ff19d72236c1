package io.linuxns;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.ProcessBuilder.Redirect;

/**
 * Run in a child JVM by {@link ClosedStdioTest}: closes this JVM's stdin (then its stdout and
 * stderr too), so that the descriptors a spawn opens take those numbers, and spawns. Each case
 * records {@code name=what it saw} (newlines as {@code \n}); they are written to the file
 * {@code args[0]} at the end; scratch files go to the directory {@code args[1]}.
 *
 * <p>Closing a JDK stream on descriptor 0-2 puts /dev/null there instead (io_util_md.c), and the
 * JDK's own file reads and writes do that too, so every case first closes the numbers it means
 * to leave free, and records which are free.
 */
public final class ClosedStdioProbe {
    private ClosedStdioProbe() {}

    private static final MethodHandle CLOSE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private static final List<String> results = new ArrayList<>();

    public static void main(String[] args) throws Throwable {
        Path dir = Path.of(args[1]);
        Path input = Files.writeString(dir.resolve("input"), "from the file\n");
        run(new NamespacedProcessBuilder("true")); // the library's classes loaded with the stdio still open

        // stdin from a file: open() gives it number 0.
        free("fileDirect", 0);
        record("fileDirect", run(new NamespacedProcessBuilder("cat").redirectInput(Redirect.from(input.toFile()))));
        free("fileHelper", 0);
        record("fileHelper", run(new NamespacedProcessBuilder("cat").redirectInput(Redirect.from(input.toFile())).unshare(NamespaceType.UTS)
                .hostname("closed"))); // a hostname needs the helper
        // stdin from a pipe: its read end is 0.
        free("pipeDirect", 0);
        Process p = new NamespacedProcessBuilder("cat").start();
        try {
            p.getOutputStream().write("through the pipe\n".getBytes());
            p.getOutputStream().close();
        } catch (java.io.IOException lost) {
            record("pipeDirect.write", lost.toString()); // the command's stdin was lost: it exited at once
        }
        record("pipeDirect", new String(p.getInputStream().readAllBytes()) + " rc " + p.waitFor());
        p.getInputStream().close();
        p.getErrorStream().close();

        // stdout and stderr closed too: now a spawn's files and pipes take 0, 1 and 2.
        Path o = dir.resolve("o1"), e = dir.resolve("e1");
        free("allThreeFiles", 0, 1, 2);
        Process q = new NamespacedProcessBuilder("sh", "-c", "cat; echo to stderr >&2").redirectInput(Redirect.from(input.toFile()))
                .redirectOutput(Redirect.to(o.toFile())).redirectError(Redirect.to(e.toFile())).start();
        int exit = q.waitFor();
        record("allThreeFiles", Files.readString(o) + "|" + Files.readString(e) + " rc " + exit);
        // stdin inherited (closed): stdout's file gets 0 and stderr's 1, which stdout's dup2 would overwrite.
        for (boolean helper : new boolean[] {false, true}) {
            String name = "shiftedFiles" + (helper ? "Helper" : "Direct");
            o = dir.resolve(name + ".out");
            e = dir.resolve(name + ".err");
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("sh", "-c", "echo to stdout; echo to stderr >&2")
                    .redirectInput(Redirect.INHERIT).redirectOutput(Redirect.to(o.toFile())).redirectError(Redirect.to(e.toFile()));
            if (helper) b.unshare(NamespaceType.UTS).hostname("closed"); // a hostname needs the helper
            free(name, 0, 1, 2);
            exit = b.start().waitFor();
            record(name, Files.readString(o) + "|" + Files.readString(e) + " rc " + exit);
        }
        // Everything inherited (closed): the spawn's own pipes get the low numbers; the command must hold none of them.
        for (boolean helper : new boolean[] {false, true}) {
            String name = "inheritedClosed" + (helper ? "Helper" : "Direct");
            Path fds = dir.resolve(name);
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("sh", "-c",
                    "for f in /proc/$$/fd/*; do readlink $f; done > " + fds + " 2>&1; true").inheritIO();
            if (helper) b.unshare(NamespaceType.UTS).hostname("closed"); // a hostname needs the helper
            free(name, 0, 1, 2);
            exit = b.start().waitFor();
            record(name, "pipe held " + Files.readString(fds).contains("pipe:") + " rc " + exit);
        }
        // A failed exec is still reported as one: the error pipe was not overwritten.
        Path notExecutable = Files.writeString(dir.resolve("not-executable"), "true\n");
        o = dir.resolve("o3");
        e = dir.resolve("e3");
        free("failedExec", 0, 1, 2);
        try {
            new NamespacedProcessBuilder(notExecutable.toString()).redirectInput(Redirect.INHERIT)
                    .redirectOutput(Redirect.to(o.toFile())).redirectError(Redirect.to(e.toFile())).start();
            record("failedExec", "started");
        } catch (ExecFailedException failed) {
            record("failedExec", "errno " + failed.errno());
        }
        Files.write(Path.of(args[0]), results);
        Runtime.getRuntime().halt(0);
    }

    /** Closes {@code fds} where open, and records which of 0-2 are closed: a case tests something only where they are. */
    private static void free(String name, int... fds) throws Throwable {
        for (int fd : fds) {
            int ignored = (int) CLOSE.invokeExact(fd);
        }
        StringBuilder b = new StringBuilder();
        for (int fd = 0; fd < 3; fd++) if (!Files.exists(Path.of("/proc/self/fd/" + fd), LinkOption.NOFOLLOW_LINKS)) b.append(fd);
        results.add(name + ".free=" + b);
    }

    private static String run(NamespacedProcessBuilder b) throws Exception {
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes()) + " rc " + p.waitFor();
        p.getInputStream().close();
        p.getErrorStream().close();
        p.getOutputStream().close();
        return out;
    }

    private static void record(String name, String what) {
        results.add(name + "=" + what.replace("\n", "\\n"));
    }
}
