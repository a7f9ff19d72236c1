package io.linuxns.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.management.CompilationMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
 * the JVM's compiler threads (C1 and C2) used less than {@link #QUIET_PERCENT}% of the window in
 * CPU time ({@code utime + stime} of their {@code /proc/self/task/TID/stat}, proc(5)), after at
 * least {@code bench.spawnWarmupMin} spawns (default 2,000). Not
 * {@link CompilationMXBean#getTotalCompilationTime()}: HotSpot adds a compilation's time only when
 * it ends, so a C2 compilation of the spawn path that runs through both windows (hundreds of ms
 * of CPU each, seconds of wall time on two busy CPUs) looked quiet. Measured with
 * {@code -XX:+PrintCompilation} in a {@code ThroughputBench.namespacedTrue} fork (load 9–11):
 * that rule ended the warm-up after 8 s, and C2 compiled {@code Spawner.spawn},
 * {@code Spawner.Plan.of}, {@code Clone3.clone}, {@code ProcessImpl.awaitDirectly} and
 * {@code ProcessImpl.release} for the first time during the measured iterations (11–15.5 s).
 *
 * <p>Each window spawns from new threads. JMH measures on threads of its own, made after the
 * setup: a warm-up that spawned only from its first threads left the first spawn of a new
 * thread (the library's one look at where the thread is, {@code CallerThread}) out of the
 * profile C2 compiled from, and JMH's threads then hit uncommon traps at once
 * ({@code Clone3.clone} and {@code CallerThread.mayClone} "made not entrant: uncommon trap" at
 * the first measured spawn, {@code Clone3.clone} recompiled and {@code DirectSpawn.spawn} back
 * at tier 3 in the measured iterations, same fork as above).
 * At most {@code bench.spawnWarmup} spawns (default 60,000) or {@code bench.spawnWarmupSeconds}
 * (default 25). What it did goes to stderr, into the run's log.
 */
final class SpawnWarmup {
    private SpawnWarmup() {}

    static final long WINDOW_MS = 1000;
    static final int QUIET_WINDOWS = 2;
    /** 2%: 20 ms of a 1-second window, so at most one 10 ms clock tick (the resolution of proc's times). */
    static final long QUIET_PERCENT = 2;

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
        int quiet = 0;
        Map<String, Long> compiled = compilerTicks();
        boolean measurable = compiled != null;
        String why = "the spawn limit";
        for (int window = 0; !stop.get() && spawns.get() < maxSpawns; window++) {
            if (System.nanoTime() >= deadline) {
                why = "the time limit";
                break;
            }
            // New threads in every window: see the class comment.
            AtomicBoolean windowOver = new AtomicBoolean();
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                workers[t] = new Thread(() -> {
                    try {
                        while (!windowOver.get() && spawns.incrementAndGet() <= maxSpawns) benchmark.invoke(state);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        stop.set(true);
                    }
                }, "spawn-warmup-" + window + "-" + t);
                workers[t].start();
            }
            workers[0].join(java.time.Duration.ofMillis(WINDOW_MS)); // returns early at the spawn limit or a failure
            windowOver.set(true);
            for (Thread w : workers) w.join();
            if (!measurable) continue;
            Map<String, Long> now = compilerTicks();
            if (now == null) {
                measurable = false;
                continue;
            }
            quiet = grownMillis(compiled, now) < WINDOW_MS * QUIET_PERCENT / 100 ? quiet + 1 : 0;
            compiled = now;
            if (quiet >= QUIET_WINDOWS && spawns.get() >= minSpawns) {
                why = "a quiet JIT";
                break;
            }
        }
        if (failure.get() != null) throw new IllegalStateException("warm-up of " + name + " failed", failure.get());
        System.err.printf("warm-up of %s: %d spawns from %d thread(s) in %.1f s, ended by %s%n", name,
                Math.min(spawns.get(), maxSpawns), threads, (System.nanoTime() - started) / 1e9, why);
    }

    /**
     * The CPU time the JVM's compiler threads have used so far, in ms, or -1 if it cannot be read
     * or no compiler thread is found (then the warm-up runs to its limits, instead of taking a JIT
     * it cannot see for a quiet one).
     */
    static long compilerCpuMillis() {
        Map<String, Long> ticks = compilerTicks();
        if (ticks == null) return -1;
        long sum = 0;
        for (long t : ticks.values()) sum += t;
        return sum * 1000 / TICKS_PER_SECOND;
    }

    /**
     * The CPU time the compiler threads used between two {@link #compilerTicks()}, in ms, thread
     * by thread: HotSpot starts and stops C1 and C2 threads beyond the first of each kind as its
     * queues grow and empty ({@code -XX:+UseDynamicNumberOfCompilerThreads}, on machines with more
     * CPUs than this one), and a thread that ended takes its CPU time out of a plain sum, which
     * could then look quiet while the others compile.
     */
    static long grownMillis(Map<String, Long> before, Map<String, Long> after) {
        long grown = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) grown += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        return grown * 1000 / TICKS_PER_SECOND;
    }

    /**
     * {@code utime + stime} of each compiler thread, in clock ticks, by its task id (with its
     * name, in case an id is reused), or {@code null} if {@code /proc} cannot be read or no
     * compiler thread is found. HotSpot names them {@code C1 CompilerThreadN} and
     * {@code C2 CompilerThreadN}, which the kernel cuts to 15 characters.
     */
    static Map<String, Long> compilerTicks() {
        Map<String, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                String comm = stat.substring(open + 1, close);
                if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) continue;
                // Fields after the comm start with the state (field 3); utime and stime are fields 14 and 15.
                String[] f = stat.substring(close + 2).split(" ");
                ticks.put(task.getFileName() + " " + comm, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return ticks.isEmpty() ? null : ticks;
    }

    /** USER_HZ, the unit of proc's times: 100 on every Linux architecture the JDK runs on. */
    private static final long TICKS_PER_SECOND = 100;
}
