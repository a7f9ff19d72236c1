package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The sealed memfds of the last few helper images, kept so that a spawn whose helper image is
 * byte for byte the same as an earlier one (the same request again: the same command, the same
 * descriptor numbers, the image built in the same pooled mapping) execs a copy of that memfd
 * instead of creating, writing and sealing a new one (about 30 µs of the spawning thread's time,
 * and the inode's teardown after the exec).
 *
 * <p>Why this is safe:
 * <ul>
 * <li>an entry is only a memfd {@link HelperImage#seal} sealed with
 *     {@code F_SEAL_WRITE|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL} before it got here: nobody can
 *     change its content, through this descriptor, another one or a shared mapping;
 * <li>it is used only for an image whose every byte equals the bytes written into it (kept here
 *     and compared in full, no hash), so a spawn runs exactly the program it wrote;
 * <li>each descriptor is close-on-exec and numbered above stderr: the trampoline's
 *     {@code execveat} uses a close-on-exec copy of it, and neither the helper nor the command
 *     ever holds one;
 * <li>before a copy is used, {@code fstat} and {@code F_GET_SEALS} check that the number still
 *     names that memfd, fully sealed (code that closes descriptors it does not own could have
 *     put another file there);
 * <li>at most {@link #MAX} entries of at most {@link #MAX_BYTES} each: {@link #MAX} descriptors
 *     and their pages for the JVM's life.
 * </ul>
 * Descriptor-counting tests see these as the library's through {@link #descriptors()}.
 *
 * <p>See {@code memfd_create(2)} ("File sealing"), {@code fcntl(2)} ({@code F_GET_SEALS}).
 */
public final class SealedImages {
    private SealedImages() {}

    /** The number of images kept. */
    static final int MAX = 4;
    /** Only first-size images are kept: a larger program is rare, and its bytes would stay in memory. */
    static final long MAX_BYTES = HelperImage.PAGE + HelperImage.FIRST_CAPACITY;
    private static final int ALL_SEALS = LinuxNs.F_SEAL_WRITE() | LinuxNs.F_SEAL_SHRINK() | LinuxNs.F_SEAL_GROW() | LinuxNs.F_SEAL_SEAL();

    private record Entry(String name, byte[] content, int fd, long dev, long ino) {
        boolean holds(String n, MemorySegment c) {
            return name.equals(n) && content.length == c.byteSize() && MemorySegment.mismatch(
                    MemorySegment.ofArray(content), 0, content.length, c, 0, c.byteSize()) < 0;
        }
    }

    /** Most recently used first; guarded by itself. */
    private static final ArrayDeque<Entry> ENTRIES = new ArrayDeque<>(MAX + 1);

    /**
     * {@return a new close-on-exec descriptor (above stderr) of a sealed memfd holding exactly
     * {@code content}, for the caller to close; -1 if none is kept}
     */
    static int copyOf(String name, MemorySegment content, SegmentAllocator scratch) {
        if (content.byteSize() > MAX_BYTES) return -1;
        synchronized (ENTRIES) {
            for (Iterator<Entry> it = ENTRIES.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (!e.holds(name, content)) continue;
                it.remove();
                // Copied under the lock: an eviction closes the entry's descriptor under it too.
                int copy = dupOrNegative(e.fd());
                if (copy < 0) {
                    ENTRIES.addFirst(e); // no room for a copy (EMFILE): kept, and the spawn makes its own, or says why not
                    return -1;
                }
                if (isStill(e, copy, scratch)) {
                    ENTRIES.addFirst(e);
                    return copy;
                }
                // Not ours any more: forgotten, and its number left alone (it names someone else's file now).
                Native.close(copy);
                return -1;
            }
        }
        return -1;
    }

    /**
     * Keeps a copy of {@code fd}, a memfd just written with {@code content} and fully sealed;
     * nothing happens when it cannot (the descriptor table full, say): the spawn goes on with
     * {@code fd} either way.
     */
    static void keep(String name, MemorySegment content, int fd, SegmentAllocator scratch) {
        if (content.byteSize() > MAX_BYTES) return;
        int copy = dupOrNegative(fd);
        if (copy < 0) return;
        Entry kept;
        try {
            long[] devIno = Native.devIno(copy, scratch);
            kept = new Entry(name, content.toArray(JAVA_BYTE), copy, devIno[0], devIno[1]);
        } catch (NamespaceException e) {
            Native.close(copy);
            return;
        } catch (Throwable e) {
            Native.close(copy); // out of memory for the copy of the bytes: not kept, and no descriptor left behind
            throw e;
        }
        synchronized (ENTRIES) {
            ENTRIES.addFirst(kept);
            while (ENTRIES.size() > MAX) {
                Entry old = ENTRIES.removeLast();
                if (isStill(old, old.fd(), scratch)) Native.close(old.fd());
            }
        }
    }

    /**
     * {@return the descriptor numbers this JVM's library keeps open for helper images} For tests
     * that look for leaked descriptors: these are the library's, as its reaper's are.
     */
    public static Set<Integer> descriptors() {
        Set<Integer> fds = new TreeSet<>();
        synchronized (ENTRIES) {
            for (Entry e : ENTRIES) fds.add(e.fd());
        }
        return fds;
    }

    private static int dupOrNegative(int fd) {
        return (int) Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_DUPFD_CLOEXEC(), 3, 0);
    }

    /** Whether {@code fd} is (a copy of) the entry's memfd, with all its seals. */
    private static boolean isStill(Entry e, int fd, SegmentAllocator scratch) {
        long seals = Native.rawSyscall4(LinuxNs.SYS_fcntl(), fd, LinuxNs.F_GET_SEALS(), 0, 0);
        if (seals < 0 || (seals & ALL_SEALS) != ALL_SEALS) return false;
        try {
            long[] devIno = Native.devIno(fd, scratch);
            return devIno[0] == e.dev() && devIno[1] == e.ino();
        } catch (NamespaceException gone) {
            return false;
        }
    }
}
