package io.linuxns;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The soak suite: for each collector the JDK has, a JVM of its own runs {@link SoakRun}, spawns
 * of seven kinds (plain, user+PID+UTS, network, init+mount, pipes, and the helperless UTS+IPC+PID+mount
 * and user+PID+mount) from two platform and two
 * virtual threads while two others churn garbage and call {@code System.gc()}: the load that hangs
 * a child running Java code (docs/design.md §4). It must end with zero failures, zero hangs, no
 * descriptor, child or mount left behind, and no more than {@link #NMT_TOLERANCE_KB} KB more in
 * Native Memory Tracking's "Other" malloc (where FFM arenas allocate) than after the warm-up.
 *
 * <p>{@code -Dlinuxns.stress.spawns=N} sets the spawns per collector (100 by default, what CI
 * runs: the JVM's start and warm-up take most of the time). By hand, 10,000 per collector:
 * {@code ./with-jdk mvn -B -o -pl bindings,core test-compile surefire:test -Dtest=SpawnStressTest
 * -Dlinuxns.stress.spawns=10000}; each collector's figures are printed as one {@code soak ...}
 * line (and are in {@code core/target/surefire-reports/io.linuxns.SpawnStressTest-output.txt}).
 */
class SpawnStressTest {

    static final int SPAWNS = Integer.getInteger("linuxns.stress.spawns", 100);

    /**
     * How much the warmed-up JVM's "Other" malloc may grow. Measured here: +4 KB after 100, 300
     * and 10,000 spawns under every collector. A leak of one 64-byte block per spawn is 625 KB
     * at 10,000; the library's per-spawn allocations are arenas of kilobytes, which 50 spawns
     * show already.
     */
    static final long NMT_TOLERANCE_KB = 512;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"G1", "Z", "Parallel", "Serial", "Shenandoah"})
    void soakUnderEachCollector(String collector) throws Exception {
        assumeTrue(TestSupport.isRoot(), "RootlessSpawnTest runs the unprivileged soak");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+Use" + collector + "GC", "-Xmx256m", "-XX:NativeMemoryTracking=summary", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SoakRun.class.getName(), String.valueOf(SPAWNS)));
        long started = System.nanoTime();
        // In a mount namespace of its own (propagation private): what other processes on this
        // machine mount meanwhile must not count as the soak's, and what the soak leaves is seen.
        Process p = new NamespacedProcessBuilder(cmd).unshare(NamespaceType.MOUNT).redirectErrorStream(true).start();
        // The soak reports its own hangs; this bounds the JVM (10 s to start, then 100 ms a spawn at the least).
        long limit = 60 + SPAWNS / 10;
        StringBuilder log = new StringBuilder();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                log.append(new String(p.getInputStream().readAllBytes()));
            } catch (java.io.IOException ignored) {
                // the JVM was killed
            }
        });
        if (!p.waitFor(limit, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            throw new AssertionError("the soak JVM under " + collector + " did not end within " + limit + " s:\n" + log);
        }
        reader.join();
        String out = log.toString();
        if (out.contains("Unrecognized VM option") || out.contains("not supported")) abort(collector + " GC not in this JDK: " + out);
        assertEquals(0, p.exitValue(), out);
        Map<String, String> r = Unprivileged.keyValues(out);
        System.out.printf("soak %-10s spawns=%s failures=%s hangs=%s fds=%s children=%s descendants=%s mounts=%s nmtOtherMallocKB=%s "
                        + "nmtMallocKB=%s nmtCommittedKB=%s wallMs=%s jvmMs=%d meanMsPerKind=%s%n", collector, r.get("spawns"), r.get("failures"), r.get("hangs"),
                r.get("fds"), r.get("children"), r.get("descendants"), r.get("mounts"), r.get("nmtOtherMallocKB"), r.get("nmtMallocKB"),
                r.get("nmtCommittedKB"), r.get("wallMs"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                r.get("meanMsPerKind"));
        assertEquals(String.valueOf(SPAWNS), r.get("spawns"), out);
        assertEquals("0", r.get("failures"), out);
        assertEquals("0", r.get("hangs"), out);
        assertEquals("same", r.get("fds"), "leaked descriptors: " + out);
        assertEquals("0", r.get("children"), "children left (zombies included): " + out);
        assertEquals("0", r.get("descendants"), "processes left below the JVM: " + out);
        assertEquals("same", r.get("mounts"), "mounts added to or gone from the JVM's mount namespace: " + out);
        assertTrue(r.containsKey("nmtOtherMallocKB"), "no NMT summary: " + out);
        long other = Long.parseLong(r.get("nmtOtherMallocKB"));
        assertTrue(other <= NMT_TOLERANCE_KB, "native memory (NMT Other malloc) grew by " + other + " KB: " + out);
    }

    /** For {@link RootlessProbe}: {@code spawns} soak spawns in this JVM; what went wrong, if anything. */
    static List<String> stress(int spawns) throws InterruptedException {
        SoakRun.Result r = SoakRun.run(spawns, TestSupport.isRoot(), 2, 2, 60);
        List<String> all = new ArrayList<>(r.failures());
        all.addAll(r.hangs());
        return all;
    }
}
