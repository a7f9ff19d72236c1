package io.linuxns;

/**
 * Started by {@link WaitingChildOrphanTest}: on a thread named {@code args[0]} (the comm its
 * clone3 children keep until their exec), spawns into a new user namespace whose child waits
 * for its id maps with {@code inheritDescriptors(true)}, under a seccomp filter that kills this
 * whole JVM at the parent's next {@code openat(..., O_WRONLY|O_CLOEXEC)}: the one that opens the
 * child's {@code uid_map}. So the JVM dies, for certain, while its child waits on the sync pipe in
 * the JVM's memory. {@code args[1]}: {@code direct} (ProgramWriter.directAfterMaps) or
 * {@code helper} (a hostname: the trampoline waits, then execs the helper). Not a test itself.
 */
public final class WaitingChildOrphanProbe {
    private static final int SYS_OPENAT = 257;
    private static final int O_WRONLY_CLOEXEC = 0x80001;

    public static void main(String[] args) throws Exception {
        boolean helper = args[1].equals("helper");
        Thread t = Thread.ofPlatform().name(args[0]).start(() -> {
            try {
                // Once unfiltered: this thread's CallerThread check and the classes, which open files.
                spawn(helper, false).start().waitFor();
                DirectSpawnDeathTest.installKillOn(SYS_OPENAT, O_WRONLY_CLOEXEC);
                spawn(helper, true).start(); // the JVM dies in here
                System.out.println("the JVM was not killed");
            } catch (Throwable e) {
                e.printStackTrace();
            }
        });
        t.join();
    }

    /** Default pipes: a DISCARD would open /dev/null O_WRONLY|O_CLOEXEC before the clone. */
    private static NamespacedProcessBuilder spawn(boolean helper, boolean inherit) {
        NamespacedProcessBuilder b = new NamespacedProcessBuilder("true").unshare(NamespaceType.USER, NamespaceType.MOUNT)
                .mapRootToCurrentUser().inheritDescriptors(inherit);
        if (helper) b.unshare(NamespaceType.USER, NamespaceType.MOUNT, NamespaceType.UTS).hostname("orphan");
        return b;
    }
}
