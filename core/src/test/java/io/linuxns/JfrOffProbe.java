package io.linuxns;

import java.util.EnumSet;

/** Spawns and creates an executor with no recording anywhere, for {@link JfrEventsTest}: run with {@code -Xlog:class+load}. */
public final class JfrOffProbe {
    private JfrOffProbe() {}

    public static void main(String[] args) throws Exception {
        TestSupport.warmUp();
        if (TestSupport.isRoot()) NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS)).close();
        System.out.println("probe done");
    }
}
