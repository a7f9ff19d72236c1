package io.linuxns.bench;

import io.linuxns.bench.floor.FfmUnshareTrue;
import io.linuxns.bench.floor.FloorJar;
import io.linuxns.bench.floor.OneDowncall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CliStart's floor programs run as CliStart runs them (their own jar, AOT cache and the
 * launcher's flags) and do their work: exit 0, through the C limit's spawn. No timing.
 */
class FloorProgramsTest {

    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    private static void runsAndExitsZero(Class<?> main, Path dir) throws IOException {
        List<String> command = FloorJar.prepare(java(), main, dir);
        assertTrue(command.containsAll(FloorJar.launcherFlags()), "not the launcher's flags: " + command);
        if (Runtime.version().feature() >= 25) {
            assertTrue(command.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=")), "no AOT cache was trained: " + command);
        }
        assertEquals(0, CLimits.run(command), "wait status of " + command);
    }

    @Test
    void oneDowncall(@TempDir Path dir) throws IOException {
        runsAndExitsZero(OneDowncall.class, dir);
    }

    @Test
    void ffmUnshareTrue(@TempDir Path dir) throws IOException {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "unshare(CLONE_NEWUTS) needs root");
        runsAndExitsZero(FfmUnshareTrue.class, dir);
    }
}
