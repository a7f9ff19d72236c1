package io.linuxns.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C limits: {@code limits.c} (kept in {@code src/main/c}, packaged next to this class),
 * compiled with {@code gcc} (or {@code $CC}) into a shared library in a temporary directory the
 * first time this class is used in a JVM, loaded, and called through one FFM downcall per
 * operation. A downcall costs tens of nanoseconds, against spawns of hundreds of microseconds
 * and a {@code setns} pair of about two; the {@code setns} figure includes it, as the raw FFM
 * baseline's does.
 *
 * <p>What each function does, and why its child makes raw system calls only, is in the C file.
 */
@SuppressWarnings("restricted") // the point of the class: a library of our own, called through FFM
public final class CLimits {
    private CLimits() {}

    private static final String SOURCE = "limits.c";
    /** The helper of {@link #spawnHelper}: a static executable without libc, compiled with the library. */
    private static final String HELPER_SOURCE = "limits-helper.c";
    /** The helper's ELF image, read once; written into a new memfd on every spawn, as linuxns does. */
    private static MemorySegment helperImage;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = compileAndLoad();

    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd);
    }

    private static final MethodHandle SPAWN = fn("limit_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SPAWN_ARGV = fn("limit_spawn_argv",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETNS_PAIR = fn("limit_setns_pair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE_THREAD = fn("limit_unshare_thread", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SPAWN_HELPER = fn("limit_spawn_helper",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG));

    /**
     * Compiles {@code limits.c} and loads the library into the global arena (it stays for the
     * life of the JVM); the temporary directory is deleted at once, the mapping stays valid.
     */
    private static SymbolLookup compileAndLoad() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("linuxns-bench-c");
            Path source = dir.resolve(SOURCE);
            try (InputStream in = CLimits.class.getResourceAsStream(SOURCE)) {
                if (in == null) throw new IllegalStateException(SOURCE + " is not packaged next to " + CLimits.class.getName());
                Files.copy(in, source);
            }
            Path lib = dir.resolve("liblinuxns-bench-limits.so");
            String cc = System.getenv().getOrDefault("CC", "gcc");
            compile(cc, SOURCE, "-O2", "-Wall", "-shared", "-fPIC", "-pthread", "-o", lib.toString(), source.toString());
            Path helperSource = dir.resolve(HELPER_SOURCE);
            try (InputStream in = CLimits.class.getResourceAsStream(HELPER_SOURCE)) {
                if (in == null) throw new IllegalStateException(HELPER_SOURCE + " is not packaged next to " + CLimits.class.getName());
                Files.copy(in, helperSource);
            }
            Path helper = dir.resolve("linuxns-bench-helper");
            compile(cc, HELPER_SOURCE, "-O2", "-Wall", "-static", "-nostdlib", "-fno-pie", "-no-pie", "-fno-stack-protector", "-s",
                    "-Wl,--build-id=none", "-o", helper.toString(), helperSource.toString());
            byte[] elf = Files.readAllBytes(helper);
            helperImage = Arena.global().allocate(elf.length, 16);
            MemorySegment.copy(elf, 0, helperImage, JAVA_BYTE, 0, elf.length);
            return SymbolLookup.libraryLookup(lib, Arena.global());
        } catch (IOException e) {
            throw new UncheckedIOException("compiling the C baselines (" + SOURCE + ") failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling " + SOURCE, e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    /** Runs the compiler; throws with its output unless it succeeds. */
    private static void compile(String cc, String what, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cc));
        command.addAll(List.of(args));
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        gcc.getOutputStream().close();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            throw new IllegalStateException(cc + " did not finish compiling " + what + " in 120 s");
        }
        if (gcc.exitValue() != 0) {
            throw new IllegalStateException(cc + " failed to compile " + what + " (exit " + gcc.exitValue()
                    + "); the C baselines need gcc (or $CC) on the PATH:\n" + output);
        }
        // Not -Werror: another compiler's new warning must not stop a benchmark run; it is shown.
        if (!output.isBlank()) System.err.print(cc + " on " + what + ":\n" + output);
    }

    /**
     * Compiles and loads the library now, if this JVM has not yet: for a benchmark's setup, so
     * that neither gcc nor the loading lands in a measured iteration.
     */
    public static void load() {
        // Class initialisation did the work; this call only triggers it.
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Spawns {@code path} (argv {@code {path}}, empty environment) in new namespaces
     * {@code nsFlags} ({@code CLONE_NEW*}, 0 for none), waits for it and throws unless it exited
     * 0. With {@code pipes}, its stdin, stdout and stderr are pipes, closed after the wait.
     *
     * @param path a NUL-terminated path in native memory (prepared once, outside the loop)
     */
    public static void spawn(MemorySegment path, long nsFlags, boolean pipes) {
        int r;
        try {
            r = (int) SPAWN.invokeExact(path, nsFlags, pipes ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        check(r, "limit_spawn");
    }

    /**
     * Runs a command with this JVM's environment (stdin, stdout and stderr pipes that nobody reads or
     * writes, closed after it exits; no new namespace) and returns
     * its wait status: the plain loop that times a command's start-up.
     */
    public static int run(List<String> command) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = arena.allocate(ADDRESS, command.size() + 1L);
            for (int i = 0; i < command.size(); i++) argv.setAtIndex(ADDRESS, i, arena.allocateFrom(command.get(i)));
            argv.setAtIndex(ADDRESS, command.size(), MemorySegment.NULL);
            int r = (int) SPAWN_ARGV.invokeExact(argv, MemorySegment.NULL, 0L, 1);
            if (r < 0) throw new IllegalStateException("limit_spawn_argv " + command + " failed: errno " + -r);
            return r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * linuxns's isolated spawn path in C ({@code limit_spawn_helper}): a memfd with the helper's
     * image written and sealed per spawn, {@code clone3(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|cloneFlags)},
     * {@code execveat} of the memfd, the helper's {@code unshare(unshareFlags)} (and for a mount
     * namespace the recursive {@code MS_PRIVATE}), the command's {@code execve}; the parent reads the
     * error pipe to EOF, polls the pidfd and reaps. Throws unless the command exited 0.
     */
    public static void spawnHelper(MemorySegment path, long cloneFlags, long unshareFlags) {
        int r;
        try {
            r = (int) SPAWN_HELPER.invokeExact(path, cloneFlags, unshareFlags, helperImage, helperImage.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        check(r, "limit_spawn_helper");
    }

    /** {@code setns(target, nstype)} then {@code setns(original, nstype)} on the calling thread. */
    public static void setnsPair(int targetFd, int originalFd, int nstype) {
        int r;
        try {
            r = (int) SETNS_PAIR.invokeExact(targetFd, originalFd, nstype);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        check(r, "limit_setns_pair");
    }

    /** A new thread that unshares {@code flags} (a mount namespace made private) and ends. */
    public static void unshareOnThread(int flags) {
        int r;
        try {
            r = (int) UNSHARE_THREAD.invokeExact(flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        check(r, "limit_unshare_thread");
    }

    private static void check(int r, String what) {
        if (r < 0) throw new IllegalStateException(what + " failed: errno " + -r);
        if (r > 0) {
            throw new IllegalStateException(what + ": the child's wait status is " + r + " (exit " + ((r >> 8) & 0xff)
                    + ", signal " + (r & 0x7f) + "; exit 126: its setup failed, 127: execve failed)");
        }
    }
}
