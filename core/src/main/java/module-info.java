/**
 * linuxns: Linux namespaces for the JVM on the Foreign Function &amp; Memory API.
 *
 * <p>{@link io.linuxns.Namespace} handles, thread-scoped namespaces with
 * {@link io.linuxns.NamespaceExecutor}, and processes in new or existing namespaces with
 * {@link io.linuxns.NamespacedProcessBuilder}; rtnetlink in {@code io.linuxns.net}.
 * Run with {@code --enable-native-access=io.linuxns} (or {@code ALL-UNNAMED} on the class path).
 */
module io.linuxns {
    requires io.linuxns.bindings;
    requires jdk.jfr; // the linuxns.Spawn and linuxns.NamespaceEnter events
    exports io.linuxns;
    exports io.linuxns.net;
}
