package io.linuxns.internal;

import io.linuxns.bindings.LinuxNs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

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
        Path source = Path.of("src/main/asm/syscall-x86_64.s");
        assertTrue(Files.exists(source), "run from the core module: " + source.toAbsolutePath());
        io.linuxns.Prerequisites.require(onPath("as") && onPath("objcopy"), "binutils (as, objcopy): to reassemble the raw system call");
        Path obj = tmp.resolve("syscall.o");
        Path bin = tmp.resolve("syscall.bin");
        run("as", "--64", "-o", obj.toString(), source.toString());
        run("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(bin)), HexFormat.of().formatHex(RawSyscall.X86_64),
                "RawSyscall.X86_64 is stale: regenerate it from " + source);
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

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }
}
