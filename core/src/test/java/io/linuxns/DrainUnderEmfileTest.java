package io.linuxns;

import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process whose stdout nobody touched exits while the JVM is out of descriptors (EMFILE): the
 * exit work (the PipeStreams drain) must still take what the pipe holds and close the end. The
 * drain reads the bare end with read(2); reopening it through /proc/self/fd first would need a
 * free descriptor, and a failed reopen would leave the end open for good.
 */
class DrainUnderEmfileTest {
    private static final long SYS_PRLIMIT64 = 302, RLIMIT_NOFILE = 7;

    @Test
    void anUntouchedStdoutIsLetGoAtExitEvenWithoutFreeDescriptors() throws Throwable {
        // Warm up every class of the path while descriptors are free (class loading opens files).
        for (int i = 0; i < 3; i++) {
            Process w = new NamespacedProcessBuilder("/bin/sh", "-c", "echo warm").start();
            w.waitFor();
            w.getInputStream().readAllBytes();
        }
        try {
            new NamespacedProcessBuilder("/nonexistent-drain-test").start();
        } catch (IOException expected) {
            // loads the exception classes
        }
        Path flag = Files.createTempFile("drain-flag", "");
        Set<String> before = TestSupport.openFds();
        Process p = new NamespacedProcessBuilder("/bin/sh", "-c",
                "while [ -e " + flag + " ]; do sleep 0.02; done; echo out").start();
        List<FileInputStream> fillers = new ArrayList<>();
        long[] old = getLimit();
        long highest;
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            highest = l.mapToLong(f -> Long.parseLong(f.getFileName().toString())).max().orElseThrow();
        }
        setLimit(highest + 64, old[1]);
        try {
            try {
                while (true) fillers.add(new FileInputStream("/dev/null"));
            } catch (IOException emfile) {
                assertTrue(String.valueOf(emfile.getMessage()).contains("Too many open files"), emfile.toString());
            }
            Files.delete(flag); // unlink needs no descriptor: the command prints and exits
            assertEquals(0, p.waitFor()); // the last direct waiter releases the process: the drain runs here
            fillers.remove(fillers.size() - 1).close();
            fillers.remove(fillers.size() - 1).close();
        } finally {
            for (FileInputStream f : fillers) f.close();
            setLimit(old[0], old[1]);
        }
        Set<String> left = TestSupport.newFds(before);
        assertEquals(Set.of(), left, "the exited process's untouched stdout (and stderr) pipe ends are still open");
    }

    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private static long[] getLimit() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(16, 8);
            assertEquals(0L, (long) SYSCALL.invokeExact(SYS_PRLIMIT64, 0L, RLIMIT_NOFILE, 0L, old.address()));
            return new long[] {old.get(JAVA_LONG, 0), old.get(JAVA_LONG, 8)};
        }
    }

    private static void setLimit(long soft, long hard) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(16, 8);
            lim.set(JAVA_LONG, 0, soft);
            lim.set(JAVA_LONG, 8, hard);
            assertEquals(0L, (long) SYSCALL.invokeExact(SYS_PRLIMIT64, 0L, RLIMIT_NOFILE, lim.address(), 0L));
        }
    }
}
