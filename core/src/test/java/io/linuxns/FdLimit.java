package io.linuxns;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The JVM's {@code RLIMIT_NOFILE} soft limit ({@code getrlimit(2)}), for tests that need a full
 * descriptor table or a poll(2) that fails with EINVAL (more descriptors than the limit).
 * Lowering the soft limit never closes anything; raising it back up to the hard limit is
 * always allowed.
 */
final class FdLimit {
    private FdLimit() {}

    private static final int RLIMIT_NOFILE = 7;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GET = LINKER.downcallHandle(LINKER.defaultLookup().find("getrlimit").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SET = LINKER.downcallHandle(LINKER.defaultLookup().find("setrlimit").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** {@return {soft, hard}} */
    static long[] get() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(JAVA_LONG, 2);
            if ((int) GET.invokeExact(RLIMIT_NOFILE, r) != 0) throw new IllegalStateException("getrlimit failed");
            return new long[] {r.getAtIndex(JAVA_LONG, 0), r.getAtIndex(JAVA_LONG, 1)};
        } catch (Throwable t) {
            throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
        }
    }

    /** Sets the soft limit, keeping the hard one. */
    static void setSoft(long soft) {
        long hard = get()[1];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(JAVA_LONG, 2);
            r.setAtIndex(JAVA_LONG, 0, soft);
            r.setAtIndex(JAVA_LONG, 1, hard);
            if ((int) SET.invokeExact(RLIMIT_NOFILE, r) != 0) throw new IllegalStateException("setrlimit failed");
        } catch (Throwable t) {
            throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
        }
    }

    /** {@return the highest descriptor number open in this JVM} */
    static int highestOpen() {
        return TestSupport.openFds().stream().mapToInt(s -> Integer.parseInt(s.substring(0, s.indexOf(' ')))).max().orElse(2);
    }
}
