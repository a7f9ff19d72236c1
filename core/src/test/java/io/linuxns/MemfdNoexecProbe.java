package io.linuxns;

/**
 * Started by {@link SpawnFailureTest} in a PID namespace whose {@code vm.memfd_noexec} is 2: prints
 * what {@code start()} says when executable memfds are refused. Not a test itself.
 */
public final class MemfdNoexecProbe {
    public static void main(String[] args) throws Exception {
        try {
            Process p = new NamespacedProcessBuilder("true").unshare(NamespaceType.UTS).hostname("probe").start(); // a hostname needs the helper
            System.out.println("started, exit " + p.waitFor());
        } catch (NamespaceException e) {
            System.out.println(e.getMessage());
        }
    }
}
