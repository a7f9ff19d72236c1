package io.linuxns.cli;

import io.linuxns.NamespaceType;

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
import java.util.Set;

/**
 * The namespaces that processes are in, found as {@code lsns(8)} finds them: every
 * {@code /proc/PID/ns/TYPE} link, grouped by the inode it names. Processes that vanish or may
 * not be inspected during the scan are skipped, as lsns skips them.
 */
final class NamespaceScan {
    private NamespaceScan() {}

    /** One namespace: its inode, type, how many processes are in it, and the lowest of their pids. */
    record Entry(long inode, NamespaceType type, int nprocs, long pid, long uid, String command) {}

    static List<Entry> scan(Set<NamespaceType> types) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : proc) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) pids.add(Long.parseLong(n));
            }
        }
        pids.sort(null);
        record Key(NamespaceType type, long inode) {}
        Map<Key, long[]> found = new LinkedHashMap<>(); // {nprocs, lowest pid}
        for (long pid : pids) {
            for (NamespaceType t : types) {
                long inode = inode(pid, t);
                if (inode < 0) continue;
                long[] v = found.computeIfAbsent(new Key(t, inode), k -> new long[] {0, pid});
                v[0]++;
            }
        }
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<Key, long[]> e : found.entrySet()) {
            long pid = e.getValue()[1];
            out.add(new Entry(e.getKey().inode(), e.getKey().type(), (int) e.getValue()[0], pid, owner(pid), command(pid)));
        }
        out.sort(Comparator.comparingLong(Entry::inode));
        return out;
    }

    /** {@return the inode in {@code /proc/PID/ns/TYPE} ("net:[4026531840]"), or -1 if unreadable} */
    static long inode(long pid, NamespaceType type) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type.procName())).toString();
            int open = target.indexOf('['), close = target.indexOf(']');
            return open < 0 || close < open ? -1 : Long.parseLong(target.substring(open + 1, close));
        } catch (IOException | RuntimeException e) {
            return -1; // gone, not ours to inspect, or a type this kernel lacks
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
