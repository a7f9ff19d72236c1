package io.linuxns.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A {@code -Q/--filter} expression in the syntax of util-linux's libsmartcols
 * ({@code scols-filter(5)}): column names (holders), numbers, quoted strings, the operators
 * {@code == != < <= > >= =~ !~} (and {@code eq ne lt le gt ge}), {@code and}/{@code &&},
 * {@code or}/{@code ||}, {@code not}/{@code !}, parentheses, {@code true}/{@code false} and
 * size suffixes ({@code 4K}, {@code 1MiB}: powers of 1024). A column name alone is true
 * when its cell is not empty. Cells are compared as numbers when both sides are numbers,
 * otherwise as strings, which is how libsmartcols compares a number column with a number.
 */
final class RowFilter {
    /** The value of a column for the row being tested; empty when the cell is empty. */
    interface Cells extends Function<String, String> {}

    private sealed interface Node permits Or, And, Not, Cmp, Holder, Literal {}
    private record Or(Node l, Node r) implements Node {}
    private record And(Node l, Node r) implements Node {}
    private record Not(Node n) implements Node {}
    private record Cmp(String op, Node l, Node r) implements Node {}
    private record Holder(String name) implements Node {}
    private record Literal(String value) implements Node {}

    private final Node root;
    private final Set<String> holders = new LinkedHashSet<>();
    private final List<String> tokens = new ArrayList<>();
    private int at;

    private RowFilter(String expr) {
        tokenize(expr);
        root = or();
        if (at != tokens.size()) throw error("unexpected '" + tokens.get(at) + "'");
    }

    /** Parses {@code expr}; bad syntax is a usage error, worded like util-linux's. */
    static RowFilter parse(String expr) throws CliException {
        try {
            return new RowFilter(expr);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("failed to parse filter: " + e.getMessage());
        }
    }

    /** {@return the column names the expression reads, upper case} */
    Set<String> holders() {
        return holders;
    }

    boolean test(Cells cells) {
        return truth(eval(root, cells));
    }

    private static boolean truth(String v) {
        return v != null && !v.isEmpty() && !v.equals("0") && !v.equals("false");
    }

    private String eval(Node n, Cells cells) {
        return switch (n) {
            case Or o -> bool(truth(eval(o.l(), cells)) || truth(eval(o.r(), cells)));
            case And a -> bool(truth(eval(a.l(), cells)) && truth(eval(a.r(), cells)));
            case Not x -> bool(!truth(eval(x.n(), cells)));
            case Holder h -> cells.apply(h.name());
            case Literal l -> l.value();
            case Cmp c -> bool(compare(c.op(), eval(c.l(), cells), eval(c.r(), cells)));
        };
    }

    private static String bool(boolean b) {
        return b ? "1" : "";
    }

    private static boolean compare(String op, String a, String b) {
        if (a == null) a = "";
        if (b == null) b = "";
        if (op.equals("=~")) return Pattern.compile(b).matcher(a).find();
        if (op.equals("!~")) return !Pattern.compile(b).matcher(a).find();
        int c;
        Double x = number(a), y = number(b);
        c = x != null && y != null ? Double.compare(x, y) : a.compareTo(b);
        return switch (op) {
            case "==" -> c == 0;
            case "!=" -> c != 0;
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            case ">=" -> c >= 0;
            default -> throw new IllegalStateException(op);
        };
    }

    private static Double number(String s) {
        if (s.isEmpty()) return null;
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- parsing: or := and ('or' and)* ; and := unary ('and' unary)* ; unary := 'not' unary | cmp

    private Node or() {
        Node l = and();
        while (accept("or", "||")) l = new Or(l, and());
        return l;
    }

    private Node and() {
        Node l = unary();
        while (accept("and", "&&")) l = new And(l, unary());
        return l;
    }

    private Node unary() {
        if (accept("not", "!")) return new Not(unary());
        Node l = operand();
        String op = peek();
        if (op != null) {
            String canonical = switch (op.toLowerCase()) {
                case "==", "eq" -> "==";
                case "!=", "ne" -> "!=";
                case "<", "lt" -> "<";
                case "<=", "le" -> "<=";
                case ">", "gt" -> ">";
                case ">=", "ge" -> ">=";
                case "=~", "!~" -> op;
                default -> null;
            };
            if (canonical != null) {
                at++;
                return new Cmp(canonical, l, operand());
            }
        }
        return l;
    }

    private Node operand() {
        String t = peek();
        if (t == null) throw error("unexpected end of expression");
        at++;
        if (t.equals("(")) {
            Node n = or();
            if (!accept(")")) throw error("missing ')'");
            return n;
        }
        if (t.startsWith("\u0000")) return new Literal(t.substring(1)); // a quoted string
        if (t.equalsIgnoreCase("true")) return new Literal("1");
        if (t.equalsIgnoreCase("false")) return new Literal("");
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) return new Literal(size(t));
        if (t.matches("[A-Za-z][A-Za-z0-9_.%:/-]*")) {
            String name = t.toUpperCase();
            holders.add(name);
            return new Holder(name);
        }
        throw error("unexpected '" + t + "'");
    }

    /** An integer with an optional size suffix (K, M, ... or KiB, MiB, ...: powers of 1024), or a float. */
    private static String size(String t) {
        java.util.regex.Matcher m = Pattern.compile("([0-9]+)([KMGTPEZY])(iB)?").matcher(t);
        if (!m.matches()) {
            if (number(t) == null) throw error("bad number '" + t + "'");
            return t;
        }
        java.math.BigInteger v = new java.math.BigInteger(m.group(1))
                .shiftLeft(10 * (1 + "KMGTPEZY".indexOf(m.group(2).charAt(0))));
        return v.toString();
    }

    private String peek() {
        return at < tokens.size() ? tokens.get(at) : null;
    }

    private boolean accept(String... words) {
        String t = peek();
        if (t == null) return false;
        for (String w : words) {
            if (t.equalsIgnoreCase(w)) {
                at++;
                return true;
            }
        }
        return false;
    }

    /** Splits into tokens; a quoted string becomes NUL + its text, so it is never a name. */
    private void tokenize(String s) {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) throw error("unterminated string");
                tokens.add("\u0000" + s.substring(i + 1, end));
                i = end + 1;
            } else if ("()".indexOf(c) >= 0) {
                tokens.add(String.valueOf(c));
                i++;
            } else if ("=!<>&|~".indexOf(c) >= 0) {
                int j = i;
                while (j < s.length() && "=!<>&|~".indexOf(s.charAt(j)) >= 0 && j - i < 2) j++;
                tokens.add(s.substring(i, j));
                i = j;
            } else {
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && "()'\"=!<>&|~".indexOf(s.charAt(j)) < 0) j++;
                tokens.add(s.substring(i, j));
                i = j;
            }
        }
    }

    private static IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what);
    }
}
