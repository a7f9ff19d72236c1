package io.linuxns.internal;

import io.linuxns.NamespaceType;

import java.util.ArrayList;
import java.util.List;

/**
 * What an ENOSPC from {@code clone3}, {@code unshare} or {@code setns} means for the namespaces
 * asked for: a per-user limit in {@code /proc/sys/user} ({@code namespaces(7)}), or the nesting
 * depth of user and PID namespaces.
 */
public final class NamespaceLimits {
    private NamespaceLimits() {}

    /** The kernel's nesting limit of user namespaces and of PID namespaces (user_namespaces(7), pid_namespaces(7)). */
    private static final int MAX_NESTING = 32;

    /**
     * {@return the hint for ENOSPC when creating the namespaces in {@code cloneFlags}} It names
     * each type and its sysctl, so that the reader knows which limit to look at.
     */
    public static String hint(long cloneFlags) {
        List<String> types = new ArrayList<>();
        List<String> sysctls = new ArrayList<>();
        boolean nests = false;
        for (NamespaceType t : NamespaceType.values()) {
            if ((cloneFlags & t.cloneFlag()) == 0) continue;
            types.add(t.name());
            sysctls.add("/proc/sys/user/max_" + t.procName() + "_namespaces");
            nests |= t == NamespaceType.USER || t == NamespaceType.PID;
        }
        if (types.isEmpty()) return "the limit of namespaces of some type is reached (/proc/sys/user/max_*_namespaces)";
        String which = types.size() == 1 ? types.get(0) : String.join(", ", types.subList(0, types.size() - 1)) + " or "
                + types.get(types.size() - 1);
        // The limits count per user, in this user namespace and in each one above it, each with its own sysctl.
        return "no more " + which + " namespaces may be created: a limit is reached, " + String.join(" or ", sysctls)
                + " (per user, set in the caller's user namespace and in each one above it)"
                + (nests ? ", or the nesting of user or PID namespaces is " + MAX_NESTING + " deep already" : "");
    }
}
