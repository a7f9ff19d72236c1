package io.linuxns.bench;

import io.linuxns.bench.floor.FfmUnshareTrue;
import io.linuxns.bench.floor.FloorJar;
import io.linuxns.bench.floor.OneDowncall;

import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The wall time of a command from its spawn to its exit, in a plain loop (not JMH: a command that
 * starts a JVM is measured as a user sees it, once per run, cold caches of the JIT included):
 * {@code ./linuxns unshare -u true}, util-linux {@code unshare -u true}, a JVM running a hello
 * world, the two floors of the command on the FFM API (a JVM that makes one downcall, and a
 * JVM that does the command's work by hand: {@link OneDowncall}, {@link FfmUnshareTrue}, each
 * from a jar of its own with its own AOT cache and the launcher's flags, {@link FloorJar}) and
 * {@code /bin/true} (what the loop itself costs). Each round runs every command once,
 * in turn, so that a neighbour's burst of load falls on all of them alike; one untimed round
 * comes first.
 *
 * <pre>
 * java -cp benchmarks.jar io.linuxns.bench.CliStart LAUNCHER RUNS OUT.json
 * </pre>
 *
 * writes the times as JMH-shaped results (one "fork" with one value per round, in ms), so that
 * the report reads them with the JMH results. Every command is spawned through {@link CLimits}
 * ({@code clone3} + {@code execve} + {@code waitpid}) with this JVM's environment.
 */
public final class CliStart {
    private CliStart() {}

    /** {@code linuxns unshare -u true} through the repository's launcher script. */
    @Versus({"utilLinuxUnshare", "jvmHello", "jvmOneDowncall", "jvmFfmUnshareTrue"})
    static List<String> linuxnsUnshare(Path launcher) {
        return List.of(launcher.toString(), "unshare", "-u", "true");
    }

    /** util-linux {@code unshare -u true}: the C program doing the same. */
    static List<String> utilLinuxUnshare() {
        return List.of(onPath("unshare"), "-u", "true");
    }

    /** The JVM running {@code Hello} with its default CDS archive: what any Java command costs. */
    @Versus("utilLinuxUnshare")
    static List<String> jvmHello(Path classes) {
        return List.of(javaCommand(), "-cp", classes.toString(), "Hello");
    }

    /** {@link OneDowncall}: what any command on the FFM API costs before it does anything. */
    @Versus("jvmHello")
    static List<String> jvmOneDowncall(String java, Path dir) throws IOException {
        return FloorJar.prepare(java, OneDowncall.class, dir);
    }

    /** {@link FfmUnshareTrue}: {@code unshare -u true} by hand on the FFM API, nothing of the library's. */
    @Versus("jvmOneDowncall")
    static List<String> jvmFfmUnshareTrue(String java, Path dir) throws IOException {
        return FloorJar.prepare(java, FfmUnshareTrue.class, dir);
    }

    /** {@code /bin/true}: the floor of this loop (a spawn and a wait). */
    static List<String> binTrue() {
        return List.of("/bin/true");
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: CliStart <linuxns launcher> <runs> <out.json>");
            System.exit(2);
        }
        Path launcher = Path.of(args[0]).toAbsolutePath();
        int runs = Integer.parseInt(args[1]);
        Path hello = Files.createTempDirectory("linuxns-bench-hello");
        try {
            compileHello(hello);
            Map<String, List<String>> commands = new LinkedHashMap<>();
            commands.put("linuxnsUnshare", linuxnsUnshare(launcher));
            commands.put("utilLinuxUnshare", utilLinuxUnshare());
            commands.put("jvmHello", jvmHello(hello));
            commands.put("jvmOneDowncall", jvmOneDowncall(javaCommand(), hello));
            commands.put("jvmFfmUnshareTrue", jvmFfmUnshareTrue(javaCommand(), hello));
            commands.put("binTrue", binTrue());
            Map<String, List<Double>> times = new LinkedHashMap<>();
            for (String name : commands.keySet()) times.put(name, new ArrayList<>());
            for (int round = -1; round < runs; round++) {
                for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                    double ms = timeMillis(c.getValue());
                    if (round >= 0) times.get(c.getKey()).add(ms);
                }
            }
            Files.writeString(Path.of(args[2]), json(times));
            for (Map.Entry<String, List<Double>> e : times.entrySet()) {
                List<Double> sorted = e.getValue().stream().sorted().toList();
                System.out.printf(Locale.ROOT, "CliStart %-18s median %8.1f ms  (min %.1f, max %.1f, %d runs): %s%n", e.getKey(),
                        median(sorted), sorted.get(0), sorted.get(sorted.size() - 1), sorted.size(),
                        String.join(" ", commands.get(e.getKey())).replace(hello.toString(), "DIR").replace(launcher.toString(), "./linuxns").replace(javaCommand(), "java"));
            }
        } finally {
            try (Stream<Path> all = Files.walk(hello)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static double timeMillis(List<String> command) {
        long t0 = System.nanoTime();
        int status = CLimits.run(command);
        long t1 = System.nanoTime();
        if (status != 0) throw new IllegalStateException(command + " ended with wait status " + status);
        return (t1 - t0) / 1e6;
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java command"));
    }

    private static void compileHello(Path dir) throws IOException {
        Path source = dir.resolve("Hello.java");
        Files.writeString(source, "public class Hello { public static void main(String[] a) { System.out.println(\"hello\"); } }\n");
        var javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null || javac.run(null, null, null, "-d", dir.toString(), source.toString()) != 0) {
            throw new IllegalStateException("cannot compile Hello.java (needs a JDK, not a JRE)");
        }
    }

    static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new UncheckedIOException(new IOException(name + " not found on PATH"));
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String json(Map<String, List<Double>> times) {
        StringBuilder s = new StringBuilder("[\n");
        boolean first = true;
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            List<Double> v = e.getValue();
            if (!first) s.append(",\n");
            first = false;
            StringBuilder raw = new StringBuilder();
            for (double d : v) raw.append(raw.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", d));
            s.append(String.format(Locale.ROOT, """
                        {
                            "benchmark" : "%s.%s",
                            "mode" : "wall",
                            "forks" : 1,
                            "measurementIterations" : %d,
                            "params" : {},
                            "primaryMetric" : {
                                "score" : %.3f,
                                "scoreError" : "NaN",
                                "scoreUnit" : "ms/op",
                                "rawData" : [[%s]]
                            }
                        }""", CliStart.class.getName(), e.getKey(), v.size(), median(v.stream().sorted().toList()), raw));
        }
        return s.append("\n]\n").toString();
    }
}
