package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.internal.Native;

import java.util.LinkedHashSet;
import java.util.Set;

/** The descriptors a spawn opened: whatever is not handed on is closed on every path. */
final class Fds {
    private final Set<Integer> open = new LinkedHashSet<>();

    int add(int fd) {
        open.add(fd);
        return fd;
    }

    /** {@code pipe2(O_CLOEXEC)}: {read end, write end}, both tracked. */
    int[] pipe() throws NamespaceException {
        int[] p = Native.pipe();
        open.add(p[0]);
        open.add(p[1]);
        return p;
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
