package io.linuxns.internal.spawn;

import io.linuxns.ParentSetup;

import io.linuxns.IdMapping;
import io.linuxns.NamespaceException;
import io.linuxns.SetGroups;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the parent does for a child waiting in its sync window ({@code user_namespaces(7)},
 * {@code time_namespaces(7)}): id maps, time offsets, parent setups, then the byte that lets it
 * go on. On any failure the child is killed and reaped.
 */
final class ParentSide {
    private final Request r;
    private final Clone3.Child child;
    private final String proc;

    ParentSide(Request request, Spawner.Plan plan, Clone3.Child child) {
        this.r = request;
        this.child = child;
        this.proc = "/proc/" + child.pid() + "/";
    }

    /**
     * Waits for the helper's eight ready bytes (its namespaces final, a time namespace made, the
     * netlink socket open); EOF means it failed first.
     *
     * @return the number of the helper's netlink socket, 0 if it opened none
     */
    long awaitReady(int readyFd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8, 8);
            long got = 0;
            while (got < 8) {
                long n = Native.rawRead(readyFd, buf.asSlice(got), 8 - got);
                if (n == -Errno.EINTR) continue;
                if (n <= 0) throw new NamespaceException("read(ready pipe)", n < 0 ? (int) -n : 0, "the child ended before it was ready");
                got += n;
            }
            return buf.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
        }
    }

    void writeMaps() throws IOException {
        boolean root = Native.geteuid() == 0;
        if (r.ids().setgroups() != null) {
            write("setgroups", r.ids().setgroups() == SetGroups.DENY ? "deny" : "allow",
                    "unprivileged, setgroups must be denied before a gid map is written");
        } else if (!root && !r.ids().gidMap().isEmpty()) {
            // The kernel requires it of an unprivileged writer; say nothing and do it, as unshare -r does.
            write("setgroups", "deny", null);
        }
        writeMap("uid_map", "newuidmap", r.ids().uidMap(), Native.getuid(), root, false);
        writeMap("gid_map", "newgidmap", r.ids().gidMap(), Native.getgid(), root, r.ids().setgroups() == SetGroups.ALLOW);
    }

    /** @param setgroupsAllowed setgroups was written "allow": an unprivileged gid_map write is then refused for that alone */
    private void writeMap(String file, String helper, List<IdMapping> map, long ownId, boolean root, boolean setgroupsAllowed)
            throws IOException {
        if (map.isEmpty()) return;
        boolean trivial = map.size() == 1 && map.get(0).outside() == ownId && map.get(0).count() == 1;
        if (root || trivial) {
            StringBuilder sb = new StringBuilder();
            for (IdMapping m : map) sb.append(m).append('\n');
            String sub = "/etc/sub" + (file.startsWith("uid") ? "uid" : "gid");
            write(file, sb.toString(), root ? null
                    : setgroupsAllowed
                    // user_namespaces(7): without CAP_SETGID, gid_map is writable only once setgroups is "deny".
                    ? "an unprivileged process may write gid_map only once setgroups is denied, and SetGroups.ALLOW allowed"
                    + " it: use SetGroups.DENY (as mapRootToCurrentUser() does), or run as root"
                    : "an unprivileged process may map only its own id; several ranges need " + helper + "(1) and " + sub);
            return;
        }
        // Several ranges, unprivileged: the setuid helpers check /etc/subuid and /etc/subgid.
        List<String> cmd = new ArrayList<>(List.of(helper, Long.toString(child.pid())));
        for (IdMapping m : map) {
            cmd.add(Long.toString(m.inside()));
            cmd.add(Long.toString(m.outside()));
            cmd.add(Long.toString(m.count()));
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new NamespaceException(String.join(" ", cmd), Errno.ENOENT,
                    "an unprivileged map with several ranges needs " + helper + "(1): install the uidmap package");
        }
        try {
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly().waitFor();
            // The helpers print a line or two: the pipe never fills before they exit.
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!done || p.exitValue() != 0) {
                throw new NamespaceException(String.join(" ", cmd) + " failed: " + out, 0,
                        "check /etc/sub" + (file.startsWith("uid") ? "uid" : "gid") + " grants these ranges to the user");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NamespaceException("interrupted while " + helper + " ran", e);
        }
    }

    void writeTimeOffsets() throws IOException {
        StringBuilder sb = new StringBuilder();
        offset(sb, "monotonic", r.clocks().monotonicOffset());
        offset(sb, "boottime", r.clocks().boottimeOffset());
        if (!sb.isEmpty()) write("timens_offsets", sb.toString(), null);
    }

    private static void offset(StringBuilder sb, String clock, Duration d) {
        if (!d.isZero()) sb.append(clock).append(' ').append(d.getSeconds()).append(' ').append(d.getNano()).append('\n');
    }

    /** Brings up lo through the socket the child opened in its network namespace. */
    void loopbackUp(int childSocketFd) throws IOException {
        try (io.linuxns.net.RtNetlink nl = io.linuxns.net.RtNetlink.fromProcess(child.pid(), childSocketFd)) {
            nl.setUp("lo");
        }
    }

    void runSetups() throws IOException {
        for (ParentSetup s : r.lifetime().parentSetups()) s.beforeExec(child.pid());
    }

    /** Lets the child go on past its sync read. */
    void release(int syncFd) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom("s");
            long n = Native.rawWrite(syncFd, one, 1);
            if (n != 1) throw new NamespaceException("write(sync pipe)", n < 0 ? (int) -n : 0, "the child is gone");
        }
    }

    /**
     * Kills and reaps the child, closing its pidfd: nothing is left of it. Allocates nothing, so
     * that a spawn failing for want of memory still reaps.
     *
     * @return whether the child is known reaped; if not, it may still run on the spawn's memory,
     *         which must then never be reused ({@link Scratch#leak()})
     */
    boolean abandon() {
        Native.rawPidfdSendSignal(child.pidfd(), LinuxNs.SIGKILL());
        boolean reaped = ProcessImpl.reap(child.pidfd());
        Native.close(child.pidfd());
        return reaped;
    }

    /** One write(2), as the /proc files want, with the errno the kernel gave. */
    private void write(String name, String content, String epermHint) throws NamespaceException {
        String file = proc + name;
        try (Arena arena = Arena.ofConfined()) {
            // One arena for the path and the content: this runs two or three times in every spawn with id maps.
            int fd = (int) Native.rawSyscall4(LinuxNs.SYS_openat(), LinuxNs.AT_FDCWD(), arena.allocateFrom(file).address(),
                    LinuxNs.O_WRONLY() | LinuxNs.O_CLOEXEC(), 0);
            if (fd < 0) throw new NamespaceException(shown(file, content), -fd, null);
            try {
                MemorySegment bytes = arena.allocateFrom(content);
                long n = Native.rawWrite(fd, bytes, bytes.byteSize() - 1);
                if (n < 0) throw new NamespaceException(shown(file, content), (int) -n, -n == Errno.EPERM ? epermHint : null);
            } finally {
                Native.close(fd);
            }
        }
    }

    /** The call as an error message shows it: made only for one. */
    private static String shown(String file, String content) {
        return "write(\"" + file + "\", \"" + content.strip().replace("\n", "\\n") + "\")";
    }
}
