package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.io.IOException;

/**
 * The child's stdin, stdout and stderr, opened in the parent: pipes for {@code PIPE}, files for
 * file redirects and {@code DISCARD}, nothing for {@code INHERIT} (the child keeps the JVM's).
 */
record Stdio(int[] childEnds, int[] parentEnds, boolean mergeErrorIntoOutput) {

    /**
     * @param shareDiscard stdout and stderr both discarded may share one {@code /dev/null}
     *                     (the direct spawn's child only dup2s them; the helper's descriptor
     *                     bookkeeping wants each number once)
     */
    static Stdio open(Request r, Fds fds, boolean shareDiscard) throws IOException {
        int[] child = {-1, -1, -1};
        int[] parent = {-1, -1, -1};
        ProcessBuilder.Redirect[] redirects = r.streams().redirects();
        boolean shared = shareDiscard && !r.streams().redirectErrorStream()
                && ProcessBuilder.Redirect.DISCARD.equals(redirects[1]) && ProcessBuilder.Redirect.DISCARD.equals(redirects[2]);
        for (int i = 0; i < 3; i++) {
            if (i == 2 && (r.streams().redirectErrorStream() || shared)) break;
            ProcessBuilder.Redirect redirect = redirects[i];
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
        // One open of /dev/null instead of two: stdout's end is dup2'ed onto 1 and 2 (at 1 itself, it stays, and 2 gets a copy).
        if (shared) child[2] = child[1];
        return new Stdio(child, parent, r.streams().redirectErrorStream());
    }

    /** Hands the parent's ends over to the process object. */
    int[] parentEnds(Fds fds) {
        return new int[] {fds.release(parentEnds[0]), fds.release(parentEnds[1]), fds.release(parentEnds[2])};
    }
}
