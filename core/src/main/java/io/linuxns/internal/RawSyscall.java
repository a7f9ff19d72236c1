package io.linuxns.internal;

import io.linuxns.bindings.LinuxNs;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A system call with the kernel's own convention, {@code syscall(2)}'s registers and a result of
 * {@code -errno} on failure, made by a few bytes of machine code that linuxns maps into an
 * executable page of its own, so that the downcall needs no errno capture. glibc's
 * {@code syscall(3)} turns that result into -1 and errno, which the caller can read only through
 * {@code Linker.Option.captureCallState}; in a fresh JVM that option costs the first link about
 * 10 ms (the capture segment's argument and check, and the stub's code for it; docs/spawn.md,
 * "The first spawn in a fresh JVM"). glibc's {@code syscall(3)} without that option maps the
 * page, and the page's handle has the same shape, so the linker makes one stub for both.
 *
 * <p>The source is {@code core/src/main/asm/syscall-ARCH.s}; the bytes below are its assembled
 * {@code .text} ({@code as} + {@code objcopy -O binary -j .text}), which {@code RawSyscallTest}
 * checks by assembling the file again.
 */
final class RawSyscall {
    private RawSyscall() {}

    /** core/src/main/asm/syscall-x86_64.s, 26 bytes. */
    static final byte[] X86_64 = {
            (byte) 0x48, (byte) 0x89, (byte) 0xf8, (byte) 0x48, (byte) 0x89, (byte) 0xf7, (byte) 0x48, (byte) 0x89,
            (byte) 0xd6, (byte) 0x48, (byte) 0x89, (byte) 0xca, (byte) 0x4d, (byte) 0x89, (byte) 0xc2, (byte) 0x4d,
            (byte) 0x89, (byte) 0xc8, (byte) 0x4c, (byte) 0x8b, (byte) 0x4c, (byte) 0x24, (byte) 0x08, (byte) 0x0f,
            (byte) 0x05, (byte) 0xc3,
    };

    /** The page the code is mapped in: mapped once per JVM and never unmapped (children may run it). */
    private static final long PAGE = 4096;

    /** {@return the machine code for this JVM's architecture, or {@code null} where there is none} */
    static byte[] forCurrentArchitecture() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> X86_64.clone();
            default -> null;
        };
    }

    /**
     * The downcall handle {@code (long nr, long a, ..., long f) -> long} of the mapped code, or
     * {@code null} when there is no code for this architecture or the page cannot be mapped (the
     * caller then uses glibc's {@code syscall(3)} with errno capture). {@code libc} is glibc's
     * {@code syscall(3)} linked with the same {@code shape} and no options; it only maps the page.
     */
    static MethodHandle link(Linker linker, FunctionDescriptor shape, MethodHandle libc) {
        byte[] code = forCurrentArchitecture();
        if (code == null) return null;
        try {
            long page = (long) libc.invokeExact((long) LinuxNs.SYS_mmap(), 0L, PAGE,
                    (long) (LinuxNs.PROT_READ() | LinuxNs.PROT_WRITE()),
                    (long) (LinuxNs.MAP_PRIVATE() | LinuxNs.MAP_ANONYMOUS()), -1L, 0L);
            // -1 is glibc's failure; its errno is not kept, and the capturing fallback still works.
            if (page == -1) return null;
            MemorySegment segment = MemorySegment.ofAddress(page).reinterpret(PAGE);
            MemorySegment.copy(code, 0, segment, JAVA_BYTE, 0, code.length);
            long r = (long) libc.invokeExact((long) LinuxNs.SYS_mprotect(), page, PAGE,
                    (long) (LinuxNs.PROT_READ() | LinuxNs.PROT_EXEC()), 0L, 0L, 0L);
            if (r != 0) {
                long ignored = (long) libc.invokeExact((long) LinuxNs.SYS_munmap(), page, PAGE, 0L, 0L, 0L, 0L);
                return null;
            }
            return linker.downcallHandle(segment, shape);
        } catch (RuntimeException e) {
            throw Native.linkFailure("the raw system call", e);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
