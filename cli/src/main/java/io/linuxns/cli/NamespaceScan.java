package io.linuxns.cli;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.net.RtNetlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The namespaces of the system, found as {@code lsns(8)} finds them: every
 * {@code /proc/PID/ns/TYPE} link, then the namespaces no process is in but that are kept
 * alive by an open descriptor of some process ({@code /proc/PID/fd} links such as
 * {@code net:[4026532177]}), by a socket (its network namespace, {@code SIOCGSKNS}), or by a
 * bind mount ({@code nsfs} entries of {@code /proc/self/mountinfo}, e.g. {@code ip netns add}).
 * Processes that vanish or may not be inspected during the scan are skipped, as lsns skips them.
 */
final class NamespaceScan {
    /** A process: what the PID, PPID, UID and COMMAND columns show. */
    record Proc(long pid, long ppid, long uid, String command) {}

    /** A bind mount of a namespace: {@code root} is {@code net:[4026532177]}, {@code target} the mount point. */
    record NsfsMount(String root, String target) {}

    /** How to open a namespace again, to ask the kernel about it. */
    @FunctionalInterface
    interface Opener {
        Namespace open() throws NamespaceException;
    }

    /** One namespace, with the processes in it in pid order (none for one held otherwise). */
    static final class Ns {
        final long inode;
        final NamespaceType type;
        final List<Proc> procs = new ArrayList<>();
        final Opener opener;
        /** The owner uid for a namespace no process is in (lsns's {@code uid_fallback}). */
        long uidFallback;
        private long parent = -1, owner = -1;

        Ns(long inode, NamespaceType type, Opener opener) {
            this.inode = inode;
            this.type = type;
            this.opener = opener;
        }

        /** {@return the process with the lowest pid in it, if any} */
        Optional<Proc> first() {
            return procs.isEmpty() ? Optional.empty() : Optional.of(procs.get(0));
        }

        /** {@return the inode of the parent (PID and user namespaces; 0 for others or when unknown)} */
        long parent() {
            relations();
            return parent;
        }

        /** {@return the inode of the owning user namespace (0 when unknown)} */
        long owner() {
            relations();
            return owner;
        }

        private void relations() {
            if (owner >= 0) return;
            parent = 0;
            owner = 0;
            try (Namespace ns = opener.open()) {
                try (Namespace o = ns.owner()) {
                    owner = o.inode();
                } catch (NamespaceException outside) {
                    // owner outside our user namespace: lsns shows 0 too
                }
                if (type == NamespaceType.USER || type == NamespaceType.PID) {
                    try (Namespace p = ns.parent()) {
                        parent = p.inode();
                    } catch (NamespaceException top) {
                        // the root, or a parent outside what we may see: 0, as lsns shows
                    }
                }
            } catch (NamespaceException gone) {
                // the process ended or the descriptor was closed since the scan
            }
        }
    }

    final Map<Long, Ns> namespaces = new LinkedHashMap<>();
    final Map<Long, Proc> processes = new LinkedHashMap<>();
    final List<NsfsMount> mounts = new ArrayList<>();

    /** The device of nsfs, where every namespace file lives; -1 if unknown. */
    private final long nsfsDevice = nsfsDevice();

    private NamespaceScan() {}

