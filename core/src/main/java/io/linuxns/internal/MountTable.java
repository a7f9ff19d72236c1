package io.linuxns.internal;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The calling thread's mount table, from {@code /proc/thread-self/mountinfo} ({@code proc(5)}). */
public final class MountTable {
    private MountTable() {}

    /** One line of mountinfo: the mount point and whether it is in a shared peer group. */
    public record Entry(int id, int parentId, String mountPoint, String options, boolean shared, String fsType) {}

    /** {@return the calling thread's mounts, in mount order} */
    public static List<Entry> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/thread-self/mountinfo"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Entry> entries = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = 6;
            boolean shared = false;
            while (dash < f.length && !f[dash].equals("-")) {
                if (f[dash].startsWith("shared:")) shared = true;
                dash++;
            }
            entries.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[4]), f[5], shared,
                    dash + 1 < f.length ? f[dash + 1] : ""));
        }
        return entries;
    }

    /** {@return the mount that {@code path} (absolute, normalized, symlinks resolved) lies on} */
    public static Entry mountOf(Path path) {
        String p = path.toString();
        Entry best = null;
        for (Entry e : read()) {
            String mp = e.mountPoint();
            boolean under = p.equals(mp) || mp.equals("/") || p.startsWith(mp + "/");
            // Later lines are mounted over earlier ones: on equal length the last one is visible.
            if (under && (best == null || mp.length() >= best.mountPoint().length())) best = e;
        }
        if (best == null) throw new IllegalStateException("no mount holds " + p);
        return best;
    }

    /**
     * Makes the mount holding {@code dir} private if it is shared, so that a bind mount made
     * under it does not propagate. When {@code dir} is not a mount point it is first bind-mounted
     * onto itself, so that only {@code dir} changes (as {@code ip netns} does with /run/netns).
     */
    public static void makePrivateIfShared(Path dir) throws NamespaceException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new NamespaceException("cannot resolve " + dir + ": " + e.getMessage(), e);
        }
        Entry e = mountOf(real);
        if (!e.shared()) return;
        String d = real.toString();
        if (!e.mountPoint().equals(d)) {
            Native.mount(d, d, null, LinuxNs.MS_BIND(), null);
        }
        Native.mount(null, d, null, LinuxNs.MS_PRIVATE(), null);
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
