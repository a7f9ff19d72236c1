package io.linuxns.bench;

import io.linuxns.bench.report.ResultsReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks that every benchmark runs, not how fast: JMH in this JVM ({@code -f 0}), silent, no
 * warm-up, one 100 ms iteration each (a single-shot batch of one spawn for the first-spawns
 * benchmarks). A benchmark that throws (including a {@link ThreadGuard} finding a thread left in
 * another namespace) fails the run. Then the report is made from those results. No timing is
 * asserted anywhere.
 */
class BenchmarksSmokeTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "the namespace benchmarks need root (CAP_SYS_ADMIN)");
    }

    /** A few spawns through the warm-up (its reflective call of the benchmark, from one and from four threads), not thousands. */
    @BeforeAll
    static void oneWarmUpSpawn() {
        System.setProperty("bench.spawnWarmup", "4");
    }

    private static ChainedOptionsBuilder smokeOptions() {
        return new OptionsBuilder()
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .measurementBatchSize(1)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
    }

    /** {@return every benchmark as Class.method, from the @Benchmark methods of Benchmarks.ALL} */
    private static Set<String> allBenchmarks() {
        return Benchmarks.ALL.stream()
                .flatMap(c -> Stream.of(c.getDeclaredMethods())
                        .filter(m -> m.isAnnotationPresent(Benchmark.class))
                        .map(m -> c.getName() + "." + m.getName()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(Collection<RunResult> results) {
        return results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyBenchmarkProducesAResultAndTheReportIsMade(@TempDir Path dir) throws RunnerException, IOException {
        Path json = dir.resolve("smoke.json");
        ChainedOptionsBuilder options = smokeOptions().resultFormat(ResultFormatType.JSON).result(json.toString());
        for (Class<?> c : Benchmarks.ALL) options.include("^" + Pattern.quote(c.getName()) + "\\.");
        Set<String> expected = allBenchmarks();

        Collection<RunResult> results = new Runner(options.build()).run();

        assertEquals(expected, names(results), "benchmarks without a result");

        Path md = dir.resolve("latest.md"), svg = dir.resolve("latest.svg"), merged = dir.resolve("latest.json");
        ResultsReport.write(merged, md, svg, List.of(json));
        String chart = Files.readString(svg);
        assertTrue(chart.contains(">C limit</text>") && chart.contains(">linuxns</text>"), "chart without its legend:\n" + chart);
        assertTrue(chart.contains("spawn + wait, new UTS+IPC+PID+MNT"), "chart without the namespaced spawn group");
        // The JSON names the JVM's path; the chart and the tables, which are committed, must not.
        String jvm = ProcessHandle.current().info().command().orElseThrow();
        assertFalse(chart.contains(jvm) || Files.readString(md).contains(jvm), "a path of this machine in the report");
        assertTrue(Files.readString(md).contains("| Operation | C limit | linuxns |"), "no summary table");
    }

    /** The C limits: limits.c compiles, a spawn runs and its failures are reported, not hidden. */
    @Test
    void cLimitsCompileSpawnAndReportFailures() {
        try (Arena arena = Arena.ofConfined()) {
            CLimits.spawn(arena.allocateFrom("/bin/true"), 0, false);
            CLimits.spawn(arena.allocateFrom("/bin/true"), SpawnBench.NS4_USER, true);
            MemorySegment missing = arena.allocateFrom("/nonexistent/command");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CLimits.spawn(missing, SpawnBench.NS4, false));
            assertTrue(e.getMessage().contains("exit 127"), e.getMessage());
            long pid = io.linuxns.NamespaceType.PID.cloneFlag() & 0xffffffffL;
            CLimits.spawnHelper(arena.allocateFrom("/bin/true"), pid, SpawnBench.NS4 & ~pid);
            IllegalStateException h = assertThrows(IllegalStateException.class, () -> CLimits.spawnHelper(missing, pid, SpawnBench.NS4 & ~pid));
            assertTrue(h.getMessage().contains("limit_spawn_helper") && h.getMessage().contains("exit 127"), h.getMessage());
        }
        assertEquals(0, CLimits.run(List.of("/bin/true")));
        assertEquals(1 << 8, CLimits.run(List.of("/bin/false")), "wait status of an exit 1");
    }
}
