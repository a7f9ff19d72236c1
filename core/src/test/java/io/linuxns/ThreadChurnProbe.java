package io.linuxns;

import java.lang.ProcessBuilder.Redirect;

/**
 * Spawns {@code /bin/true} once from each of many short-lived platform threads and prints how much
 * the NMT "Other" malloc (where FFM arenas allocate) grew: run with
 * {@code -XX:NativeMemoryTracking=summary}, for {@link ThreadChurnTest}.
 */
public final class ThreadChurnProbe {
    private ThreadChurnProbe() {}

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        for (int i = 0; i < 200; i++) spawnOnNewThread(); // warm up: classes, caches, the library's threads
        long before = SoakRun.nativeMemory().get("OtherMallocKB");
        for (int i = 0; i < threads; i++) spawnOnNewThread();
        long after = SoakRun.nativeMemory().get("OtherMallocKB");
        System.out.println("otherMallocDeltaKB=" + (after - before));
    }

    private static void spawnOnNewThread() throws InterruptedException {
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Process p = new NamespacedProcessBuilder("/bin/true").redirectInput(Redirect.INHERIT)
                        .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
                if (p.waitFor() != 0) throw new IllegalStateException("/bin/true failed");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
    }
}
