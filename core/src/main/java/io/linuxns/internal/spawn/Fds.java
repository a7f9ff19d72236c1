package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.internal.Native;

import java.lang.foreign.SegmentAllocator;
import java.util.LinkedHashSet;
import java.util.Set;

/** The descriptors a spawn opened: whatever is not handed on is closed on every path. */
final class Fds {
    private final Set<Integer> open = new LinkedHashSet<>();
    /** For the system calls' buffers: the spawn's scratch memory. */
    private final SegmentAllocator scratch;

    Fds(SegmentAllocator scratch) {
        this.scratch = scratch;
    }

    int add(int fd) {
        open.add(fd);
        return fd;
    }

    /** {@code pipe2(O_CLOEXEC)}: {read end, write end}, both tracked. */
    int[] pipe() throws NamespaceException {
        int[] p = Native.pipe(scratch);
        open.add(p[0]);
        open.add(p[1]);
        return p;
    }

    /**
     * {@code fd} itself when it is above stderr, else a close-on-exec copy above it, tracked, and
     * the original closed: with the JVM's stdin, stdout or stderr closed, a descriptor the child
     * needs can get number 0-2, where the child's stdio set-up would overwrite it or the
     * command would inherit it.
     */
    int aboveStdio(int fd) throws NamespaceException {
        if (fd < 0 || fd > 2) return fd;
        int moved = add(Native.dupCloexecAtLeast(fd, 3));
        close(fd);
        return moved;
    }

    void close(int fd) {
        if (fd >= 0 && open.remove(fd)) Native.close(fd);
    }

    void closeChildSide(int[] childEnds) {
        for (int fd : childEnds) close(fd);
    }

    /** Stops tracking {@code fd}: its new owner closes it. */
    int release(int fd) {
        if (fd >= 0) open.remove(fd);
        return fd;
    }

    void closeAll() {
        for (int fd : open) Native.close(fd);
        open.clear();
    }
}
