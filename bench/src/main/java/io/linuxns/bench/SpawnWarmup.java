package io.linuxns.bench;

import java.lang.invoke.MethodHandle;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The spawn benchmarks' warm-up, in a fork's setup: calls the benchmark from {@code threads}
 * threads until the JIT has gone quiet, so that the measurement sees the steady state the
 * targets are about, not C2 still compiling the spawn path.
 *
 * <p>Why not a fixed count: the spawn path's methods run once per spawn, so they reach C2's
 * thresholds only after thousands of spawns, and C2 (one compiler thread on two CPUs) works
 * through them one by one, while its queue raises the thresholds of the rest. Measured with
 * {@code -XX:+PrintCompilation}, four threads spawning {@code /bin/true}: C2 compiled the spawn
 * path's methods (NamespacedProcessBuilder.start, Stdio.open, ProcessImpl.waitFor, Native.sys)
 * between 5 and 12 s, that is spawns 9,000 to 22,000, and twice more at 17 s. The previous
 * fixed warm-up (12,000 spawns from four threads, 10,000 from one) ended in the middle of that.
 *
 * <p>Quiet means: in each of {@link #QUIET_WINDOWS} windows of {@link #WINDOW_MS} ms in a row,
 * the JIT spent less than {@link #QUIET_PERCENT}% of the window compiling
 * ({@link CompilationMXBean#getTotalCompilationTime()}, summed over compiler threads), after at
 * least {@code bench.spawnWarmupMin} spawns (default 2,000). At most {@code bench.spawnWarmup}
 * spawns (default 60,000) or {@code bench.spawnWarmupSeconds} (default 25). What it did goes to
 * stderr, into the run's log.
 */
final class SpawnWarmup {
    private SpawnWarmup() {}

    static final long WINDOW_MS = 1000;
    static final int QUIET_WINDOWS = 2;
    static final long QUIET_PERCENT = 1;

    /**
     * Calls {@code benchmark} (an instance method handle of {@code state}'s class taking nothing) from
     * {@code threads} threads until the JIT is quiet or a limit is reached.
     */
    static void run(String name, Object state, MethodHandle benchmark, int threads) throws Exception {
        long maxSpawns = Long.getLong("bench.spawnWarmup", 60_000);
        long minSpawns = Math.min(maxSpawns, Long.getLong("bench.spawnWarmupMin", 2_000));
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(Long.getLong("bench.spawnWarmupSeconds", 25));
        AtomicLong spawns = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try {
                    while (!stop.get() && spawns.incrementAndGet() <= maxSpawns) benchmark.invoke(state);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            }, "spawn-warmup-" + t);
            workers[t].start();
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
        int quiet = 0;
        long compiled = measurable ? jit.getTotalCompilationTime() : 0;
        String why = "the spawn limit";
        while (!stop.get() && spawns.get() < maxSpawns) {
            if (System.nanoTime() >= deadline) {
                why = "the time limit";
                break;
            }
            if (workers[0].join(java.time.Duration.ofMillis(WINDOW_MS))) break; // the spawn limit reached
            if (!measurable) continue;
            long now = jit.getTotalCompilationTime();
            quiet = now - compiled < WINDOW_MS * QUIET_PERCENT / 100 ? quiet + 1 : 0;
            compiled = now;
            if (quiet >= QUIET_WINDOWS && spawns.get() >= minSpawns) {
                why = "a quiet JIT";
                break;
            }
        }
        stop.set(true);
        for (Thread w : workers) w.join();
        if (failure.get() != null) throw new IllegalStateException("warm-up of " + name + " failed", failure.get());
        System.err.printf("warm-up of %s: %d spawns from %d thread(s) in %.1f s, ended by %s%n", name,
                Math.min(spawns.get(), maxSpawns), threads, (System.nanoTime() - started) / 1e9, why);
    }
}
