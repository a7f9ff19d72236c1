package io.linuxns.bench.report;

import io.linuxns.bench.Benchmarks;
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
 * java -cp benchmarks.jar io.linuxns.bench.report.ResultsReport in.json out.md out.svg
 * </pre>
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
               Versus versus) {
        String key() {
            return key(clazz, method, params);
        }

        static String key(String clazz, String method, String params) {
            return clazz + "." + method + "|" + params;
        }

        String label() {
            return method + (params.isEmpty() ? "" : " [" + params + "]");
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ResultsReport <jmh-result.json> <out.md> <out.svg>");
            System.exit(2);
        }
        List<?> results = (List<?>) Json.parse(Files.readString(Path.of(args[0])));
        List<Row> rows = rows(results);
        Files.writeString(Path.of(args[1]), markdown(results, rows));
        Files.writeString(Path.of(args[2]), svg(rows));
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
            rows.add(new Row(clazz, method, params.toString(), num(m.get("score")), num(m.get("scoreError")),
                    median(m.get("rawData")), (String) m.get("scoreUnit"), versus.get(clazz + "." + method)));
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

    /** {@return the median of every iteration of every fork in JMH's rawData} */
    private static double median(Object rawData) {
        List<Double> all = new ArrayList<>();
        if (rawData instanceof List<?> forks) {
            for (Object fork : forks) {
                if (fork instanceof List<?> its) for (Object v : its) all.add(num(v));
            }
        }
        if (all.isEmpty()) return Double.NaN;
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
        for (Class<?> c : Benchmarks.ALL) {
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

    static String markdown(List<?> results, List<Row> rows) {
        Map<String, Row> byKey = new HashMap<>();
        for (Row r : rows) byKey.put(r.key(), r);
        StringBuilder md = new StringBuilder();
        md.append("# linuxns benchmarks\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| Machine | ").append(cpuModel()).append(", nproc ").append(prop("bench.nproc",
                String.valueOf(Runtime.getRuntime().availableProcessors()))).append(" |\n");
        String load = prop("bench.loadavg", null);
        if (load != null) md.append("| Load average before the run | ").append(load).append(" |\n");
        md.append("| Kernel | ").append(prop("bench.kernel", System.getProperty("os.version"))).append(" |\n");
        String jdk = prop("bench.javaVersion", null);
        if (jdk == null && !results.isEmpty()) {
            Map<?, ?> first = (Map<?, ?>) results.get(0);
            jdk = first.get("vmName") + " " + first.get("vmVersion") + " (JDK " + first.get("jdkVersion") + ")";
        }
        md.append("| JDK | ").append(jdk == null ? "?" : jdk.replace("\n", "<br>")).append(" |\n");
        if (!results.isEmpty()) {
            Map<?, ?> f = (Map<?, ?>) results.get(0);
            md.append("| JMH | ").append(f.get("jmhVersion")).append(": ").append(intOf(f.get("forks"))).append(" fork, ")
                    .append(intOf(f.get("warmupIterations"))).append(" × ").append(f.get("warmupTime")).append(" warm-up, ")
                    .append(intOf(f.get("measurementIterations"))).append(" × ").append(f.get("measurementTime"))
                    .append(" measured, mode ").append(f.get("mode")).append(" |\n");
        }
        md.append("| Date | ").append(ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n\n");
        md.append("Score is JMH's average time per operation, the error its 99.9% confidence half-width; median is ")
                .append("the median of the measured iterations. A ratio is median ÷ the named baseline's median, from the ")
                .append("same run with the same parameters: below 1.00 is faster than the baseline. Medians, because on a ")
                .append("shared machine one stalled iteration moves a mean of a few iterations by a factor; even so, ")
                .append("ratios within ±10% of 1 are within this machine's run-to-run noise.\n\n");

        // Targets first: they are what the numbers are for.
        StringBuilder targets = new StringBuilder();
        for (Row r : rows) {
            if (r.versus() == null || r.versus().target() <= 0) continue;
            String base = r.versus().value()[0];
            Row b = byKey.get(Row.key(r.clazz(), base, r.params()));
            targets.append("| ").append(r.clazz()).append('.').append(r.label()).append(" | ≤ ")
                    .append(fmt(r.versus().target())).append("× ").append(base).append(" | ");
            if (b == null) {
                targets.append("no baseline result |\n");
            } else {
                double ratio = r.median() / b.median();
                targets.append(fmt(ratio)).append("× — ").append(ratio <= r.versus().target() ? "met" : "**missed**").append(" |\n");
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
            j.add(b == null ? "— " + base : fmt(r.median() / b.median()) + "× " + base);
        }
        return j.toString();
    }

    private static String intOf(Object o) {
        return o instanceof Double d ? String.valueOf(d.intValue()) : String.valueOf(o);
    }

    private static String fmt(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String score(double v) {
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

    // ---- SVG --------------------------------------------------------------------------------

    private static final int WIDTH = 960;
    private static final int LABEL = 330;
    private static final int BAR = 500;
    private static final int ROW = 18;

    /**
     * A horizontal bar chart, one section per benchmark class with its own linear scale (the
     * classes range from nanoseconds to milliseconds). Library bars are blue, baselines grey.
     */
    static String svg(List<Row> rows) {
        Map<String, List<Row>> sections = new LinkedHashMap<>();
        for (Row r : rows) sections.computeIfAbsent(r.clazz(), k -> new ArrayList<>()).add(r);
        int height = 40 + sections.size() * 34 + rows.size() * ROW + 20;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">linuxns benchmarks (average time per operation, lower is better)</text>\n");
        s.append("<rect x=\"").append(WIDTH - 250).append("\" y=\"10\" width=\"12\" height=\"12\" fill=\"#3b6fb6\"/>")
                .append("<text x=\"").append(WIDTH - 234).append("\" y=\"21\">compared</text>\n");
        s.append("<rect x=\"").append(WIDTH - 160).append("\" y=\"10\" width=\"12\" height=\"12\" fill=\"#9a9a9a\"/>")
                .append("<text x=\"").append(WIDTH - 144).append("\" y=\"21\">baseline</text>\n");
        int y = 40;
        for (Map.Entry<String, List<Row>> e : sections.entrySet()) {
            List<Row> list = e.getValue();
            double max = list.stream().mapToDouble(r -> r.score() + (Double.isNaN(r.error()) ? 0 : r.error())).max().orElse(1);
            y += 22;
            s.append("<text x=\"10\" y=\"").append(y).append("\" font-size=\"14\" font-weight=\"bold\">").append(esc(e.getKey()))
                    .append(" (").append(esc(list.get(0).unit())).append(")</text>\n");
            y += 12;
            for (Row r : list) {
                int w = (int) Math.max(1, Math.round(BAR * r.score() / max));
                String color = r.versus() == null ? "#9a9a9a" : "#3b6fb6";
                s.append("<text x=\"").append(LABEL - 6).append("\" y=\"").append(y + 13).append("\" text-anchor=\"end\">")
                        .append(esc(r.label())).append("</text>");
                s.append("<rect x=\"").append(LABEL).append("\" y=\"").append(y + 3).append("\" width=\"").append(w)
                        .append("\" height=\"").append(ROW - 5).append("\" fill=\"").append(color).append("\"/>");
                if (!Double.isNaN(r.error())) {
                    int lo = (int) Math.round(BAR * Math.max(0, r.score() - r.error()) / max);
                    int hi = (int) Math.round(BAR * (r.score() + r.error()) / max);
                    int cy = y + 3 + (ROW - 5) / 2;
                    s.append("<line x1=\"").append(LABEL + lo).append("\" x2=\"").append(LABEL + hi).append("\" y1=\"").append(cy)
                            .append("\" y2=\"").append(cy).append("\" stroke=\"black\"/>");
                }
                s.append("<text x=\"").append(LABEL + w + 6).append("\" y=\"").append(y + 13).append("\">").append(score(r.score()))
                        .append("</text>\n");
                y += ROW;
            }
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
