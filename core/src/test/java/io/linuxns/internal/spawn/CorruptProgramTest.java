package io.linuxns.internal.spawn;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trampoline that faults before its program's first step (here: a program whose steps are
 * unmapped; in life, a library bug that freed or reused its memory) dies alone of SIGSEGV. It
 * shares the JVM's memory and has a copy of the JVM's signal handlers, so unless clone_entry
 * blocks every signal before it reads the program, HotSpot's SIGSEGV handler runs in it on the
 * JVM's memory and TLS (measured: the JVM then dies too, exit 134, an hs_err file naming a
 * thread whose tid is a pid).
 */
class CorruptProgramTest {
    @Test
    void aTrampolineFaultingBeforeItsFirstStepDiesAloneOfSigsegv() throws Exception {
        Path dir = Files.createTempDirectory("linuxns-fault");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:-CreateCoredumpOnCrash",
                    "-cp", System.getProperty("java.class.path"), CorruptProgramProbe.class.getName())
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            // Not a timing assertion: the limit only keeps a hung probe from hanging the build.
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
            assertEquals(0, p.exitValue(), out);
            // CLD_KILLED (2) by SIGSEGV (11).
            assertEquals("waitid=0 code=2 status=11", out.strip(), out);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }
}
