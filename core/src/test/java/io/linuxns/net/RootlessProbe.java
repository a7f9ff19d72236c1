package io.linuxns.net;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;

import java.util.EnumSet;

/**
 * Run by {@link RootlessNetTest} in a JVM of its own as an unprivileged user: tries what an
 * unprivileged JVM can do with network namespaces and prints one {@code key=result} line per try,
 * the result being {@code ok ...} or the exception's errno name and message.
 *
 * <p>Arguments: the pid of a process (of the same user) in a user and network namespace of its
 * own, and a descriptor of it that is a {@code NETLINK_ROUTE} socket created there.
 */
public final class RootlessProbe {
    private RootlessProbe() {}

    @FunctionalInterface
    interface Try {
        String run() throws Exception;
    }

    public static void main(String[] args) {
        long pid = Long.parseLong(args[0]);
        int fd = Integer.parseInt(args[1]);
        report("unshareNetOnThread", () -> {
            try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK))) {
                return "ok";
            }
        });
        report("listOwnNamespace", () -> {
            try (RtNetlink rt = RtNetlink.open()) {
                return "ok " + rt.links().size() + " links";
            }
        });
        report("setLoUpInOwnNamespace", () -> {
            try (RtNetlink rt = RtNetlink.open()) {
                rt.setUp("lo");
                return "ok";
            }
        });
        report("openChildNamespace", () -> {
            try (Namespace ns = Namespace.ofProcess(pid, NamespaceType.NETWORK);
                 RtNetlink rt = RtNetlink.open(ns)) {
                rt.setUp("lo");
                return "ok";
            }
        });
        report("joinChildByPid", () -> {
            try (NamespaceExecutor ex = NamespaceExecutor.join(pid, EnumSet.of(NamespaceType.NETWORK))) {
                return "ok";
            }
        });
        report("adoptChildSocket", () -> {
            try (RtNetlink rt = RtNetlink.fromProcess(pid, fd)) {
                rt.setUp("lo");
                return "ok lo up=" + rt.link("lo").orElseThrow().isUp() + " in " + rt.namespace();
            }
        });
        report("adoptStdin", () -> {
            RtNetlink.fromProcess(pid, 0).close();
            return "ok";
        });
        report("adoptFromInit", () -> {
            RtNetlink.fromProcess(1, 0).close();
            return "ok";
        });
    }

    private static void report(String key, Try t) {
        String result;
        try {
            result = t.run();
        } catch (NamespaceException e) {
            result = e.errnoName() + " " + e.getMessage();
        } catch (Exception e) {
            result = "exception " + e;
        }
        System.out.println(key + "=" + result.replace('\n', ' '));
    }
}
