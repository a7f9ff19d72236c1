package io.linuxns;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pooled scratch blocks go to the next spawn at once, so a block handed back while its child
 * still ran on it (the trampoline that waits for its id maps: a new user namespace, no
 * CLONE_VFORK) would have its program or stack overwritten. With assertions on, as in the tests,
 * a block handed back is filled with 0xCC (Scratch), so such a child crashes instead of running
 * on by chance. Four threads mix that path with direct spawns and namespaced CLONE_VFORK spawns;
 * every command must run and exit 0 with its own argv. {@code -Dlinuxns.stress.spawns=N} sets the
 * spawns per thread (150 by default).
 */
class ScratchReuseStressTest {
    private static final int SPAWNS = Integer.getInteger("linuxns.stress.spawns", 150);

    @Test
    void assertionsAreOnSoThatReturnedBlocksArePoisoned() {
        boolean on = false;
        assert on = true;
        assertTrue(on, "run the tests with -ea: Scratch poisons returned blocks only then");
    }

    @Test
    void mixedSpawnsFromFourThreadsAllRunTheirOwnCommand() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < SPAWNS; i++) {
                        String word = "w" + thread + "_" + i;
                        NamespacedProcessBuilder b = new NamespacedProcessBuilder("/bin/sh", "-c", "test \"$0\" = " + word, word);
                        switch ((i + thread) % 4) {
                            case 0 -> b.unshare(NamespaceType.USER).mapRootToCurrentUser();
                            case 1 -> b.unshare(NamespaceType.UTS).hostname(word); // the helper makes it
                            case 2 -> b.unshare(NamespaceType.UTS, NamespaceType.PID, NamespaceType.MOUNT); // clone3 makes them
                            default -> { }
                        }
                        b.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
                        assertEquals(0, b.start().waitFor(), word);
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) f.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
