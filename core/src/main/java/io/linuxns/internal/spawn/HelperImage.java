package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The spawn helper: a static ELF executable made per spawn, which the {@code clone3} child
 * {@code execveat}s at once so that every namespace, credential, mount and init step runs in an
 * address space of its own, never in the JVM's.
 *
 * <p>The image is built in a mapping of the JVM's at a random address (reused by later spawns
 * once zeroed), the address where the helper will see it: page 0 holds the ELF header and {@link ChildRoutine}'s code, the pages
 * after it the helper's {@link ChildProgram} with everything it points to. The ELF loads those
 * pages at the same addresses (a fresh address space has nothing there yet: the JVM's mappings
 * all lie below its mmap base, under any stack position), so the program's pointers are valid as
 * they are. {@link #seal} copies the used bytes into a memfd and seals it, so nothing can rewrite
 * the executable through {@code /proc/PID/exe}; the child's copy of the memfd is close-on-exec.
 *
 * <p>See {@code memfd_create(2)}, {@code execveat(2)}, {@code elf(5)}.
 */
final class HelperImage implements AutoCloseable {
    static final long PAGE = 4096;
    private static final int CODE_OFFSET = 256;
    private static final int PT_LOAD = 1, PT_GNU_STACK = 0x6474e551, PF_X = 1, PF_W = 2, PF_R = 4;

    /** The program outgrew the image: build it again in a larger one. */
    static final class Full extends RuntimeException {
        Full() {
            super(null, null, false, false);
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment image;
    /** Images of the first size, zeroed, for the next spawns: a new mapping and its page faults cost more than a spawn's other setup. */
    private static final java.util.concurrent.ConcurrentLinkedDeque<MemorySegment> POOL = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private static final int POOL_MAX = 16;
    /** How many are in {@link #POOL}, or about to be: its size() walks the whole deque. */
    private static final java.util.concurrent.atomic.AtomicInteger POOLED = new java.util.concurrent.atomic.AtomicInteger();
    /** The size of a first try: most programs fit. */
    static final long FIRST_CAPACITY = 32 * 1024;
    private final byte[] code;
    private long used = PAGE;

    /** @param capacity bytes for the program and its data, beyond the code page */
    HelperImage(byte[] code, long capacity) {
        if (CODE_OFFSET + code.length > PAGE) throw new IllegalStateException("interpreter larger than a page");
        this.code = code;
        MemorySegment pooled = capacity == FIRST_CAPACITY ? POOL.pollFirst() : null;
        if (pooled != null) POOLED.getAndDecrement();
        this.image = pooled != null ? pooled : map(PAGE + capacity);
    }

    /**
     * A mapping of its own at a random address: the helper's memory layout, which an init's
     * sandbox can read in {@code /proc/1/maps}, then tells nothing about where the JVM keeps its
     * native heap (it needs no cryptographic randomness: only no relation to the JVM's layout,
     * and SecureRandom would hold /dev/urandom open for good). Zeroed, as anonymous memory is.
     */
    private static MemorySegment map(long size) {
        long hint = (0x1000_0000_0000L + (java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0x3fff_ffff_f000L)) & -PAGE; // in [16 TiB, 80 TiB)
        try {
            return Native.mmapAnonymous(hint, size, LinuxNs.PROT_READ() | LinuxNs.PROT_WRITE(), 0);
        } catch (NamespaceException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@return zeroed memory inside the image, valid at the same address in the helper; throws {@link Full}} */
    SegmentAllocator memory() {
        return (size, align) -> {
            long start = (used + align - 1) & -align;
            if (start + size > image.byteSize()) throw new Full();
            used = start + size;
            return image.asSlice(start, size);
        };
    }

    /** {@return the address of the helper program's header: the first thing allocated in {@link #memory()}} */
    long programAddress() {
        return image.address() + PAGE;
    }

    /**
     * Writes the ELF header and the code into page 0, copies the image into a new memfd and seals
     * it ({@code F_SEAL_WRITE|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL}).
     *
     * @return the memfd, close-on-exec; the caller closes it. A copy of a kept memfd
     *         ({@link SealedImages}) when an earlier image had exactly these bytes.
     */
    int seal(String name) throws NamespaceException {
        writeElf();
        MemorySegment content = image.asSlice(0, used);
        int kept = SealedImages.copyOf(name, content, arena);
        if (kept >= 0) return kept;
        int fd = create(name);
        try {
            long off = 0;
            while (off < used) {
                long n = Native.rawWrite(fd, image.asSlice(off), used - off);
                if (n == -Errno.EINTR) continue;
                if (n <= 0) throw new NamespaceException("write(memfd, " + (used - off) + " bytes)", n < 0 ? (int) -n : 0, null);
                off += n;
            }
            int seals = LinuxNs.F_SEAL_WRITE() | LinuxNs.F_SEAL_SHRINK() | LinuxNs.F_SEAL_GROW() | LinuxNs.F_SEAL_SEAL();
            long r = Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_ADD_SEALS(), seals, 0);
            if (r < 0) throw new NamespaceException("fcntl(memfd, F_ADD_SEALS, WRITE|SHRINK|GROW|SEAL)", (int) -r, null);
            SealedImages.keep(name, content, fd, arena);
            return fd;
        } catch (Throwable e) {
            Native.close(fd); // an Error too (out of memory keeping a copy): the descriptor is never handed on
            throw e;
        }
    }

    /** memfd_create with MFD_EXEC where the kernel knows it (6.3+), without it before. */
    private int create(String name) throws NamespaceException {
        MemorySegment cname = arena.allocateFrom(name, StandardCharsets.UTF_8);
        int flags = LinuxNs.MFD_CLOEXEC() | LinuxNs.MFD_ALLOW_SEALING();
        long r = Native.rawSyscall4(LinuxNs.SYS_memfd_create(), cname.address(), flags | LinuxNs.MFD_EXEC(), 0, 0);
        if (r == -Errno.EINVAL) r = Native.rawSyscall4(LinuxNs.SYS_memfd_create(), cname.address(), flags, 0, 0);
        if (r < 0) {
            int errno = (int) -r;
            throw new NamespaceException("memfd_create(\"" + name + "\", MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC)", errno,
                    errno == Errno.EACCES || errno == Errno.EPERM ? MEMFD_EXEC_REFUSED : null);
        }
        return (int) r;
    }

    /** What to do when the kernel refuses an executable memfd, for both the creation and the exec. */
    static final String MEMFD_EXEC_REFUSED = "linuxns runs each spawn's helper from a sealed memfd, and this system refuses"
            + " executable memfds: the sysctl vm.memfd_noexec (per PID namespace) is 2, or a security module (SELinux,"
            + " AppArmor, Landlock) forbids executing memfds; set vm.memfd_noexec to 0 or 1 in the JVM's PID namespace, or"
            + " allow memfd execution for the JVM, since linuxns will not fall back to running in the JVM's memory";

    private void writeElf() {
        long base = image.address();
        MemorySegment h = image.asSlice(0, CODE_OFFSET);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) throw new IllegalStateException("little-endian only");
        byte[] ident = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1 /* version */, 0 /* SYSV */};
        MemorySegment.copy(ident, 0, h, JAVA_BYTE, 0, ident.length);
        h.set(JAVA_SHORT_UNALIGNED, 16, (short) 2);           // ET_EXEC
        h.set(JAVA_SHORT_UNALIGNED, 18, (short) 62);          // EM_X86_64
        h.set(JAVA_INT_UNALIGNED, 20, 1);                      // EV_CURRENT
        h.set(JAVA_LONG_UNALIGNED, 24, base + CODE_OFFSET + ChildRoutine.ELF_ENTRY);
        h.set(JAVA_LONG_UNALIGNED, 32, 64);                    // e_phoff
        h.set(JAVA_SHORT_UNALIGNED, 52, (short) 64);          // e_ehsize
        h.set(JAVA_SHORT_UNALIGNED, 54, (short) 56);          // e_phentsize
        h.set(JAVA_SHORT_UNALIGNED, 56, (short) 3);           // e_phnum
        h.set(JAVA_SHORT_UNALIGNED, 58, (short) 64);          // e_shentsize
        programHeader(h, 0, PT_LOAD, PF_R | PF_X, 0, base, CODE_OFFSET + code.length);
        programHeader(h, 1, PT_LOAD, PF_R | PF_W, PAGE, base + PAGE, used - PAGE);
        programHeader(h, 2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0);
        MemorySegment.copy(code, 0, image, JAVA_BYTE, CODE_OFFSET, code.length);
    }

    private static void programHeader(MemorySegment h, int index, int type, int flags, long offset, long vaddr, long size) {
        long o = 64 + 56L * index;
        h.set(JAVA_INT_UNALIGNED, o, type);
        h.set(JAVA_INT_UNALIGNED, o + 4, flags);
        h.set(JAVA_LONG_UNALIGNED, o + 8, offset);
        h.set(JAVA_LONG_UNALIGNED, o + 16, vaddr);
        h.set(JAVA_LONG_UNALIGNED, o + 24, vaddr);
        h.set(JAVA_LONG_UNALIGNED, o + 32, size);
        h.set(JAVA_LONG_UNALIGNED, o + 40, size);
        h.set(JAVA_LONG_UNALIGNED, o + 48, type == PT_LOAD ? PAGE : 16);
    }

    /** Frees the image: only once no child can read it (after the exec, or its death). */
    @Override
    public void close() {
        arena.close();
        if (image.byteSize() == PAGE + FIRST_CAPACITY && POOLED.getAndIncrement() < POOL_MAX) {
            image.asSlice(0, used).fill((byte) 0); // the allocator hands out zeroed memory
            POOL.addFirst(image);
        } else {
            if (image.byteSize() == PAGE + FIRST_CAPACITY) POOLED.getAndDecrement();
            Native.munmap(image);
        }
    }
}
