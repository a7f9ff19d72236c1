package io.linuxns.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks that every benchmark runs, not how fast: JMH in this JVM ({@code -f 0}), no warm-up,
 * one 100 ms iteration each. A benchmark that throws (including a {@link ThreadGuard} finding a
 * thread left in another namespace) fails the run. No timing is asserted anywhere.
 */
class BenchmarksSmokeTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "the namespace benchmarks need root (CAP_SYS_ADMIN)");
    }

    private static ChainedOptionsBuilder smokeOptions() {
        return new OptionsBuilder()
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .threads(1)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.NORMAL);
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
    void everyBenchmarkProducesAResult() throws RunnerException {
        ChainedOptionsBuilder options = smokeOptions();
        for (Class<?> c : Benchmarks.ALL) options.include("^" + Pattern.quote(c.getName()) + "\\.");
        Set<String> expected = allBenchmarks();

        Collection<RunResult> results = new Runner(options.build()).run();

        assertEquals(expected, names(results), "benchmarks without a result");
    }
}
