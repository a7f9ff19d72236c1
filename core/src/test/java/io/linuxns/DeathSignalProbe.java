package io.linuxns;

/** Run in a child JVM by {@link DieWithParentTest}: spawns a sleeper that must die with this JVM, prints its pid, exits. */
public final class DeathSignalProbe {
    public static void main(String[] args) throws Exception {
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("sleep", "300").redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (args.length > 0 && args[0].equals("die")) b.dieWithParent();
        if (args.length > 1 && args[1].equals("init")) b.unshare(NamespaceType.PID).init(true);
        // A change of the effective ids clears the death signal: the helper must set it again after it.
        if (args.length > 1 && args[1].equals("setuid")) b.uid(65534).gid(65534);
        Process p = b.start();
        System.out.println(p.pid());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
