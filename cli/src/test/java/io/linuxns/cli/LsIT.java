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
    void columnsAreThoseOfLsns() {
        // The target is alone in its uts, net and user namespaces, so no process churn between
        // the two scans changes these lines.
        String[] args = {"-n", "-o", "NS,TYPE,PATH,NPROCS,PID,PPID,UID,USER,PNS,ONS,COMMAND", "-t", "uts", "-t", "user", "-p", Long.toString(target.pid())};
        Result lsns = exec(concat("lsns", args));
        assertEquals(0, lsns.exit(), lsns::toString);
        Result ours = linuxns(concat("ls", args));
        assertEquals(0, ours.exit(), ours::toString);
        String targetUts = Long.toString(inode("/proc/" + target.pid() + "/ns/uts"));
        // Cell by cell: lsns narrows and widens columns to fit 80 columns when not on a terminal;
        // linuxns never fits the output to a width.
        assertEquals(cells(lineOf(lsns.out(), targetUts)), cells(lineOf(ours.out(), targetUts)), ours::toString);
        String targetUser = Long.toString(inode("/proc/" + target.pid() + "/ns/user"));
        assertEquals(cells(lineOf(lsns.out(), targetUser)), cells(lineOf(ours.out(), targetUser)), ours::toString);
    }

    @Test
    void namespaceArgumentListsItsProcessesLikeLsns() {
        String uts = Long.toString(inode("/proc/" + target.pid() + "/ns/uts"));
        Result lsns = exec("lsns", uts);
        assertEquals(0, lsns.exit(), lsns::toString);
        Result ours = linuxns("ls", uts);
        assertEquals(lsns.out(), ours.out(), ours::toString);
        Result raw = linuxns("ls", "-r", "-n", "-o", "PID,COMMAND", uts);
        assertEquals(target.pid() + " sleep\\x20600", raw.line(), raw::toString);
        Result missing = linuxns("ls", "1");
        assertEquals(1, missing.exit(), missing::toString);
        assertEquals("linuxns: not found namespace: 1", missing.err().strip());
    }

    @Test
    void netTypeAddsNetnsidAndNsfsColumns() {
        Result r = linuxns("ls", "-t", "net", "-o", "+PATH");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("NS", "TYPE", "NPROCS", "PID", "USER", "NETNSID", "NSFS", "COMMAND", "PATH"),
                List.of(r.out().lines().findFirst().orElseThrow().trim().split("\\s+")));
        assertTrue(r.out().startsWith("        NS "), "NS is right-aligned as in lsns:\n" + r.out());
    }

    @Test
    void persistedNamespaceIsListedWithNoProcessAndItsMountPoint() throws IOException {
        assumeTrue(Cli.isRoot(), "ip netns add needs root");
        String name = "LINUXNS-LSIT-" + ProcessHandle.current().pid();
        String id = Long.toString(1000 + ProcessHandle.current().pid() % 10000);
        assumeTrue(exec("ip", "netns", "add", name).exit() == 0, "ip netns add failed");
        try {
            assertEquals(0, exec("ip", "netns", "set", name, id).exit());
            long ino = inode("/run/netns/" + name); // a bind mount: stat, not readlink
            Result r = linuxns("ls", "--noheadings", "--raw", "-o", "NS,TYPE,NPROCS,PID,USER,NETNSID,NSFS,COMMAND", "-t", "net");
            assertEquals(0, r.exit(), r::toString);
            // As util-linux prints it: 4026532177 net 0 root unassigned /run/netns/PEERPROBE
            assertTrue(r.out().lines().anyMatch(l -> l.equals(ino + " net 0  root " + id + " /run/netns/" + name + " ")), r::toString);
            Result f = linuxns("ls", "--raw", "--noheadings", "--filter", "NETNSID == '" + id + "'", "--output", "NSFS");
            assertEquals("/run/netns/" + name, f.line(), f::toString);
            Result p = linuxns("ls", "-n", "-r", "-o", "NS", "--persistent", "-t", "net");
            assertTrue(p.out().lines().anyMatch(l -> l.equals(Long.toString(ino))), p::toString);
        } finally {
            exec("ip", "netns", "delete", name);
        }
    }

    @Test
    void namespaceHeldOnlyByADescriptorOrASocketIsListed() throws Exception {
        assumeTrue(Cli.isRoot(), "ip netns add needs root");
        String name = "LINUXNS-LSIT-FD-" + ProcessHandle.current().pid();
        assumeTrue(exec("ip", "netns", "add", name).exit() == 0, "ip netns add failed");
        Process holder = null;
        long ino;
        try (io.linuxns.Namespace ns = io.linuxns.Namespace.open(Path.of("/run/netns/" + name))) {
            ino = ns.inode();
            // A descriptor of another process, and a socket of this JVM created inside it.
            holder = new ProcessBuilder("sh", "-c", "exec sleep 600 3</run/netns/" + name).start();
            while (holder.isAlive() && !Files.isSymbolicLink(Path.of("/proc/" + holder.pid() + "/fd/3"))) Thread.sleep(10);
            try (io.linuxns.net.RtNetlink inside = io.linuxns.net.RtNetlink.open(ns)) {
                exec("ip", "netns", "delete", name); // no mount holds it now
                Result r = linuxns("ls", "--noheadings", "--raw", "--output", "TYPE,NPROCS,USER", "-Q", "NS == " + ino);
                assertEquals("net 0 root", r.line(), r::toString);
                holder.destroyForcibly();
                holder.waitFor();
                ns.close();
                Result s = linuxns("ls", "--noheadings", "--raw", "--output", "NS,TYPE,NPROCS,PID,USER,COMMAND", "--filter", "NS == " + ino);
                assertEquals(ino + " net 0  root ", s.out().lines().findFirst().orElse(""), "held by the socket only:\n" + s);
            }
        } finally {
            if (holder != null) holder.destroyForcibly();
            exec("ip", "netns", "delete", name);
        }
    }

    @Test
    void filterSelectsLines() {
        String uts = Long.toString(inode("/proc/" + target.pid() + "/ns/uts"));
        Result r = linuxns("ls", "-n", "-r", "-o", "NS,COMMAND", "-Q", "TYPE == 'uts' and (PID == " + target.pid() + " or NS == 1)");
        assertEquals(uts + " sleep\\x20600", r.line(), r::toString);
        Result bad = linuxns("ls", "-Q", "NOSUCH == 1");
        assertEquals(1, bad.exit(), bad::toString);
    }

    @Test
    void unknownTypeIsUsageError() {
        Result r = linuxns("ls", "--type", "bogus");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("linuxns: unknown namespace type: bogus", r.err().strip());
    }

    private static String[] concat(String first, String... rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    private static List<String> cells(String line) {
        return List.of(line.trim().split("\\s+"));
    }

    private static String lineOf(String out, String inode) {
        return out.lines().filter(l -> l.strip().startsWith(inode + " ")).findFirst().orElse("(no line for " + inode + ")");
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
            if (!Files.isSymbolicLink(Path.of(link))) return ((Number) Files.getAttribute(Path.of(link), "unix:ino")).longValue();
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
