package io.linuxns.cli;

import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.cli.NamespaceScan.Ns;
import io.linuxns.cli.NamespaceScan.Proc;
import io.linuxns.net.RtNetlink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code linuxns ls}: lists namespaces like {@code lsns(8)}: its columns, options, table,
 * raw and JSON layouts, the process tree it draws by default, and the owner and parent trees
 * of {@code -T} (built with the {@code NS_GET_USERNS} and {@code NS_GET_PARENT} ioctls,
 * {@code ioctl_ns(2)}). Namespaces that no process is in are listed too when a descriptor, a
 * socket or a bind mount holds them (see {@link NamespaceScan}).
 */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List namespaces like lsns(8): NS TYPE NPROCS PID USER COMMAND, one line per namespace.",
                "PID is the lowest pid in the namespace, USER and COMMAND are that process's.",
                "A namespace no process is in, kept alive by a descriptor, a socket or a bind mount, has NPROCS 0.",
                "With a NAMESPACE (an inode), the processes in it."},
        footer = {"", "Columns: NS TYPE PATH NPROCS PID PPID COMMAND UID USER NETNSID NSFS PNS ONS",
                "", "Examples:", "  linuxns ls --type net", "  linuxns ls -n -r -o NS,TYPE,NSFS --filter 'NPROCS == 0'",
                "  linuxns ls --json", "  linuxns ls --tree"})
final class LsCommand implements Callable<Integer> {
    /** The columns of lsns, with how it aligns them and whether JSON shows them as numbers. */
    enum Column {
        NS(10, true, true, "the namespace's inode number"),
        TYPE(5, false, false, "the namespace's type: mnt, net, ipc, user, pid, uts, cgroup, time"),
        PATH(0, false, false, "a /proc path that names the namespace"),
        NPROCS(5, true, true, "how many processes are in the namespace"),
        PID(5, true, true, "the lowest pid of a process in the namespace"),
        PPID(5, true, true, "the parent pid of that process"),
        COMMAND(0, false, false, "that process's command line"),
        UID(0, true, true, "that process's uid"),
        USER(0, false, false, "that process's user name"),
        NETNSID(0, true, false, "the id the network namespace has in ours (rtnetlink's netnsid)"),
        NSFS(0, false, false, "where the namespace is bind-mounted (ip netns add and the like)"),
        PNS(10, true, true, "the inode number of the parent namespace"),
        ONS(10, true, true, "the inode number of the owning user namespace");

        /** lsns's width hint: the width of a column whose cells are wider than its header but narrower than this. */
        final int hint;
        final boolean right, number;
        /** What {@code --list-columns} says of it. */
        final String description;

        Column(int hint, boolean right, boolean number, String description) {
            this.hint = hint;
            this.right = right;
            this.number = number;
            this.description = description;
        }
    }

    private enum Tree { NONE, PROCESS, OWNER, PARENT }

    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", description = "Only namespaces of TYPE: mnt, net, ipc, user, pid, uts, cgroup, time (repeatable).")
    List<String> types = new ArrayList<>();

    @Option(names = {"-p", "--task"}, paramLabel = "PID", description = "Only the namespaces that process PID is in.")
    String task;

    @Option(names = {"-o", "--output"}, paramLabel = "LIST", description = "The columns, comma-separated; +LIST adds them to the default ones (repeatable).")
    List<String> output = new ArrayList<>();

    @Option(names = "--output-all", description = "All columns.")
    boolean outputAll;

    @Option(names = {"-H", "--list-columns"}, description = "List the columns: name, JSON type, what it shows (with -r or -J too), and exit.")
    boolean listColumns;

    @Option(names = {"-n", "--noheadings"}, description = "No header line.")
    boolean noHeadings;

    @Option(names = {"-r", "--raw"}, description = "Raw output: one space between cells, special characters as \\xNN, no wrapping.")
    boolean raw;

    @Option(names = {"-J", "--json"}, description = "JSON output, shaped like lsns -J.")
    boolean json;

    @Option(names = {"-l", "--list"}, description = "A list, not the process tree drawn by default.")
    boolean list;

