package io.linuxns;

import java.util.EnumSet;

/**
 * Runs in a JVM that is root in a user namespace of its own whose {@code max_user_namespaces},
 * {@code max_uts_namespaces} and {@code max_net_namespaces} are 0 ({@link NamespaceLimitsTest}):
 * prints one {@code key=value} line per refusal. Not a test itself.
 */
public final class NamespaceLimitsProbe {
    public static void main(String[] args) {
        // Made by the helper's unshare.
        out("helper", () -> Spawned.run(new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS, NamespaceType.NETWORK)));
        // Made by clone3.
        out("clone3", () -> Spawned.run(new NamespacedProcessBuilder("true").mapRootToCurrentUser()));
        // Made by an executor's thread.
        out("executor", () -> {
            NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS)).close();
            return null;
        });
        System.exit(0);
    }

    private static void out(String key, java.util.concurrent.Callable<?> c) {
        String value;
        try {
            c.call();
            value = "unexpectedly allowed";
        } catch (Exception e) {
            value = e.getMessage();
        }
        System.out.println(key + "=" + value.replace('\n', ' '));
    }
}
