package io.linuxns.net;

import java.nio.charset.StandardCharsets;

/** The kernel's rules for network interface names ({@code dev_valid_name} in net/core/dev.c). */
final class LinkNames {
    private LinkNames() {}

    /** {@code IFNAMSIZ}: 16 bytes including the terminating NUL. */
    static final int IFNAMSIZ = 16;

    /**
     * {@return {@code name}} if the kernel would accept it as an interface name.
     *
     * @throws IllegalArgumentException saying what is wrong, before any request is sent
     */
    static String check(String what, String name) {
        if (name == null) throw new NullPointerException(what);
        String problem = problem(name);
        if (problem != null) throw new IllegalArgumentException("bad " + what + " \"" + name + "\": " + problem);
        return name;
    }

    private static String problem(String name) {
        if (name.isEmpty()) return "empty";
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= IFNAMSIZ) return bytes + " bytes, at most " + (IFNAMSIZ - 1) + " fit (IFNAMSIZ is " + IFNAMSIZ + " with the NUL)";
        if (name.equals(".") || name.equals("..")) return "\".\" and \"..\" are not interface names";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // '%': the kernel would replace "%d" with a number, and the name asked for would not exist.
            if (c == '/' || c == ':' || c == '%') return "'" + c + "' is not allowed";
            if (c == 0) return "NUL is not allowed";
            // The kernel's isspace(): space, \t \n \v \f \r.
            if (c == ' ' || (c >= '\t' && c <= '\r') || Character.isWhitespace(c)) return "whitespace is not allowed";
        }
        return null;
    }
}