    @Option(names = {"-u", "--notruncate"}, description = "Do not truncate COMMAND to fit the terminal's width.")
    boolean noTruncate;

    @Option(names = {"-W", "--nowrap"}, description = "Several NSFS mount points on one line, comma-separated, not one per line.")
    boolean noWrap;

    @Option(names = {"-P", "--persistent"}, description = "Only the namespaces that no process is in.")
    boolean persistent;

    @Option(names = {"-T", "--tree"}, arity = "0..1", paramLabel = "RELATION", preprocessor = AttachedValueOnly.class,
            description = "A tree: owner (the default: each user namespace followed by the namespaces it owns), parent, or process.")
    String treeType;

    @Option(names = {"-Q", "--filter"}, paramLabel = "EXPR", description = "Only the lines for which EXPR holds, in lsns's syntax: NPROCS == 0 and TYPE == 'net'.")
    String filter;

    @Parameters(arity = "0..1", paramLabel = "NAMESPACE", description = "A namespace inode: list the processes in it.")
    String namespace;

    /** One output line: a namespace and the process shown with it (null if none). */
    private record Row(Ns ns, Proc proc) {}

    private NamespaceScan scan;
    private Accounts accounts;
    private RtNetlink netlink;
    private final Map<Long, String> netnsIds = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        if (listColumns) {
            printColumns(spec.commandLine().getOut());
            return 0;
        }
        Set<NamespaceType> wanted = EnumSet.noneOf(NamespaceType.class);
        for (String t : types) {
            wanted.add(NamespaceType.ofProcName(t).orElseThrow(() -> CliException.usage("unknown namespace type: " + t)));
        }
        boolean net = wanted.contains(NamespaceType.NETWORK);
        if (wanted.isEmpty()) wanted = EnumSet.allOf(NamespaceType.class);
        long taskPid = task == null ? 0 : number(task, "invalid PID argument");
        long nsInode = 0;
        if (namespace != null) {
            if (task != null) throw CliException.usage("--task is mutually exclusive with <namespace>");
            nsInode = number(namespace, "invalid namespace argument");
        }
        Tree tree = Tree.NONE;
        if (treeType != null) {
            tree = switch (treeType.startsWith("=") ? treeType.substring(1) : treeType) {
                case AttachedValueOnly.NONE, "owner" -> Tree.OWNER;
                case "parent" -> Tree.PARENT;
                case "process" -> Tree.PROCESS;
                default -> throw CliException.usage("unknown tree type: " + treeType);
            };
        }
        RowFilter rowFilter = filter == null ? null : RowFilter.parse(filter);

