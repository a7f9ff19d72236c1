package io.linuxns.bench.report;

import io.linuxns.bench.Benchmarks;
import io.linuxns.bench.CliStart;
import io.linuxns.bench.Versus;
import org.openjdk.jmh.annotations.Benchmark;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Stream;

/**
 * Turns a JMH JSON result file into a Markdown table with ratios against each benchmark's
 * baselines (named by {@link Versus}) and an SVG bar chart, using only the JDK.
 *
 * <pre>
 * java -cp benchmarks.jar io.linuxns.bench.report.ResultsReport out.json out.md out.svg in.json...
 * </pre>
 *
 * The inputs (JMH result files, and {@code CliStart}'s file of the same shape) are merged into
 * {@code out.json}; the Markdown starts with the summary table the README quotes, which the
 * command also prints.
 *
 * System properties {@code bench.javaVersion}, {@code bench.nproc} and {@code bench.kernel}
 * (set by {@code bench/run.sh} from {@code java -version}, {@code nproc}, {@code uname -r})
 * describe the machine in the header; without them the report asks the running JVM.
 */
public final class ResultsReport {
    private ResultsReport() {}

    /**
     * One benchmark result: class (simple name), method, parameters, JMH's score (mean) and
     * error, and the median of the measured iterations, which ratios use.
     */
    record Row(String clazz, String method, String params, double score, double error, double median, String unit,
               Versus versus, double min, double max, List<Double> forkMedians, String mode, int batchSize) {
        String key() {
            return key(clazz, method, params);
        }

        static String key(String clazz, String method, String params) {
            return clazz + "." + method + "|" + params;
        }

        String label() {
            return method + (params.isEmpty() ? "" : " [" + params + "]");
        }

        /** {@return whether a higher score is better: throughput, in operations per time unit} */
        boolean higherIsBetter() {
            return unit.startsWith("ops/");
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: ResultsReport <out.json> <out.md> <out.svg> <jmh-result.json>...");
            System.exit(2);
        }
        List<Path> inputs = Stream.of(args).skip(3).map(Path::of).toList();
        System.out.print(write(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), inputs));
    }

    /**
     * Merges the inputs into {@code outJson}, writes the Markdown and the chart.
     *
     * @return the summary table (Markdown) that the README quotes
     */
    public static String write(Path outJson, Path outMd, Path outSvg, List<Path> inputs) throws IOException {
        List<Object> results = new ArrayList<>();
        StringJoiner merged = new StringJoiner(",\n", "[\n", "\n]\n");
        for (Path input : inputs) {
            String text = Files.readString(input).strip();
            results.addAll((List<?>) Json.parse(text));
            // JMH's own text, element for element: the merged file is what JMH would have written.
            String inner = text.substring(1, text.length() - 1).strip();
            if (!inner.isEmpty()) merged.add(inner);
        }
        List<Row> rows = rows(results);
        Files.writeString(outJson, merged.toString());
        String summary = Chart.summary(rows);
        Files.writeString(outMd, markdown(results, rows, summary));
        Files.writeString(outSvg, Chart.svg(rows, machineLine(results)));
        return summary;
    }

    static List<Row> rows(List<?> results) {
        Map<String, Versus> versus = versusByMethod();
        List<Row> rows = new ArrayList<>();
        for (Object o : results) {
            Map<?, ?> r = (Map<?, ?>) o;
            String full = (String) r.get("benchmark");
            int dot = full.lastIndexOf('.');
            String clazz = full.substring(full.lastIndexOf('.', dot - 1) + 1, dot);
            String method = full.substring(dot + 1);
            StringJoiner params = new StringJoiner(", ");
            if (r.get("params") instanceof Map<?, ?> p) p.forEach((k, v) -> params.add(k + "=" + v));
            Map<?, ?> m = (Map<?, ?>) r.get("primaryMetric");
            List<Double> all = values(m.get("rawData"));
            List<Double> forkMedians = new ArrayList<>();
            if (m.get("rawData") instanceof List<?> forks) {
                for (Object fork : forks) forkMedians.add(median(values(List.of(fork))));
            }
            rows.add(new Row(clazz, method, params.toString(), num(m.get("score")), num(m.get("scoreError")),
                    median(all), (String) m.get("scoreUnit"), versus.get(clazz + "." + method),
                    all.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                    all.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN), forkMedians,
                    String.valueOf(r.get("mode")), r.get("measurementBatchSize") instanceof Double d ? d.intValue() : 1));
        }
        // Report order: the class order of Benchmarks.ALL, then JMH's order within a class.
        List<String> order = Benchmarks.ALL.stream().map(Class::getSimpleName).toList();
        rows.sort((a, b) -> Integer.compare(rank(order, a.clazz()), rank(order, b.clazz())));
        return rows;
    }

    private static int rank(List<String> order, String clazz) {
        int i = order.indexOf(clazz);
        return i < 0 ? order.size() : i;
    }

    /** {@return every iteration of every fork in JMH's rawData} */
    private static List<Double> values(Object rawData) {
        List<Double> all = new ArrayList<>();
        if (rawData instanceof List<?> forks) {
            for (Object fork : forks) {
                if (fork instanceof List<?> its) for (Object v : its) all.add(num(v));
            }
        }
        return all;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) return Double.NaN;
        List<Double> all = new ArrayList<>(values);
        all.sort(null);
        int n = all.size();
        return n % 2 == 1 ? all.get(n / 2) : (all.get(n / 2 - 1) + all.get(n / 2)) / 2;
    }

    /** JMH writes NaN (an error with one iteration) as the string "NaN". */
    private static double num(Object o) {
        if (o instanceof Double d) return d;
        if (o instanceof String s) return Double.parseDouble(s);
        return Double.NaN;
    }

    private static Map<String, Versus> versusByMethod() {
        Map<String, Versus> m = new HashMap<>();
        List<Class<?>> classes = new ArrayList<>(Benchmarks.ALL);
        classes.add(CliStart.class);
        for (Class<?> c : classes) {
            for (Method method : c.getDeclaredMethods()) {
                Versus v = method.getAnnotation(Versus.class);
                if (v != null) m.put(c.getSimpleName() + "." + method.getName(), v);
            }
        }
        return m;
    }

    /** {@return every @Benchmark method as Class.method, in report order} */
    private static List<String> allBenchmarks() {
        List<String> all = new ArrayList<>();
        for (Class<?> c : Benchmarks.ALL) {
            Stream.of(c.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Benchmark.class))
                    .map(m -> c.getSimpleName() + "." + m.getName()).sorted().forEach(all::add);
        }
        return all;
    }

    // ---- Markdown ---------------------------------------------------------------------------

    static String markdown(List<?> results, List<Row> rows, String summary) {
        Map<String, Row> byKey = new HashMap<>();
        for (Row r : rows) byKey.put(r.key(), r);
        StringBuilder md = new StringBuilder();
        md.append("# linuxns benchmarks\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| Machine | ").append(cpuModel()).append(", nproc ").append(prop("bench.nproc",
                String.valueOf(Runtime.getRuntime().availableProcessors()))).append(" |\n");
        String load = prop("bench.loadavg", null);
        if (load != null) md.append("| Load average before the run | ").append(load).append(" |\n");
        String after = prop("bench.loadavgAfter", null);
        if (after != null) md.append("| Load average after the run | ").append(after).append(" |\n");
        md.append("| Kernel | ").append(prop("bench.kernel", System.getProperty("os.version"))).append(" |\n");
        String jdk = prop("bench.javaVersion", null);
        if (jdk == null && !results.isEmpty()) {
            Map<?, ?> first = (Map<?, ?>) results.get(0);
            jdk = first.get("vmName") + " " + first.get("vmVersion") + " (JDK " + first.get("jdkVersion") + ")";
        }
        md.append("| JDK | ").append(jdk == null ? "?" : jdk.replace("\n", "<br>")).append(" |\n");
        // One line per JMH profile in the run (the parts of bench/run.sh use different ones).
        Map<String, List<String>> profiles = new LinkedHashMap<>();
        for (Object o : results) {
            Map<?, ?> f = (Map<?, ?>) o;
            if (f.get("jmhVersion") == null) { // CliStart's loop, not JMH
                profiles.computeIfAbsent("CLI start", k -> new ArrayList<>(List.of(
                        "a plain loop of wall times (not JMH), " + intOf(f.get("measurementIterations")) + " rounds, median")));
                continue;
            }
            String profile = f.get("jmhVersion") + ": " + intOf(f.get("forks")) + " fork(s), "
                    + ("ss".equals(f.get("mode"))
                    ? "no warm-up, " + intOf(f.get("measurementIterations")) + " single-shot batch of "
                            + intOf(f.get("measurementBatchSize")) + " calls"
                    : intOf(f.get("warmupIterations")) + " × " + f.get("warmupTime") + " warm-up, "
                            + intOf(f.get("measurementIterations")) + " × " + f.get("measurementTime") + " measured")
                    + ", mode " + f.get("mode") + ", " + intOf(f.get("threads")) + " thread(s)";
            String full = (String) f.get("benchmark");
            String clazz = full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1, full.lastIndexOf('.'));
            List<String> classes = profiles.computeIfAbsent(profile, k -> new ArrayList<>());
            if (!classes.contains(clazz)) classes.add(clazz);
        }
        for (Map.Entry<String, List<String>> e : profiles.entrySet()) {
            md.append(e.getKey().equals("CLI start") ? "| CliStart | " : "| JMH | ").append(e.getKey()).append(": ")
                    .append(String.join(", ", e.getValue())).append(" |\n");
        }
        md.append("| Date | ").append(ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n\n");
        md.append("Score is JMH's average time per operation (for ThroughputBench operations per second summed over ")
                .append("its threads, higher is better; for FirstSpawnsBench the time of the whole batch), the error its 99.9% confidence half-width; median is ")
                .append("the median of the measured iterations. A ratio is median ÷ the named baseline's median, from the ")
                .append("same run with the same parameters: below 1.00 is faster than the baseline. Medians, because on a ")
                .append("shared machine one stalled iteration moves a mean of a few iterations by a factor; even so, ")
                .append("ratios within ±10% of 1 are within this machine's run-to-run noise.\n\n");

        md.append("## Summary\n\n").append(summary).append('\n');

        // Targets next: they are what the numbers are for.
        StringBuilder targets = new StringBuilder();
        for (Row r : rows) {
            if (r.versus() == null || r.versus().target() <= 0) continue;
            String base = r.versus().value()[0];
            Row b = byKey.get(Row.key(r.clazz(), base, r.params()));
            targets.append("| ").append(r.clazz()).append('.').append(r.label()).append(r.higherIsBetter() ? " | ≥ " : " | ≤ ")
                    .append(fmt(r.versus().target())).append("× ").append(base).append(" | ");
            if (b == null) {
                targets.append("no baseline result |\n");
            } else {
                double ratio = r.median() / b.median();
                boolean met = r.higherIsBetter() ? ratio >= r.versus().target() : ratio <= r.versus().target();
                targets.append(fmt(ratio)).append("× — ").append(met ? "met" : "**missed**").append(spread(r, b)).append(" |\n");
            }
        }
        if (!targets.isEmpty()) {
            md.append("## Targets\n\n| Benchmark | Target | Measured |\n|---|---|---|\n").append(targets).append('\n');
        }

        String clazz = null;
        for (Row r : rows) {
            if (!r.clazz().equals(clazz)) {
                clazz = r.clazz();
                md.append("## ").append(clazz).append("\n\n");
                md.append("| Benchmark | Params | Score | ± Error | Median | Unit | Ratio vs baseline (medians) |\n");
                md.append("|---|---|---:|---:|---:|---|---|\n");
            }
            md.append("| ").append(r.method()).append(" | ").append(r.params().isEmpty() ? "" : "`" + r.params() + "`")
                    .append(" | ").append(score(r.score())).append(" | ").append(Double.isNaN(r.error()) ? "—" : score(r.error()))
                    .append(" | ").append(score(r.median())).append(" | ").append(r.unit()).append(" | ").append(ratios(r, byKey)).append(" |\n");
            boolean last = rows.indexOf(r) == rows.size() - 1 || !rows.get(rows.indexOf(r) + 1).clazz().equals(clazz);
            if (last) md.append('\n');
        }

        List<String> missing = new ArrayList<>();
        for (String b : allBenchmarks()) {
            if (rows.stream().noneMatch(r -> (r.clazz() + "." + r.method()).equals(b))) missing.add(b);
        }
        if (!missing.isEmpty()) {
            md.append("## No result\n\nFiltered out of this run, or failed (see the JMH log):\n\n");
            for (String m : missing) md.append("- ").append(m).append('\n');
            md.append('\n');
        }
        return md.toString();
    }

    private static String ratios(Row r, Map<String, Row> byKey) {
        if (r.versus() == null) return "*baseline*";
        StringJoiner j = new StringJoiner("; ");
        for (String base : r.versus().value()) {
            Row b = byKey.get(Row.key(r.clazz(), base, r.params()));
            j.add(b == null ? "— " + base : fmt(r.median() / b.median()) + "× " + base + spread(r, b));
        }
        return j.toString();
    }

    /** {@return " (forks: 1.02–1.10)": the ratio fork by fork, when there are several forks} */
    private static String spread(Row r, Row b) {
        int n = Math.min(r.forkMedians().size(), b.forkMedians().size());
        if (n < 2) return "";
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double q = r.forkMedians().get(i) / b.forkMedians().get(i);
            lo = Math.min(lo, q);
            hi = Math.max(hi, q);
        }
        return " (forks " + fmt(lo) + "–" + fmt(hi) + ")";
    }

    /** {@return one line naming the machine, kernel, JDK and load, for the chart's footer} */
    static String machineLine(List<?> results) {
        String jdk = prop("bench.javaVersion", System.getProperty("java.version"));
        // `java -version` starts with: openjdk version "25.0.3" 2026-04-21 LTS
        java.util.regex.Matcher quoted = java.util.regex.Pattern.compile("\"([^\"]+)\"").matcher(jdk);
        String version = quoted.find() ? quoted.group(1) : jdk.lines().findFirst().orElse(jdk);
        String before = prop("bench.loadavg", null), after = prop("bench.loadavgAfter", null);
        String load = before == null ? "" : ", load average " + before.split(" ")[0] + " before"
                + (after == null ? "" : " and " + after.split(" ")[0] + " after") + " the run";
        return cpuModel() + ", " + prop("bench.nproc", String.valueOf(Runtime.getRuntime().availableProcessors()))
                + " CPUs, Linux " + prop("bench.kernel", System.getProperty("os.version")) + ", JDK " + version + load + ", "
                + ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_LOCAL_DATE);
    }

    private static String intOf(Object o) {
        return o instanceof Double d ? String.valueOf(d.intValue()) : String.valueOf(o);
    }

    static String fmt(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }

    static String score(double v) {
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String prop(String name, String fallback) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
