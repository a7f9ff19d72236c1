package io.linuxns.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Native}'s handles are made on first use: every one of them must
 * still link (a bad descriptor would otherwise surface only when a rarely used call is first made),
 * and a failure to link is a clear error at the call, also the second time.
 */
class NativeHandlesTest {

    @Test
    void everyHandleLinks() throws Exception {
        List<String> holders = new ArrayList<>();
        for (Class<?> holder : Native.class.getDeclaredClasses()) {
            for (Field f : holder.getDeclaredFields()) {
                if (f.getType() != MethodHandle.class) continue;
                assertTrue(Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()),
                        holder.getSimpleName() + "." + f.getName() + " must be a static final, for the JIT to fold it");
                f.setAccessible(true);
                // The raw system call exists only where RawSyscall has machine code (x86_64).
                boolean mayBeAbsent = holder.getSimpleName().equals("Syscall") && RawSyscall.forCurrentArchitecture() == null;
                if (!mayBeAbsent) assertNotNull(f.get(null), holder.getSimpleName());
                holders.add(holder.getSimpleName());
            }
        }
        // One shape for every system call (each distinct shape costs a fresh JVM milliseconds), its
        // errno-capturing fallback where there is no raw system call, and strerror, which only
        // error messages call.
        assertEquals(List.of("CapturedSyscall", "Strerror", "Syscall"), holders.stream().sorted().toList());
    }

    /** As glibc's pthread_sigmask: SIGCANCEL (32) and SIGSETXID (33) are never blocked, every other signal is. */
    @Test
    void pthreadSigmaskNeverBlocksGlibcsInternalSignals() throws Exception {
        long[] mask = new long[1];
        // HotSpot's compiled code faults on purpose (SIGSEGV for safepoint polls and null checks,
        // and the others), and a fault on a thread that blocks it kills the JVM: like Clone3, the
        // test blocks every signal but those.
        long faults = (1L << (4 - 1)) | (1L << (5 - 1)) | (1L << (7 - 1)) | (1L << (8 - 1)) | (1L << (11 - 1));
        long asked = ~faults;
        Thread t = new Thread(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment all = arena.allocate(128, 8);
                all.set(JAVA_LONG, 0, asked);
                MemorySegment old = arena.allocate(128, 8);
                assertEquals(0, Native.pthreadSigmask(0 /* SIG_BLOCK */, all, old));
                MemorySegment now = arena.allocate(128, 8);
                assertEquals(0, Native.pthreadSigmask(0, MemorySegment.NULL, now));
                mask[0] = now.get(JAVA_LONG, 0);
                assertEquals(asked, all.get(JAVA_LONG, 0), "the caller's set is left as it was");
                assertEquals(0, Native.pthreadSigmask(2 /* SIG_SETMASK */, old, MemorySegment.NULL));
            }
        });
        t.start();
        t.join();
        long internal = (1L << 31) | (1L << 32);
        assertEquals(0, mask[0] & internal, Long.toHexString(mask[0]));
        // SIGKILL and SIGSTOP cannot be blocked; everything else asked for is.
        assertEquals(asked & ~internal & ~(1L << 8) & ~(1L << 18), mask[0], Long.toHexString(mask[0]));
    }

    @Test
    void aHeapSegmentIsRefusedNotPassedAsAnAddress() {
        assertThrows(IllegalArgumentException.class, () -> Native.rawRead(0, MemorySegment.ofArray(new byte[8]), 8));
    }

    @Test
    void aFailureToLinkNamesTheFunction() {
        LinkageError e = assertThrows(LinkageError.class,
                () -> Native.downcall("linuxns_test_fn", MemorySegment.NULL, FunctionDescriptor.of(JAVA_INT)));
        assertTrue(e.getMessage().contains("linuxns_test_fn"), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    /** A holder's initialiser that fails throws the LinkageError itself, not a wrapper; later calls name it as the cause. */
    @Test
    void aHolderThatCannotLinkFailsAtEachCallNamingTheFunction() {
        LinkageError first = assertThrows(LinkageError.class, () -> Broken.H.type());
        assertEquals(LinkageError.class, first.getClass());
        assertTrue(first.getMessage().contains("linuxns_broken_fn"), first.getMessage());
        NoClassDefFoundError again = assertThrows(NoClassDefFoundError.class, () -> Broken.H.type());
        Throwable cause = again.getCause();
        assertNotNull(cause, "the JVM keeps the first failure as the cause");
        assertTrue(String.valueOf(cause.getMessage()).contains("linuxns_broken_fn"), String.valueOf(cause));
    }

    private static final class Broken {
        static final MethodHandle H = Native.downcall("linuxns_broken_fn", MemorySegment.NULL, FunctionDescriptor.of(JAVA_INT));
    }
}
