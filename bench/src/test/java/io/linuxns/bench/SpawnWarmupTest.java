package io.linuxns.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up's view of the JIT: it finds HotSpot's compiler threads in {@code /proc} and sees
 * their CPU time grow while they compile. If HotSpot renamed them, {@link SpawnWarmup} would
 * fall back to its limits; this test says so instead of letting the benchmarks silently warm up
 * longer.
 */
class SpawnWarmupTest {

    @Test
    void seesTheCompilerThreadsWork() {
        long before = SpawnWarmup.compilerCpuMillis();
        assertTrue(before >= 0, "no C1/C2 compiler thread found in /proc/self/task (or it cannot be read)");
        // Work the JIT for a while: many small distinct lambdas' bodies are compiled as they get hot.
        long deadline = System.nanoTime() + 20_000_000_000L;
        long now = before;
        List<Object> sink = new ArrayList<>();
        while (now - before < 10 && System.nanoTime() < deadline) {
            for (int i = 0; i < 200_000; i++) sink.add(Integer.toHexString(i * 31).repeat(1 + i % 3).hashCode());
            sink.clear();
            now = SpawnWarmup.compilerCpuMillis();
        }
        assertTrue(now - before >= 10, "the compiler threads' CPU time did not grow by 10 ms (one clock tick) in 20 s of fresh code: " + before + " -> " + now);
    }

    /**
     * A compiler thread that ends (HotSpot stops the extra ones when their queue empties) takes
     * its CPU time out of a plain sum: the others' work in the same window must still count.
     */
    @Test
    void aCompilerThreadThatEndedDoesNotHideTheOthersWork() {
        Map<String, Long> before = Map.of("101 C2 CompilerThre", 300L, "102 C2 CompilerThre", 50L, "100 C1 CompilerThre", 7L);
        Map<String, Long> after = Map.of("102 C2 CompilerThre", 70L, "100 C1 CompilerThre", 7L, "103 C1 CompilerThre", 1L);
        assertEquals(210, SpawnWarmup.grownMillis(before, after), "ticks grown: 20 by the one that stayed, 1 by the new one");
    }
}
