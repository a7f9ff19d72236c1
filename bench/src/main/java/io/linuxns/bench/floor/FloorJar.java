package io.linuxns.bench.floor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.concurrent.TimeUnit;

/**
 * A floor program as the launcher runs the CLI: a jar of its own holding the one main class, run
 * with {@code -jar}, the launcher's JVM flags and, on JDK 25+, an AOT cache made for that jar by
 * one training run of it ({@code -XX:AOTCacheOutput}, as {@code ./linuxns} trains its caches).
 * So that the floor and the command differ only in what their main does.
 */
public final class FloorJar {
    private FloorJar() {}

    /**
     * The JVM flags of the launcher's command line for {@code unshare -u true} ({@code ./linuxns},
     * {@code opts} and {@code jit} for a line its quick cache takes), for the running JDK: native
     * access, the serial collector, interpreted only ({@code -Xint}, which the cache is trained
     * with too) and, on JDK 25+, no wait at exit for threads in native code.
     *
     * @return the flags, without the AOT cache
     */
    public static List<String> launcherFlags() {
        List<String> flags = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xint"));
        if (Runtime.version().feature() >= 25) flags.add("-XX:UserThreadWaitAttemptsAtExit=0");
        return flags;
    }

    /**
     * Writes {@code main}'s jar into {@code dir}, trains its AOT cache there (JDK 25+; a failed
     * training leaves it without, as the launcher does) and returns the command that runs it.
     *
     * @param java the {@code java} command
     * @param main a class of this package with a {@code main} and no nested classes
     * @param dir  a directory of the caller's, deleted by it
     * @return {@code java FLAGS [-XX:AOTCache=...] -jar JAR}
     * @throws IOException if the jar cannot be written or the training cannot be started
     */
    public static List<String> prepare(String java, Class<?> main, Path dir) throws IOException {
        Path jar = dir.resolve(main.getSimpleName() + ".jar");
        writeJar(jar, main);
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(launcherFlags());
        if (Runtime.version().feature() >= 25) {
            Path aot = dir.resolve(main.getSimpleName() + ".aot");
            List<String> training = new ArrayList<>(command);
            training.addAll(List.of("-XX:AOTCacheOutput=" + aot, "-Xlog:aot=off", "-Xlog:cds=off", "-jar", jar.toString()));
            Process p = new ProcessBuilder(training).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS)) kill(p).waitFor();
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while training " + aot, e);
            }
            if (Files.size(jar) > 0 && Files.exists(aot) && Files.size(aot) > 0) {
                command.addAll(List.of("-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off"));
            }
        }
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /**
     * Kills a training run and what it started: JDK 25's one-step training ends by running a
     * second JVM that writes the cache, which would outlive its parent and go on writing into
     * the caller's directory while it is deleted.
     */
    private static Process kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return p;
    }

    private static void writeJar(Path jar, Class<?> main) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
        String entry = main.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream in = main.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) throw new IOException("no class file " + entry + " on the class path");
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }
}
