package io.linuxns.bench.report;

import io.linuxns.bench.FirstSpawnsBench;
import io.linuxns.bench.report.ResultsReport.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison a reader takes in at a glance: one group per operation, in each the C limit,
 * linuxns and every alternative measured in the same run, in fixed colours, each bar a time
 * (lower is better) with its ratio to the group's limit written on it. Also the same groups as
 * the Markdown table the README quotes.
 *
 * <p>Every figure is a median of the measured iterations (the ratios in {@code latest.md} use
 * the same medians); the thin line on a bar spans the fastest to the slowest iteration. A
 * throughput becomes the wall time per spawn ({@code 1 / throughput}), the first-spawns batch
 * the time per spawn (batch ÷ its size, {@link FirstSpawnsBench#SPAWNS}), so that every group reads the
 * same way.
 */
final class Chart {
    private Chart() {}

    /** Who a bar is: fixed colours (Okabe–Ito, distinguishable with colour blindness). */
    enum Series {
        C("C limit", "#222222"),
        /** C doing what linuxns's children do (an exec of a memfd helper that makes the namespaces): the isolation design's own floor. */
        C_HELPER("C, through a helper's exec", "#56b4e9"),
        LINUXNS("linuxns", "#0072b2"),
        RAW_FFM("raw FFM handle", "#999999"),
        JNA("JNA", "#009e73"),
        PROCESS_BUILDER("ProcessBuilder", "#e69f00"),
        PB_UNSHARE("ProcessBuilder + util-linux unshare", "#d55e00"),
        JVM("JVM hello world", "#cc79a7"),
        /** The floors of a command on the FFM API (bench's floor package): what the JVM alone costs. */
        JVM_DOWNCALL("JVM + one FFM downcall", "#f0e442"),
        JVM_FFM_UNSHARE("JVM + raw FFM unshare + spawn", "#8c6d00");

        final String label;
        final String colour;

        Series(String label, String colour) {
            this.label = label;
            this.colour = colour;
        }
    }

    record Bar(Series series, String benchmark, String params) {}

    /** One operation; its first C bar is the limit that every ratio divides by. */
    record Group(String title, List<Bar> bars) {}

    private static Bar bar(Series s, String benchmark) {
        return new Bar(s, benchmark, "");
    }

    private static Bar bar(Series s, String benchmark, String params) {
        return new Bar(s, benchmark, params);
    }

    private static final String NS4 = "UTS+IPC+PID+MNT";

    static final List<Group> GROUPS = List.of(
            new Group("spawn /bin/true + wait, no new namespace", List.of(
                    bar(Series.C, "SpawnBench.cTrue"), bar(Series.LINUXNS, "SpawnBench.namespacedTrue"),
                    bar(Series.PROCESS_BUILDER, "SpawnBench.processBuilder"))),
            new Group("spawn + wait, new " + NS4, List.of(
                    bar(Series.C, "SpawnBench.cUtsIpcPidMnt"), bar(Series.C_HELPER, "SpawnBench.cHelperUtsIpcPidMnt"),
                    bar(Series.LINUXNS, "SpawnBench.namespacedUtsIpcPidMnt"),
                    bar(Series.PB_UNSHARE, "SpawnBench.unshareUtsIpcPidMnt"))),
            new Group("spawn + wait, " + NS4 + " + USER (id maps)", List.of(
                    bar(Series.C, "SpawnBench.cUser"), bar(Series.LINUXNS, "SpawnBench.namespacedUser"),
                    bar(Series.PB_UNSHARE, "SpawnBench.unshareUser"))),
            new Group("spawn + wait, " + NS4 + " + NET", List.of(
                    bar(Series.C, "SpawnBench.cNet"), bar(Series.LINUXNS, "SpawnBench.namespacedNet"),
                    bar(Series.PB_UNSHARE, "SpawnBench.unshareNet"))),
            new Group("spawn + wait with stdin/stdout/stderr pipes", List.of(
                    bar(Series.C, "SpawnBench.cTruePipes"), bar(Series.LINUXNS, "SpawnBench.namespacedTruePipes"),
                    bar(Series.PROCESS_BUILDER, "SpawnBench.processBuilderPipes"))),
            new Group("spawn + wait with pipes, new " + NS4, List.of(
                    bar(Series.C, "SpawnBench.cUtsIpcPidMntPipes"), bar(Series.LINUXNS, "SpawnBench.namespacedUtsIpcPidMntPipes"))),
            new Group("4 threads spawning: wall time per spawn (1 / throughput)", List.of(
                    bar(Series.C, "ThroughputBench.cTrue"), bar(Series.LINUXNS, "ThroughputBench.namespacedTrue"),
                    bar(Series.PROCESS_BUILDER, "ThroughputBench.processBuilder"))),
            new Group("4 threads spawning into new " + NS4 + ": wall time per spawn", List.of(
                    bar(Series.C, "ThroughputBench.cUtsIpcPidMnt"), bar(Series.C_HELPER, "ThroughputBench.cHelperUtsIpcPidMnt"),
                    bar(Series.LINUXNS, "ThroughputBench.namespacedUtsIpcPidMnt"))),
            new Group("first 100 spawns of a fresh JVM, per spawn", List.of(
                    bar(Series.C, "FirstSpawnsBench.cTrue"), bar(Series.LINUXNS, "FirstSpawnsBench.namespacedTrue"),
                    bar(Series.PROCESS_BUILDER, "FirstSpawnsBench.processBuilder"))),
            new Group("first 100 spawns of a fresh JVM into new " + NS4 + ", per spawn", List.of(
                    bar(Series.C, "FirstSpawnsBench.cUtsIpcPidMnt"), bar(Series.LINUXNS, "FirstSpawnsBench.namespacedUtsIpcPidMnt"))),
            new Group("enter + leave a UTS namespace (setns twice)", List.of(
                    bar(Series.C, "SetnsBench.c", "type=UTS"), bar(Series.LINUXNS, "SetnsBench.library", "type=UTS"),
                    bar(Series.RAW_FFM, "SetnsBench.rawFfm", "type=UTS"), bar(Series.JNA, "SetnsBench.jna", "type=UTS"))),
            new Group("create a UTS namespace on a new thread, then drop it", List.of(
                    bar(Series.C, "CreateBench.c", "type=UTS"), bar(Series.LINUXNS, "CreateBench.executor", "type=UTS"),
                    bar(Series.RAW_FFM, "CreateBench.rawFfmThread", "type=UTS"), bar(Series.JNA, "CreateBench.jnaThread", "type=UTS"),
                    bar(Series.PB_UNSHARE, "CreateBench.unshareCommand", "type=UTS"))),
            new Group("create a network namespace on a new thread, then drop it", List.of(
                    bar(Series.C, "CreateBench.c", "type=NETWORK"), bar(Series.LINUXNS, "CreateBench.executor", "type=NETWORK"),
                    bar(Series.RAW_FFM, "CreateBench.rawFfmThread", "type=NETWORK"),
                    bar(Series.JNA, "CreateBench.jnaThread", "type=NETWORK"),
                    bar(Series.PB_UNSHARE, "CreateBench.unshareCommand", "type=NETWORK"))),
            new Group("CLI start: \"unshare -u true\", wall time (C limit: util-linux unshare)", List.of(
                    bar(Series.C, "CliStart.utilLinuxUnshare"), bar(Series.LINUXNS, "CliStart.linuxnsUnshare"),
                    bar(Series.JVM, "CliStart.jvmHello"), bar(Series.JVM_DOWNCALL, "CliStart.jvmOneDowncall"),
                    bar(Series.JVM_FFM_UNSHARE, "CliStart.jvmFfmUnshareTrue"))));

    /** A bar's figures in microseconds of time per operation: median, fastest, slowest. */
    record Micros(double median, double low, double high) {}

    static Micros micros(Row r) {
        double scale;
        switch (r.unit()) {
            case "ns/op" -> scale = 1e-3;
            case "us/op" -> scale = 1;
            case "ms/op" -> scale = 1e3;
            case "s/op" -> scale = 1e6;
            case "ops/s" -> { return new Micros(1e6 / r.median(), 1e6 / r.max(), 1e6 / r.min()); }
            case "ops/ms" -> { return new Micros(1e3 / r.median(), 1e3 / r.max(), 1e3 / r.min()); }
            case "ops/us" -> { return new Micros(1 / r.median(), 1 / r.max(), 1 / r.min()); }
            default -> throw new IllegalArgumentException("unit " + r.unit() + " of " + r.label());
        }
        // A single-shot score is the time of the whole batch.
        if (r.mode().equals("ss")) scale /= r.batchSize();
        return new Micros(r.median() * scale, r.min() * scale, r.max() * scale);
    }

    private static Map<String, Row> index(List<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : rows) m.put(r.clazz() + "." + r.method() + "|" + r.params(), r);
        return m;
    }

    private static Row find(Map<String, Row> rows, Bar b) {
        return rows.get(b.benchmark() + "|" + b.params());
    }

    /** {@return the group's limit: its C bar's result, or null when that did not run} */
    private static Row limit(Map<String, Row> rows, Group g) {
        for (Bar b : g.bars()) if (b.series() == Series.C) return find(rows, b);
        return null;
    }

    static String time(double micros) {
        if (micros >= 10_000) return String.format(Locale.ROOT, "%.0f ms", micros / 1000);
        if (micros >= 1000) return String.format(Locale.ROOT, "%.2f ms", micros / 1000);
        if (micros >= 100) return String.format(Locale.ROOT, "%.0f µs", micros);
        if (micros >= 10) return String.format(Locale.ROOT, "%.1f µs", micros);
        if (micros >= 1) return String.format(Locale.ROOT, "%.2f µs", micros);
        return String.format(Locale.ROOT, "%.0f ns", micros * 1000);
    }

    // ---- Markdown --------------------------------------------------------------------------

    /** {@return the README's table: per operation the C limit, linuxns, the alternatives, each with its ratio} */
    static String summary(List<Row> rows) {
        Map<String, Row> byKey = index(rows);
        StringBuilder md = new StringBuilder();
        md.append("| Operation | C limit | linuxns | linuxns ÷ C | Alternatives (÷ C) |\n|---|---:|---:|---:|---|\n");
        for (Group g : GROUPS) {
            Row limit = limit(byKey, g);
            Row mine = null;
            List<String> others = new ArrayList<>();
            for (Bar b : g.bars()) {
                Row r = find(byKey, b);
                if (b.series() == Series.LINUXNS) mine = r;
                else if (b.series() != Series.C && r != null) {
                    others.add(b.series().label + " " + time(micros(r).median())
                            + (limit == null ? "" : " (" + ResultsReport.fmt(micros(r).median() / micros(limit).median()) + "×)"));
                }
            }
            if (limit == null && mine == null) continue;
            md.append("| ").append(g.title().replace("|", "\\|")).append(" | ")
                    .append(limit == null ? "—" : time(micros(limit).median())).append(" | ")
                    .append(mine == null ? "—" : time(micros(mine).median())).append(" | ")
                    .append(limit == null || mine == null ? "—"
                            : "**" + ResultsReport.fmt(micros(mine).median() / micros(limit).median()) + "×**")
                    .append(" | ").append(String.join("; ", others)).append(" |\n");
        }
        return md.toString();
    }

    // ---- SVG -------------------------------------------------------------------------------

    private static final int WIDTH = 980;
    private static final int LEFT = 20;
    private static final int LABEL = 250;
    private static final int BAR_MAX = 520;
    private static final int ROW = 19;
    private static final int BAR_H = 14;
    private static final int WHISKER_ROOM = 40;

    static String svg(List<Row> rows, String machine) {
        Map<String, Row> byKey = index(rows);
        List<Group> shown = GROUPS.stream()
                .filter(g -> g.bars().stream().anyMatch(b -> find(byKey, b) != null)).toList();
        StringBuilder s = new StringBuilder();
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(text(LEFT, 26, "linuxns against the C limit and the alternatives", "font-size=\"17\" font-weight=\"bold\""));
        s.append(text(LEFT, 46, "Time per operation, median of the measured iterations; lower is better. "
                + "On each bar: its time and its ratio to the C limit of its group (1.00× = as fast as C).", "fill=\"#444\""));

        // Legend: the series in their fixed colours, in a row that wraps (7 px a character is
        // generous for a 12 px sans-serif).
        int y = 68;
        int x = LEFT;
        for (Series series : Series.values()) {
            int w = 17 + series.label.length() * 7 + 22;
            if (x + w > WIDTH - LEFT) {
                x = LEFT;
                y += 18;
            }
            s.append("<rect x=\"").append(x).append("\" y=\"").append(y - 10).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(series.colour).append("\"/>");
            s.append(text(x + 17, y, series.label, ""));
            x += w;
        }
        y += 8;

        for (Group g : shown) {
            Row limitRow = limit(byKey, g);
            double limit = limitRow == null ? Double.NaN : micros(limitRow).median();
            double max = 0;
            for (Bar b : g.bars()) {
                Row r = find(byKey, b);
                if (r != null) max = Math.max(max, micros(r).median());
            }
            y += 20;
            s.append(text(LEFT, y, g.title(), "font-size=\"13\" font-weight=\"bold\""));
            y += 6;
            for (Bar b : g.bars()) {
                Row r = find(byKey, b);
                int top = y + (ROW - BAR_H) / 2;
                s.append(text(LEFT + LABEL - 8, top + BAR_H - 3, b.series().label, "text-anchor=\"end\""));
                if (r == null) {
                    s.append(text(LEFT + LABEL, top + BAR_H - 3, "no result in this run", "fill=\"#888\" font-style=\"italic\""));
                } else {
                    Micros m = micros(r);
                    int w = (int) Math.max(2, Math.round(BAR_MAX * m.median() / max));
                    s.append("<rect x=\"").append(LEFT + LABEL).append("\" y=\"").append(top).append("\" width=\"").append(w)
                            .append("\" height=\"").append(BAR_H).append("\" fill=\"").append(b.series().colour).append("\"/>");
                    // The scale is the medians'; a whisker beyond it is cut at the edge of the plot.
                    int lo = (int) Math.round(BAR_MAX * m.low() / max);
                    int hi = (int) Math.min(BAR_MAX + WHISKER_ROOM, Math.round(BAR_MAX * m.high() / max));
                    int cy = top + BAR_H / 2;
                    String whisker = b.series() == Series.C ? "#999" : "#222";
                    s.append("<line x1=\"").append(LEFT + LABEL + lo).append("\" x2=\"").append(LEFT + LABEL + hi)
                            .append("\" y1=\"").append(cy).append("\" y2=\"").append(cy).append("\" stroke=\"").append(whisker)
                            .append("\" stroke-width=\"1\"/>");
                    String ratio = Double.isNaN(limit) ? "" : b.series() == Series.C ? "limit"
                            : ResultsReport.fmt(m.median() / limit) + "×";
                    int tx = LEFT + LABEL + Math.max(w, hi) + 6;
                    s.append("<text x=\"").append(tx).append("\" y=\"").append(top + BAR_H - 3).append("\">")
                            .append(ResultsReport.esc(time(m.median()))).append("  <tspan font-weight=\"bold\">")
                            .append(ResultsReport.esc(ratio)).append("</tspan></text>");
                }
                s.append('\n');
                y += ROW;
            }
            y += 6;
        }
        y += 18;
        s.append(text(LEFT, y, "Thin lines: fastest to slowest iteration (first 100 spawns: fastest to slowest fresh JVM; "
                + "cut at the plot's edge). Each group has its own linear scale.", "fill=\"#444\" font-size=\"11\""));
        s.append(text(LEFT, y + 15, "All bars from one run of bench/run.sh on " + machine + ".", "fill=\"#444\" font-size=\"11\""));
        y += 15;
        s.append("</svg>\n");
        int height = y + 30;
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + height + "\" viewBox=\"0 0 "
                + WIDTH + " " + height + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n" + s;
    }

    private static String text(int x, int y, String t, String attrs) {
        return "<text x=\"" + x + "\" y=\"" + y + "\"" + (attrs.isEmpty() ? "" : " " + attrs) + ">" + ResultsReport.esc(t) + "</text>\n";
    }
}
