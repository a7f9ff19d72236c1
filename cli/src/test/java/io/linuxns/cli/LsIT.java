package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.linuxns.cli.Cli.exec;
import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code linuxns ls}, against util-linux {@code lsns(8)}. */
class LsIT {
    static TargetProcess target;

    @BeforeAll
    static void start() throws Exception {
        target = new TargetProcess("ls-target"); // a net and a user namespace besides the host's
    }

    @AfterAll
    static void stop() throws Exception {
        if (target != null) target.close();
    }

    @Test
    void jsonHasEveryNetNamespaceThatLsnsReports() throws IOException {
        assumeTrue(Cli.isRoot(), "as another user both see only their own processes; compare as root");
        Result lsns = exec("lsns", "-J", "-t", "net");
        assertEquals(0, lsns.exit(), lsns::toString);
        Result ours = linuxns("ls", "--json", "--type", "net");
        assertEquals(0, ours.exit(), ours::toString);
        assertTrue(ours.out().startsWith("{\n   \"namespaces\": ["), ours::toString);
        Set<Long> mine = inodes(ours.out());
        assertTrue(mine.contains(inode("/proc/" + target.pid() + "/ns/net")), ours::toString);
        Set<Long> missing = new TreeSet<>(inodes(lsns.out()));
        missing.removeAll(mine);
        // Processes come and go between the two scans; only a namespace that still exists counts.
        missing.retainAll(liveNetNamespaces());
        assertTrue(missing.isEmpty(), () -> "lsns lists " + missing + " which linuxns ls does not:\n" + ours.out());
    }

    @Test
    void tableHasTheColumnsOfLsns() {
        Result r = linuxns("ls", "-t", "uts");
        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"), List.of(lines.get(0).trim().split("\\s+")));
        String targetUts = Long.toString(inode("/proc/" + target.pid() + "/ns/uts"));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(targetUts + " uts ") && l.contains("sleep 600")), r::toString);
    }

    @Test
    void treeNestsTheTargetsUserNamespaceUnderOurs() {
        Result r = linuxns("ls", "--tree", "-t", "user", "-t", "net");
        assertEquals(0, r.exit(), r::toString);
        String user = Long.toString(inode("/proc/" + target.pid() + "/ns/user"));
        String net = Long.toString(inode("/proc/" + target.pid() + "/ns/net"));
        List<String> lines = r.out().lines().toList();
        int u = indexOf(lines, "─" + user + " ", " user "), n = indexOf(lines, "─" + net + " ", " net ");
        assertTrue(u > 0 && n > u, r::toString);
        // The owned net namespace is indented one level deeper than its user namespace.
        assertTrue(lines.get(n).indexOf(net) > lines.get(u).indexOf(user), r::toString);
    }

    @Test
    void unknownTypeIsUsageError() {
        Result r = linuxns("ls", "--type", "bogus");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("linuxns: unknown namespace type: bogus", r.err().strip());
    }

    private static int indexOf(List<String> lines, String inode, String type) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(inode) && lines.get(i).contains(type)) return i;
        return -1;
    }

    private static Set<Long> inodes(String json) {
        Set<Long> s = new TreeSet<>();
        Matcher m = Pattern.compile("\"ns\"\\s*:\\s*(\\d+)").matcher(json);
        while (m.find()) s.add(Long.parseLong(m.group(1)));
        return s;
    }

    private static long inode(String link) {
        try {
            String t = Files.readSymbolicLink(Path.of(link)).toString();
            return Long.parseLong(t.substring(t.indexOf('[') + 1, t.indexOf(']')));
        } catch (IOException e) {
            return -1;
        }
    }

    private static Set<Long> liveNetNamespaces() throws IOException {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) found.add(inode(p.resolve("ns/net").toString()));
        }
        return new TreeSet<>(found);
    }
}
