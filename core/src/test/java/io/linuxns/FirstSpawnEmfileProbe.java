package io.linuxns;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fresh JVM whose first spawns meet a full descriptor table, with 0 to 5 descriptors left:
 * prints what each attempt threw, whether a spawn works once the descriptors are closed again,
 * and the descriptor count before and after, for {@link FirstSpawnEmfileTest}.
 */
public final class FirstSpawnEmfileProbe {
    private FirstSpawnEmfileProbe() {}

    public static void main(String[] args) throws Exception {
        preloadLibraryClasses(); // a class file read needs a descriptor too: none of that under EMFILE
        io.linuxns.internal.Native.gettid(); // the bindings' symbol lookup, before the table fills
        long before = openDescriptors();
        for (int free = 0; free <= 5; free++) {
            List<FileInputStream> fill = new ArrayList<>();
            try {
                while (true) fill.add(new FileInputStream("/dev/null"));
            } catch (IOException full) {
                // the table is full
            }
            for (int i = 0; i < free && !fill.isEmpty(); i++) fill.remove(fill.size() - 1).close();
            String first;
            try {
                first = "ran, exit " + spawn().waitFor();
            } catch (Throwable t) {
                first = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            for (FileInputStream f : fill) f.close();
            String again;
            try {
                again = "exit " + spawn().waitFor();
            } catch (Throwable t) {
                again = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            System.out.println("free=" + free + " | first: " + first + " | again: " + again);
        }
        Thread.sleep(200); // the reaper lets go of the last pidfd
        System.out.println("descriptors before=" + before + " after=" + openDescriptors());
    }

    private static Process spawn() throws IOException {
        return new NamespacedProcessBuilder("/bin/true").redirectInput(Redirect.INHERIT).redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD).start();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the listing's own
        }
    }

    private static void preloadLibraryClasses() throws IOException {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root.resolve("io/linuxns"))) continue;
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String rel = root.relativize(f).toString();
                    if (!rel.endsWith(".class") || rel.endsWith("module-info.class")) continue;
                    try {
                        Class.forName(rel.substring(0, rel.length() - 6).replace('/', '.'), false,
                                FirstSpawnEmfileProbe.class.getClassLoader());
                    } catch (Throwable e) {
                        // a test class with missing test-only dependencies: not on the spawn path
                    }
                }
            }
        }
    }
}