        List<Column> columns = new ArrayList<>();
        if (outputAll) columns.addAll(List.of(Column.values()));
        boolean explicit = !columns.isEmpty() || output.stream().anyMatch(o -> !o.startsWith("+"));
        if (!explicit) {
            if (namespace != null) columns.addAll(List.of(Column.PID, Column.PPID, Column.USER, Column.COMMAND));
            else {
                columns.addAll(List.of(Column.NS, Column.TYPE, Column.NPROCS, Column.PID, Column.USER));
                if (net) columns.addAll(List.of(Column.NETNSID, Column.NSFS));
                columns.add(Column.COMMAND);
            }
            if (tree == Tree.NONE && !list) tree = Tree.PROCESS;
        }
        for (String o : output) {
            for (String name : (o.startsWith("+") ? o.substring(1) : o).split(",")) {
                if (name.isEmpty()) continue;
                try {
                    columns.add(Column.valueOf(name.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("unknown column: " + name);
                }
            }
        }
        if (rowFilter != null) {
            for (String h : rowFilter.holders()) {
                try {
                    Column.valueOf(h);
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("unknown column: " + h);
                }
            }
        }
        if (raw) noWrap = true;

        accounts = Accounts.load();
        Set<NamespaceType> scanned = EnumSet.copyOf(wanted);
        scan = NamespaceScan.scan(scanned);
        try {
            if (columns.contains(Column.NETNSID) || (rowFilter != null && rowFilter.holders().contains("NETNSID"))) {
                try {
                    netlink = RtNetlink.open();
                } catch (NamespaceException e) {
                    netlink = null; // NETNSID shows as "unassigned", as lsns shows it without netlink
                }
            }
            List<Row> rows = new ArrayList<>();
            if (namespace != null) {
                Ns ns = scan.namespaces.get(nsInode);
                if (ns == null) throw new CliException(ExitCodes.USAGE, "not found namespace: " + nsInode);
                for (Proc p : ns.procs) rows.add(new Row(ns, p));
            } else {
                for (Ns ns : scan.namespaces.values()) {
                    if (taskPid != 0 && ns.procs.stream().noneMatch(p -> p.pid() == taskPid)) continue;
                    if (persistent && !ns.procs.isEmpty()) continue;
                    rows.add(new Row(ns, ns.first().orElse(null)));
                }
            }
            if (rowFilter != null) rows.removeIf(r -> !rowFilter.test(name -> cell(Column.valueOf(name), r)));
            List<Node> nodes = tree(rows, tree);
            PrintWriter out = spec.commandLine().getOut();
            if (json) printJson(out, nodes, columns);
            else printTable(out, nodes, columns, tree);
            out.flush();
        } finally {
            if (netlink != null) netlink.close();
        }
        return 0;
    }

    private static long number(String s, String what) throws CliException {
        try {
            long v = Long.parseLong(s);
            if (v > 0) return v;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw CliException.usage(what + ": '" + s + "'");
    }

    /** The text of a cell, as lsns fills it; empty for an empty cell. */
    private String cell(Column c, Row r) {
        Ns ns = r.ns();
        Proc p = r.proc();
        return switch (c) {
            case NS -> Long.toString(ns.inode);
            case TYPE -> ns.type.procName();
            case PATH -> p == null ? "" : "/proc/" + p.pid() + "/ns/" + ns.type.procName();
            case NPROCS -> Integer.toString(ns.procs.size());
            case PID -> p == null ? "" : Long.toString(p.pid());
            case PPID -> p == null ? "" : Long.toString(p.ppid());
            case COMMAND -> p == null ? "" : p.command();
            case UID -> Long.toString(uid(r));
            case USER -> uid(r) < 0 ? "" : accounts.userName(uid(r));
            case NETNSID -> ns.type == NamespaceType.NETWORK ? netnsIds.computeIfAbsent(ns.inode, k -> NamespaceScan.netnsId(netlink, ns)) : "";
            case NSFS -> String.join(noWrap ? "," : "\n", scan.nsfsTargets(ns));
            case PNS -> Long.toString(ns.parent());
            case ONS -> Long.toString(ns.owner());
        };
    }

    private static long uid(Row r) {
        return r.proc() != null ? r.proc().uid() : r.ns().uidFallback;
    }

    /** A line and the lines drawn under it. */
    private record Node(Row row, List<Node> children) {}

    /**
     * Arranges the rows as lsns does: under the line of the parent process ({@code process}),
     * of the owning user namespace ({@code owner}), or of the parent namespace, else the owner
     * ({@code parent}). A line whose relative has no line of its own stays at the top.
     * Relatives that are listed nowhere (an owner no process is in) are not added.
     */
    private List<Node> tree(List<Row> rows, Tree tree) {
        List<Node> roots = new ArrayList<>();
        Map<Long, Node> byPid = new HashMap<>();
        Map<Long, Node> byNs = new LinkedHashMap<>();
        List<Node> all = new ArrayList<>();
        for (Row r : rows) {
            Node n = new Node(r, new ArrayList<>());
            all.add(n);
            if (tree == Tree.PROCESS) {
                Node parent = r.proc() == null ? null : byPid.get(r.proc().ppid());
                (parent == null ? roots : parent.children()).add(n);
                if (r.proc() != null) byPid.put(r.proc().pid(), n);
            } else if (tree == Tree.NONE) {
                roots.add(n);
            } else {
                byNs.put(r.ns().inode, n);
            }
        }
        if (tree == Tree.OWNER || tree == Tree.PARENT) {
            for (Node n : all) {
                Ns ns = n.row().ns();
                Node up = null;
                if (tree == Tree.PARENT) up = byNs.get(ns.parent());
                if (up == null && (tree == Tree.OWNER || ns.type != NamespaceType.USER)) up = byNs.get(ns.owner());
                if (up == null || up == n || isBelow(up, n)) roots.add(n);
                else up.children().add(n);
            }
        }
        return roots;
    }

    private static boolean isBelow(Node candidate, Node top) {
        for (Node c : top.children()) if (c == candidate || isBelow(candidate, c)) return true;
        return false;
    }

    /**
     * The layout of libsmartcols as lsns uses it: one space between columns, numbers
     * right-aligned, the last column unpadded; the tree drawn in COMMAND (process tree) or NS
     * (owner and parent trees, then left-aligned); NSFS one mount point per line unless
     * {@code --nowrap}; {@code --raw} without padding, spaces and the like as {@code \xNN}.
     */
    private void printTable(PrintWriter out, List<Node> roots, List<Column> columns, Tree tree) {
        Column treeColumn = tree == Tree.PROCESS ? Column.COMMAND : tree == Tree.NONE ? null : Column.NS;
        List<String[]> lines = new ArrayList<>();
        List<String[]> flat = new ArrayList<>();
        flatten(roots, false, "", columns, treeColumn, flat);
        for (String[] cells : flat) {
            // A cell of several lines (NSFS) continues on lines of its own, the other cells empty.
            int height = 1;
            for (String c : cells) height = Math.max(height, raw ? 1 : c.split("\n", -1).length);
            for (int h = 0; h < height; h++) {
                String[] line = new String[cells.length];
                for (int i = 0; i < cells.length; i++) {
                    String[] parts = raw ? new String[] {cells[i]} : cells[i].split("\n", -1);
                    line[i] = h < parts.length ? parts[h] : "";
                }
                lines.add(line);
            }
        }
        // The header counts in the widths even when not printed, as in libsmartcols.
        String[] header = new String[columns.size()];
        for (int i = 0; i < header.length; i++) header[i] = columns.get(i).name();
        lines.add(0, header);
        if (raw) {
            for (String[] l : noHeadings ? lines.subList(1, lines.size()) : lines) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < l.length; i++) {
                    if (i > 0) sb.append(' ');
                    sb.append(rawEncode(l[i]));
                }
                out.println(sb);
            }
            return;
        }
        int[] w = new int[columns.size()];
        for (String[] l : lines.subList(1, lines.size())) for (int i = 0; i < l.length; i++) w[i] = Math.max(w[i], l[i].codePointCount(0, l[i].length()));
        // libsmartcols (2.38, as installed with lsns here) off a terminal: at least the header's
        // width, and the hint when the cells are wider than the header but narrower than it.
        for (int i = 0; i < w.length; i++) {
            int min = header[i].length(), hint = columns.get(i).hint;
            if (w[i] < min) w[i] = min;
            else if (w[i] < hint && min < hint) w[i] = hint;
        }
        int cut = truncatedColumn(columns, w);
        for (String[] l : noHeadings ? lines.subList(1, lines.size()) : lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                if (i > 0) sb.append(' ');
                if (i == cut && l[i].codePointCount(0, l[i].length()) > w[i]) l[i] = l[i].substring(0, l[i].offsetByCodePoints(0, w[i]));
                int pad = w[i] - l[i].codePointCount(0, l[i].length());
                boolean right = columns.get(i).right && columns.get(i) != treeColumn;
                if (right) sb.append(" ".repeat(pad)).append(l[i]);
                else if (i == l.length - 1) sb.append(l[i]);
                else sb.append(l[i]).append(" ".repeat(pad));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /**
     * On a terminal, as libsmartcols does for lsns's one truncatable column (COMMAND, unless
     * {@code -u}): when the lines are wider than the terminal, COMMAND is narrowed by the excess,
     * down to its header's width, and its cells are cut to it. Off a terminal nothing is cut.
     *
     * @param w the columns' widths, COMMAND's narrowed in place
     * @return COMMAND's index when its cells are to be cut, else -1
     */
    private int truncatedColumn(List<Column> columns, int[] w) {
        int c = columns.indexOf(Column.COMMAND);
        if (c < 0 || noTruncate) return -1;
        int width = TerminalWidth.ofStdout();
        if (width < 0) return -1;
        int total = w.length - 1;
        for (int x : w) total += x;
        if (total <= width) return -1;
        w[c] = Math.max(Column.COMMAND.name().length(), w[c] - (total - width));
        return c;
    }

    /** Depth first, each line's tree cell prefixed with its branch, as libsmartcols draws it. */
    private void flatten(List<Node> nodes, boolean nested, String indent, List<Column> columns, Column treeColumn, List<String[]> out) {
        for (int k = 0; k < nodes.size(); k++) {
            Node n = nodes.get(k);
            boolean last = k == nodes.size() - 1;
            String branch = nested ? indent + (last ? "└─" : "├─") : "";
            String[] cells = new String[columns.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = cell(columns.get(i), n.row());
                if (columns.get(i) == treeColumn) cells[i] = branch + cells[i];
            }
            out.add(cells);
            flatten(n.children(), true, nested ? indent + (last ? "  " : "│ ") : "", columns, treeColumn, out);
        }
    }

    /** {@code --list-columns}, laid out as lsns's: the name right-aligned, its JSON type, its description. */
    private void printColumns(PrintWriter out) {
        if (json) {
            out.println("{");
            out.println("   \"lsns-columns\": [");
            Column[] all = Column.values();
            for (int i = 0; i < all.length; i++) {
                Column c = all[i];
                out.println("      {");
                out.println("         \"holder\": " + Json.string(c.name()) + ",");
                out.println("         \"type\": " + Json.string(jsonType(c)) + ",");
                out.println("         \"description\": " + Json.string(c.description));
                out.println("      }" + (i < all.length - 1 ? "," : ""));
            }
            out.println("   ]");
            out.println("}");
        } else {
            int width = 0;
            for (Column c : Column.values()) width = Math.max(width, c.name().length());
            for (Column c : Column.values()) {
                if (raw) out.println(c.name() + " " + jsonType(c) + " " + rawEncode(c.description));
                else out.println(" ".repeat(width - c.name().length()) + c.name() + " " + String.format("%-9s", jsonType(c)) + " " + c.description);
            }
        }
        out.flush();
    }

    private static String jsonType(Column c) {
        return c.number ? "<integer>" : "<string>";
    }

    /** libsmartcols's raw encoding: bytes that are not printable ASCII, space and backslash as \xNN. */
    private static String rawEncode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '\\') b.append(String.format("\\x%02x", c));
            else b.append((char) c);
        }
        return b.toString();
    }

    /** JSON as lsns -J prints it: numbers unquoted, empty cells null, children nested. */
    private void printJson(PrintWriter out, List<Node> roots, List<Column> columns) {
        out.println("{");
        out.println("   \"namespaces\": [");
        printObjects(out, roots, columns, "      ");
        out.println("   ]");
        out.println("}");
    }

    private void printObjects(PrintWriter out, List<Node> nodes, List<Column> columns, String indent) {
        for (int k = 0; k < nodes.size(); k++) {
            Node n = nodes.get(k);
            out.println(indent + (k == 0 ? "{" : "},{"));
            for (int i = 0; i < columns.size(); i++) {
                Column c = columns.get(i);
                String v = cell(c, n.row());
                String value = v.isEmpty() ? "null" : c.number ? v : Json.string(v); // several NSFS mount points: "\n"-separated, as lsns -J
                boolean more = i < columns.size() - 1 || !n.children().isEmpty();
                out.println(indent + "   " + Json.string(c.name().toLowerCase(Locale.ROOT)) + ": " + value + (more ? "," : ""));
            }
            if (!n.children().isEmpty()) {
                out.println(indent + "   \"children\": [");
                printObjects(out, n.children(), columns, indent + "      ");
                out.println(indent + "   ]");
            }
        }
        if (!nodes.isEmpty()) out.println(indent + "}");
    }
}
