package io.linuxns.cli;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code linuxns ls}: lists namespaces like {@code lsns(8)}, with its default columns
 * NS TYPE NPROCS PID USER COMMAND, its JSON shape ({@code lsns -J}), and a tree of user
 * namespaces ({@code --tree}) built with the {@code NS_GET_PARENT} and {@code NS_GET_USERNS}
 * ioctls ({@code ioctl_ns(2)}), each user namespace followed by the namespaces it owns.
 */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List namespaces like lsns(8): NS TYPE NPROCS PID USER COMMAND, one line per namespace that a process is in.",
                "PID is the lowest pid in the namespace, USER and COMMAND are that process's."},
        footer = {"", "Examples:", "  linuxns ls --type net", "  linuxns ls --json", "  linuxns ls --tree"})
final class LsCommand implements Callable<Integer> {
    @Mixin
    DebugOption debug;

    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", description = "Only namespaces of TYPE: mnt, net, ipc, user, pid, uts, cgroup, time (repeatable).")
    List<String> types = new ArrayList<>();

    @Option(names = {"-J", "--json"}, description = "JSON output, shaped like lsns -J.")
    boolean json;

    @Option(names = {"-T", "--tree"}, description = "Tree of user namespaces (parent and child), each followed by the namespaces it owns.")
    boolean tree;

    @Override
    public Integer call() throws Exception {
        if (json && tree) throw CliException.usage("--json and --tree cannot be combined");
        Set<NamespaceType> wanted = EnumSet.noneOf(NamespaceType.class);
        for (String t : types) {
            wanted.add(NamespaceType.ofProcName(t).orElseThrow(() -> CliException.usage("unknown namespace type: " + t)));
        }
        if (wanted.isEmpty()) wanted = EnumSet.allOf(NamespaceType.class);
        PrintWriter out = spec.commandLine().getOut();
        Accounts accounts = Accounts.load();
        if (tree) {
            Set<NamespaceType> scanned = EnumSet.copyOf(wanted);
            scanned.add(NamespaceType.USER); // the skeleton of the tree
            printTree(out, NamespaceScan.scan(scanned), wanted, accounts);
        } else {
            List<NamespaceScan.Entry> entries = NamespaceScan.scan(wanted);
            if (json) printJson(out, entries, accounts);
            else printTable(out, rows(entries, accounts, Map.of()));
        }
        out.flush();
        return 0;
    }

    private static List<String[]> rows(List<NamespaceScan.Entry> entries, Accounts accounts, Map<Long, String> prefixes) {
        List<String[]> rows = new ArrayList<>();
        for (NamespaceScan.Entry e : entries) {
            rows.add(new String[] {prefixes.getOrDefault(e.inode(), "") + e.inode(), e.type().procName(),
                    e.nprocs() == 0 ? "" : Integer.toString(e.nprocs()), e.pid() <= 0 ? "" : Long.toString(e.pid()),
                    e.uid() < 0 ? "" : accounts.userName(e.uid()), e.command()});
        }
        return rows;
    }

