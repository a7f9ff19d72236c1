package io.linuxns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A JVM whose stdin, stdout or stderr is closed when it spawns: the descriptors the spawn opens
 * then take numbers 0-2. The child's stdio must still be what was asked for, and the child must
 * never inherit the spawn's own pipes ({@link ClosedStdioProbe} runs in a child JVM: closing
 * this JVM's stdin would cut surefire's channel).
 */
class ClosedStdioTest {

    @Test
    void spawnsFromAJvmWithClosedStdioGetTheStdioAskedFor(@TempDir Path tmp) throws Exception {
        Path results = tmp.resolve("results");
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ClosedStdioProbe.class.getName(), results.toString(), tmp.toString())
                .redirectErrorStream(true).start();
        String log = new String(probe.getInputStream().readAllBytes());
        assertEquals(0, probe.waitFor(), log);
        Map<String, String> saw = new LinkedHashMap<>();
        for (String line : Files.readAllLines(results)) saw.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        Map<String, String> expected = new LinkedHashMap<>();
        expect(expected, "fileDirect", "0", "from the file\\n rc 0");
        expect(expected, "fileHelper", "0", "from the file\\n rc 0");
        expect(expected, "pipeDirect", "0", "through the pipe\\n rc 0");
        expect(expected, "allThreeFiles", "012", "from the file\\n|to stderr\\n rc 0");
        expect(expected, "shiftedFilesDirect", "012", "to stdout\\n|to stderr\\n rc 0");
        expect(expected, "shiftedFilesHelper", "012", "to stdout\\n|to stderr\\n rc 0");
        expect(expected, "inheritedClosedDirect", "012", "pipe held false rc 0");
        expect(expected, "inheritedClosedHelper", "012", "pipe held false rc 0");
        expect(expected, "failedExec", "012", "errno 13");
        assertEquals(expected, saw, log);
    }

    /** A case: the descriptors 0-2 closed when it spawned (where it tests something), then what it saw. */
    private static void expect(Map<String, String> expected, String name, String free, String saw) {
        expected.put(name + ".free", free);
        expected.put(name, saw);
    }
}
