package io.linuxns;

/**
 * Run by {@link RootlessRangesTest} as uid 65534: a user namespace with several uid and gid
 * ranges, which an unprivileged process can only get through newuidmap(1) and newgidmap(1).
 */
public final class RangesProbe {
    public static void main(String[] args) throws Exception {
        Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.USER)
                        .uidMap(IdMapping.of(0, 65534), new IdMapping(1, 100000, 65536))
                        .gidMap(IdMapping.of(0, 65534), new IdMapping(1, 100000, 65536)),
                "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' | tr '\\n' '|'; id -u");
        System.out.println("maps=" + s.out().strip() + " exit " + s.exit() + " " + s.err().strip());
        System.exit(0);
    }
}
