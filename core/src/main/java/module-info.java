/**
 * linuxns: Linux namespaces for the JVM on the Foreign Function &amp; Memory API.
 *
 * <p>{@link io.linuxns.Namespace} handles, thread-scoped namespaces with
 * {@link io.linuxns.NamespaceExecutor}, and processes in new or existing namespaces with
 * {@link io.linuxns.NamespacedProcessBuilder}; rtnetlink in {@code io.linuxns.net}.
 * Run with {@code --enable-native-access=io.linuxns,io.linuxns.bindings} on the module path (both
 * modules call native code; naming only {@code io.linuxns} leaves a restricted-method warning
 * for the bindings), or {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
module io.linuxns {
    requires io.linuxns.bindings;
    // The linuxns.Spawn and linuxns.NamespaceEnter events; static: a runtime without jdk.jfr
    // (a jlink image) still runs the library, with no events.
    requires static jdk.jfr;
    exports io.linuxns;
    exports io.linuxns.net;
}
