package io.linuxns.bench.floor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The floor of any command on the FFM API: a JVM that links one downcall, glibc's
 * {@code syscall(3)} with the shape the library links it with (seven longs, no options), and
 * calls {@code getpid(2)} through it once. {@code CliStart} runs it from a jar of its own with
 * that jar's own AOT cache and the launcher's flags, next to {@code linuxns unshare -u true}.
 * Exits 1 if the call returns no pid.
 */
public final class OneDowncall {
    private OneDowncall() {}

    /** x86-64's {@code SYS_getpid}; aarch64's is 172. */
    private static final long SYS_GETPID = "aarch64".equals(System.getProperty("os.arch")) ? 172 : 39;

    /**
     * Links and calls.
     *
     * @param args none
     * @throws Throwable what the call throws (nothing, unless the linker refuses)
     */
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        long pid = (long) syscall.invokeExact(SYS_GETPID, 0L, 0L, 0L, 0L, 0L, 0L);
        if (pid <= 0) System.exit(1);
    }
}
