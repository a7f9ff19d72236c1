package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.io.IOException;

/**
 * The child's stdin, stdout and stderr, opened in the parent: pipes for {@code PIPE}, files for
 * file redirects and {@code DISCARD}, nothing for {@code INHERIT} (the child keeps the JVM's).
 */
record Stdio(int[] childEnds, int[] parentEnds, boolean mergeErrorIntoOutput) {

    static Stdio open(Request r, Fds fds) throws IOException {
        int[] child = {-1, -1, -1};
        int[] parent = {-1, -1, -1};
        for (int i = 0; i < 3; i++) {
            if (i == 2 && r.streams().redirectErrorStream()) break;
            ProcessBuilder.Redirect redirect = r.streams().redirects()[i];
            switch (redirect.type()) {
                case PIPE -> {
                    int[] p = fds.pipe();
                    child[i] = i == 0 ? p[0] : p[1];
                    parent[i] = i == 0 ? p[1] : p[0];
                }
                case INHERIT -> { }
                case READ -> child[i] = fds.add(Native.open(redirect.file().getPath(), LinuxNs.O_RDONLY() | LinuxNs.O_CLOEXEC(), 0));
                case WRITE -> child[i] = fds.add(Native.open(redirect.file().getPath(),
                        LinuxNs.O_WRONLY() | LinuxNs.O_CREAT() | LinuxNs.O_TRUNC() | LinuxNs.O_CLOEXEC(), 0666));
                case APPEND -> child[i] = fds.add(Native.open(redirect.file().getPath(),
                        LinuxNs.O_WRONLY() | LinuxNs.O_CREAT() | LinuxNs.O_APPEND() | LinuxNs.O_CLOEXEC(), 0666));
            }
        }
        // An end already at its own number stays (the child clears its close-on-exec flag); one at
        // another stdio number would be overwritten by the dup2 of an earlier stream: ends that
        // land there when the JVM's stdio is closed move above stderr.
        for (int i = 0; i < 3; i++) {
            if (child[i] != i) child[i] = fds.aboveStdio(child[i]);
        }
        return new Stdio(child, parent, r.streams().redirectErrorStream());
    }

    /** Hands the parent's ends over to the process object. */
    int[] parentEnds(Fds fds) {
        return new int[] {fds.release(parentEnds[0]), fds.release(parentEnds[1]), fds.release(parentEnds[2])};
    }
}
