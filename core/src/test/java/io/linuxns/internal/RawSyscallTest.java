package io.linuxns.internal;

import io.linuxns.bindings.LinuxNs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RawSyscall}: its bytes are what binutils makes of the assembly source, and the calls
 * through it (and through the errno-capturing fallback) reach the kernel with all six arguments
 * and return the result or {@code -errno}.
 */
class RawSyscallTest {

    @Test
    void x86_64BytesMatchTheAssemblySource(@TempDir Path tmp) throws Exception {
        Reassembled r = Reassembled.of("syscall-x86_64.s", tmp, "the raw system call");
        assertEquals(HexFormat.of().formatHex(r.text()), HexFormat.of().formatHex(RawSyscall.X86_64),
                "RawSyscall.X86_64 is stale: regenerate it from src/main/asm/syscall-x86_64.s");
    }

    @Test
    void aCallReturnsTheKernelsResult() {
        assertEquals(ProcessHandle.current().pid(), Native.rawSyscall(LinuxNs.SYS_getpid(), 0, 0, 0, 0, 0, 0));
        assertEquals(ProcessHandle.current().pid(), Native.capturedSyscall(LinuxNs.SYS_getpid(), 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aFailureReturnsMinusErrno() {
        assertEquals(-Errno.EBADF, Native.rawSyscall(LinuxNs.SYS_close(), -1, 0, 0, 0, 0, 0));
        assertEquals(-Errno.EBADF, Native.capturedSyscall(LinuxNs.SYS_close(), -1, 0, 0, 0, 0, 0));
    }

    /**
     * x86_64's mmap(2) refuses an offset that is not a multiple of the page size (its sixth
     * argument, the one x86_64 passes on the stack) before it maps anything, also for anonymous
     * memory, which otherwise ignores it.
     */
    @Test
    void theSixthArgumentReachesTheKernel() {
        for (boolean raw : new boolean[] {true, false}) {
            assertEquals(-Errno.EINVAL, mmap(raw, 1), "raw " + raw);
            long page = mmap(raw, 0);
            assertTrue(page > 0, "raw " + raw + ": " + page);
            assertEquals(0, Native.rawSyscall(LinuxNs.SYS_munmap(), page, 4096, 0, 0, 0, 0));
        }
    }

    private static long mmap(boolean raw, long offset) {
        long nr = LinuxNs.SYS_mmap(), prot = LinuxNs.PROT_READ(), flags = LinuxNs.MAP_PRIVATE() | LinuxNs.MAP_ANONYMOUS();
        return raw ? Native.rawSyscall(nr, 0, 4096, prot, flags, -1, offset)
                : Native.capturedSyscall(nr, 0, 4096, prot, flags, -1, offset);
    }
}
