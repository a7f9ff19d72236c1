package io.linuxns.internal.spawn;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kept helper images ({@link SealedImages}): a spawn gets a kept memfd only for a program
 * byte for byte the same as the one written into it, a kept memfd cannot be written or resized
 * by anyone, is close-on-exec, above stderr, never reaches a command, a number that stopped
 * naming it is left alone, and no more than {@link SealedImages#MAX} are kept.
 */
class SealedImagesTest {
    private static final byte[] CODE = ChildRoutine.forCurrentArchitecture().orElseThrow();

    /** Seals an image whose program is {@code program}; {@return the memfd's bytes and its inode} and closes everything. */
    private static Sealed seal(String name, byte[] program) throws Exception {
        HelperImage image = new HelperImage(CODE, HelperImage.FIRST_CAPACITY);
        try {
            MemorySegment at = image.memory().allocate(program.length, 8);
            MemorySegment.copy(program, 0, at, JAVA_BYTE, 0, program.length);
            int fd = image.seal(name);
            try {
                assertTrue(fd > 2, "above stderr: " + fd);
                return new Sealed(Files.readAllBytes(Path.of("/proc/self/fd/" + fd)), Native.devIno(fd)[1]);
            } finally {
                Native.close(fd);
            }
        } finally {
            image.close();
        }
    }

    private record Sealed(byte[] content, long ino) {
        byte[] program(int length) {
            return Arrays.copyOfRange(content, (int) HelperImage.PAGE, (int) HelperImage.PAGE + length);
        }
    }

    private static byte[] program(int seed) {
        byte[] p = new byte[300];
        for (int i = 0; i < p.length; i++) p[i] = (byte) (i * 7 + seed);
        return p;
    }

    @Test
    void aKeptMemfdServesOnlyTheSameBytes() throws Exception {
        byte[] a = program(1);
        byte[] b = a.clone();
        b[b.length - 1] ^= 1; // one bit in the last byte
        Sealed first = seal("linuxns-spawn", a);
        assertArrayEquals(a, first.program(a.length));
        Sealed again = seal("linuxns-spawn", a);
        assertArrayEquals(first.content(), again.content());
        assertEquals(first.ino(), again.ino(), "the same bytes again: the kept memfd");
        Sealed other = seal("linuxns-spawn", b);
        assertArrayEquals(b, other.program(b.length), "a different program runs its own bytes");
        assertNotEquals(first.ino(), other.ino());
        Sealed renamed = seal("linuxns-init", a);
        assertArrayEquals(a, renamed.program(a.length));
        assertNotEquals(first.ino(), renamed.ino(), "another name is another image");
        assertEquals(first.ino(), seal("linuxns-spawn", a).ino(), "kept while among the last " + SealedImages.MAX);
    }

    @Test
    void keptMemfdsCannotBeChangedAndAreBounded() throws Exception {
        for (int i = 0; i < 3 * SealedImages.MAX; i++) seal("linuxns-spawn", program(100 + i));
        var kept = SealedImages.descriptors();
        assertEquals(SealedImages.MAX, kept.size(), kept.toString());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            for (int fd : kept) {
                assertTrue(fd > 2, "above stderr: " + fd);
                assertTrue(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("/memfd:linuxns-"));
                assertEquals(LinuxNs.FD_CLOEXEC(), Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_GETFD(), 0, 0) & LinuxNs.FD_CLOEXEC());
                int all = LinuxNs.F_SEAL_WRITE() | LinuxNs.F_SEAL_SHRINK() | LinuxNs.F_SEAL_GROW() | LinuxNs.F_SEAL_SEAL();
                assertEquals(all, Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_GET_SEALS(), 0, 0) & all);
                assertEquals(-Errno.EPERM, Native.rawWrite(fd, buf, 16), "write through the kept descriptor");
                // Through a new open file description of the same memfd, as /proc/PID/exe would give.
                Path proc = Path.of("/proc/self/fd/" + fd);
                assertThrows(java.io.IOException.class, () -> Files.write(proc, new byte[] {1}, StandardOpenOption.WRITE));
                assertThrows(java.io.IOException.class, () -> Files.write(proc, new byte[0], StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING));
                assertThrows(java.io.IOException.class, () -> Files.write(proc, new byte[] {1}, StandardOpenOption.APPEND));
                long map = Native.rawSyscall(LinuxNs.SYS_mmap(), 0, 4096, LinuxNs.PROT_READ() | LinuxNs.PROT_WRITE(),
                        0x01 /* MAP_SHARED */, fd, 0);
                assertEquals(-Errno.EPERM, map, "a shared writable mapping");
            }
        }
    }

    @Test
    void aNumberThatNoLongerNamesTheKeptMemfdIsLeftAlone() throws Exception {
        byte[] p = program(55);
        long ino = seal("linuxns-spawn", p).ino();
        int kept = -1;
        for (int fd : SealedImages.descriptors()) if (Native.devIno(fd)[1] == ino) kept = fd;
        assertTrue(kept > 2, "kept: " + SealedImages.descriptors());
        // Code that closes descriptors it does not own, and opens something else at that number.
        try (var devNull = java.nio.channels.FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE)) {
            int other = io.linuxns.TestSupport.fdOf(Path.of("/dev/null"));
            assertEquals(kept, (int) Native.rawSyscall4(LinuxNs.SYS_dup2(), other, kept, 0, 0));
            Sealed fresh = seal("linuxns-spawn", p);
            assertArrayEquals(p, fresh.program(p.length));
            assertNotEquals(ino, fresh.ino());
            for (int i = 0; i < 2 * SealedImages.MAX; i++) seal("linuxns-spawn", program(200 + i)); // evicts whatever is left
            assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(Path.of("/proc/self/fd/" + kept)), "closed by the library");
        } finally {
            Native.close(kept);
        }
    }

    @Test
    void aCommandNeverHoldsAKeptMemfd() throws Exception {
        String list = "for f in /proc/self/fd/*; do readlink \"$f\"; done; true";
        for (boolean inherit : new boolean[] {false, true}) {
            for (int i = 0; i < 3; i++) {
                Process p = new NamespacedProcessBuilder("/bin/sh", "-c", list).unshare(NamespaceType.UTS).mapRootToCurrentUser()
                        .hostname("sealed") // a hostname needs the helper
                        .inheritDescriptors(inherit).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), out);
                assertFalse(out.contains("memfd"), "inheritDescriptors(" + inherit + "): " + out);
            }
            assertFalse(SealedImages.descriptors().isEmpty(), "the same spawn again: a kept image");
        }
    }
}