    /** Columns as lsns aligns them: numbers right, text left, the last column unpadded. */
    private static void printTable(PrintWriter out, List<String[]> rows) {
        String[] header = {"NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"};
        boolean[] right = {false, false, true, true, false, false};
        int[] w = new int[header.length];
        List<String[]> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (String[] r : all) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : all) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) sb.append(' ');
                if (i == r.length - 1) sb.append(r[i]);
                else if (right[i]) sb.append(" ".repeat(w[i] - r[i].length())).append(r[i]);
                else sb.append(r[i]).append(" ".repeat(w[i] - r[i].length()));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static void printJson(PrintWriter out, List<NamespaceScan.Entry> entries, Accounts accounts) {
        out.println("{");
        out.println("   \"namespaces\": [");
        for (int i = 0; i < entries.size(); i++) {
            NamespaceScan.Entry e = entries.get(i);
            out.println("      {");
            out.println("         \"ns\": " + e.inode() + ",");
            out.println("         \"type\": " + Json.string(e.type().procName()) + ",");
            out.println("         \"nprocs\": " + e.nprocs() + ",");
            out.println("         \"pid\": " + e.pid() + ",");
            out.println("         \"user\": " + (e.uid() < 0 ? "null" : Json.string(accounts.userName(e.uid()))) + ",");
            out.println("         \"command\": " + Json.string(e.command()));
            out.println("      }" + (i < entries.size() - 1 ? "," : ""));
        }
        out.println("   ]");
        out.println("}");
    }

    /**
     * The user namespaces found, completed with their ancestors (which may hold no process),
     * linked by NS_GET_PARENT; under each, the namespaces of the wanted types it owns
     * (NS_GET_USERNS). A namespace whose relatives we may not see hangs from the top.
     */
    private static void printTree(PrintWriter out, List<NamespaceScan.Entry> entries, Set<NamespaceType> wanted, Accounts accounts) {
        Map<Long, NamespaceScan.Entry> users = new TreeMap<>();
        Map<Long, Long> parentOf = new HashMap<>();
        Map<Long, List<NamespaceScan.Entry>> owned = new HashMap<>();
        List<NamespaceScan.Entry> others = new ArrayList<>();
        for (NamespaceScan.Entry e : entries) {
            if (e.type() == NamespaceType.USER) users.put(e.inode(), e);
            else others.add(e);
        }
        for (NamespaceScan.Entry u : List.copyOf(users.values())) {
            // Walk up from each user namespace that has a process, adding ancestors as we meet them.
            try (Namespace ns = Namespace.ofProcess(u.pid(), NamespaceType.USER)) {
                Namespace cur = ns;
                while (true) {
                    Namespace parent;
                    try {
                        parent = cur.parent();
                    } catch (NamespaceException top) {
                        break; // EPERM: the root, or the top of what we may see
                    }
                    parentOf.put(cur.inode(), parent.inode());
                    boolean known = users.containsKey(parent.inode());
                    users.putIfAbsent(parent.inode(), new NamespaceScan.Entry(parent.inode(), NamespaceType.USER, 0, 0, -1, ""));
                    if (cur != ns) cur.close();
                    cur = parent;
                    if (known) break;
                }
                if (cur != ns) cur.close();
            } catch (NamespaceException gone) {
                // The process ended or may not be inspected: it shows at the top level.
            }
        }
        for (NamespaceScan.Entry e : others) {
            if (!wanted.contains(e.type())) continue;
            long owner = -1;
            try (Namespace ns = Namespace.ofProcess(e.pid(), e.type()); Namespace u = ns.owner()) {
                owner = u.inode();
            } catch (NamespaceException gone) {
                // unknown owner: listed at the top level
            }
            owned.computeIfAbsent(owner, k -> new ArrayList<>()).add(e);
        }
        Map<Long, List<Long>> children = new LinkedHashMap<>();
        List<Long> roots = new ArrayList<>();
        for (long u : users.keySet()) {
            Long p = parentOf.get(u);
            if (p == null || !users.containsKey(p)) roots.add(u);
            else children.computeIfAbsent(p, k -> new ArrayList<>()).add(u);
        }
        List<NamespaceScan.Entry> ordered = new ArrayList<>();
        Map<Long, String> prefixes = new HashMap<>();
        for (long r : roots) walk(r, "", "", users, children, owned, ordered, prefixes);
        // Owned by a user namespace that no process is in (nor below): listed at the top level
        // rather than dropped, as are those whose owner could not be asked.
        for (Map.Entry<Long, List<NamespaceScan.Entry>> group : owned.entrySet()) {
            if (!users.containsKey(group.getKey())) ordered.addAll(group.getValue());
        }
        printTable(out, rows(ordered, accounts, prefixes));
    }

    private static void walk(long user, String prefix, String childPrefix, Map<Long, NamespaceScan.Entry> users,
                             Map<Long, List<Long>> children, Map<Long, List<NamespaceScan.Entry>> owned,
                             List<NamespaceScan.Entry> ordered, Map<Long, String> prefixes) {
        ordered.add(users.get(user));
        prefixes.put(user, prefix);
        List<NamespaceScan.Entry> mine = owned.getOrDefault(user, List.of());
        List<Long> kids = children.getOrDefault(user, List.of());
        int n = mine.size() + kids.size(), i = 0;
        for (NamespaceScan.Entry e : mine) {
            boolean last = ++i == n;
            ordered.add(e);
            prefixes.put(e.inode(), childPrefix + (last ? "└─" : "├─"));
        }
        for (long k : kids) {
            boolean last = ++i == n;
            walk(k, childPrefix + (last ? "└─" : "├─"), childPrefix + (last ? "  " : "│ "), users, children, owned, ordered, prefixes);
        }
    }
}