    private static long nsfsDevice() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self/ns/user"), "unix:dev")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Scans /proc for the namespaces of {@code types}; sorted by inode, as lsns sorts them. */
    static NamespaceScan scan(Set<NamespaceType> types) throws IOException {
        NamespaceScan s = new NamespaceScan();
        s.mounts.addAll(nsfsMounts());
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : proc) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) pids.add(Long.parseLong(n));
            }
        }
        pids.sort(null);
        for (long pid : pids) {
            long ppid = ppid(pid);
            if (ppid < 0) continue; // gone
            Proc p = new Proc(pid, ppid, owner(pid), command(pid));
            s.processes.put(pid, p);
            for (NamespaceType t : types) {
                long inode = inode(pid, t);
                if (inode < 0) continue;
                s.namespaces.computeIfAbsent(inode, k -> new Ns(k, t, () -> Namespace.ofProcess(pid, t))).procs.add(p);
            }
        }
        // After the processes, so that a namespace with a process is listed with it.
        for (long pid : pids) s.heldByDescriptors(pid, types);
        for (NsfsMount m : s.mounts) {
            Optional<NamespaceType> t = typeOf(m.root());
            long inode = inodeOf(m.root());
            if (t.isEmpty() || inode < 0 || !types.contains(t.get()) || s.namespaces.containsKey(inode)) continue;
            Path target = Path.of(m.target());
            s.addHeld(inode, t.get(), () -> Namespace.open(target));
        }
        List<Ns> sorted = new ArrayList<>(s.namespaces.values());
        sorted.sort(Comparator.comparingLong(n -> n.inode));
        s.namespaces.clear();
        for (Ns n : sorted) s.namespaces.put(n.inode, n);
        return s;
    }

    /** Namespaces open as descriptors of {@code pid}, and the network namespaces of its sockets. */
    private void heldByDescriptors(long pid, Set<NamespaceType> types) {
        Path fds = Path.of("/proc/" + pid + "/fd");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(fds)) {
            for (Path fd : dir) {
                String link;
                try {
                    link = Files.readSymbolicLink(fd).toString();
                } catch (IOException closed) {
                    continue;
                }
                int n;
                try {
                    n = Integer.parseInt(fd.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (link.startsWith("socket:[")) {
                    if (!types.contains(NamespaceType.NETWORK)) continue;
                    // Which namespace a socket is in is known only by asking: pidfd_getfd + SIOCGSKNS.
                    try (Namespace ns = Namespace.ofSocket(pid, n)) {
                        if (!namespaces.containsKey(ns.inode())) addHeld(ns.inode(), NamespaceType.NETWORK, () -> Namespace.ofSocket(pid, n));
                    } catch (NamespaceException | RuntimeException e) {
                        // not ours to take (ptrace access), or closed meanwhile: lsns ignores these too
                    }
                    continue;
                }
                Optional<NamespaceType> t = typeOf(link);
                long inode = inodeOf(link);
                if (t.isPresent() && inode >= 0) {
                    if (types.contains(t.get()) && !namespaces.containsKey(inode)) addHeld(inode, t.get(), () -> Namespace.open(fd));
                } else if (link.startsWith("/") && nsfsDevice >= 0) {
                    // A namespace file opened through a bind mount links to the mount's path,
                    // also once unmounted: only its device says it is nsfs, as lsns checks.
                    try {
                        Map<String, Object> st = Files.readAttributes(fd, "unix:dev,ino");
                        if (((Number) st.get("dev")).longValue() != nsfsDevice) continue;
                        long ino = ((Number) st.get("ino")).longValue();
                        if (namespaces.containsKey(ino)) continue;
                        try (Namespace ns = Namespace.open(fd)) {
                            if (types.contains(ns.type())) addHeld(ino, ns.type(), () -> Namespace.open(fd));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to inspect
        }
    }

    /**
     * Adds a namespace no process is in. Its USER is the owner uid of the user namespace it
     * is (NS_GET_OWNER_UID); for other types lsns's ioctl fails and leaves 0, so root.
     */
    private void addHeld(long inode, NamespaceType type, Opener opener) {
        Ns ns = new Ns(inode, type, opener);
        if (type == NamespaceType.USER) {
            try (Namespace n = opener.open()) {
                ns.uidFallback = Integer.toUnsignedLong(n.ownerUid());
            } catch (NamespaceException e) {
                return; // gone since we saw it
            }
        }
        namespaces.put(inode, ns);
    }

    /** The targets of the nsfs bind mounts of {@code ns}, in mountinfo order, each once. */
    List<String> nsfsTargets(Ns ns) {
        String root = ns.type.procName() + ":[" + ns.inode + "]";
        List<String> out = new ArrayList<>();
        for (NsfsMount m : mounts) if (m.root().equals(root) && !out.contains(m.target())) out.add(m.target());
        return out;
    }

    /** The NETNSID column: the id our network namespace gives {@code ns}, "unassigned" if none. */
    static String netnsId(RtNetlink rt, Ns ns) {
        if (rt == null || ns.type != NamespaceType.NETWORK) return "";
        try (Namespace n = ns.opener.open()) {
            OptionalInt id = rt.netnsId(n);
            return id.isPresent() ? Integer.toString(id.getAsInt()) : "unassigned";
        } catch (NamespaceException | RuntimeException e) {
            return "unassigned";
        }
    }

    private static List<NsfsMount> nsfsMounts() {
        List<NsfsMount> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) continue;
                String[] after = line.substring(dash + 3).split(" ");
                if (after.length == 0 || !after[0].equals("nsfs")) continue;
                String[] f = line.substring(0, dash).split(" ");
                if (f.length < 5) continue;
                out.add(new NsfsMount(unescape(f[3]), unescape(f[4])));
            }
        } catch (IOException e) {
            // no mountinfo: no persisted namespaces to show
        }
        return out;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal {@code \\040} etc. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** {@return the type of a link such as {@code net:[4026531840]}} */
    private static Optional<NamespaceType> typeOf(String link) {
        int colon = link.indexOf(':');
        return colon < 0 ? Optional.empty() : NamespaceType.ofProcName(link.substring(0, colon));
    }

    private static long inodeOf(String link) {
        int open = link.indexOf('['), close = link.indexOf(']');
        if (open < 0 || close < open) return -1;
        try {
            return Long.parseLong(link.substring(open + 1, close));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@return the inode in {@code /proc/PID/ns/TYPE} ("net:[4026531840]"), or -1 if unreadable} */
    static long inode(long pid, NamespaceType type) {
        try {
            return inodeOf(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type.procName())).toString());
        } catch (IOException | RuntimeException e) {
            return -1; // gone, not ours to inspect, or a type this kernel lacks
        }
    }

    /** The parent pid, from {@code /proc/PID/stat} after the command name; -1 if gone. */
    private static long ppid(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The owner of {@code /proc/PID}, the process's effective uid as lsns shows it. */
    private static long owner(long pid) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/" + pid), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The command line with spaces for NULs; for kernel threads (empty cmdline) the name in comm. */
    private static String command(long pid) {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            int end = b.length;
            while (end > 0 && b[end - 1] == 0) end--;
            for (int i = 0; i < end; i++) if (b[i] == 0) b[i] = ' ';
            String s = new String(b, 0, end, StandardCharsets.UTF_8);
            if (!s.isEmpty()) return s;
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
