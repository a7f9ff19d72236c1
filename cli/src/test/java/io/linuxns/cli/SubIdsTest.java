package io.linuxns.cli;

import io.linuxns.IdMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --map-auto} and {@code --map-subids}: the first block of an account in a subuid(5) file. */
class SubIdsTest {

    @Test
    void firstBlockByNameOrNumber(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("subuid");
        Files.writeString(f, "alice:100000:65536\nbob:200000:1000\nbob:300000:5\n1001:400000:10\n");
        assertEquals(new IdMapping(0, 200000, 1000), SubIds.firstBlock(f, 1000, Optional.of("bob"), false, "--map-auto"));
        assertEquals(new IdMapping(200000, 200000, 1000), SubIds.firstBlock(f, 1000, Optional.of("bob"), true, "--map-subids"));
        assertEquals(new IdMapping(0, 400000, 10), SubIds.firstBlock(f, 1001, Optional.empty(), false, "--map-auto"));
    }

    @Test
    void noBlockOrNoFileIsAUsageError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("subuid");
        Files.writeString(f, "alice:100000:65536\n");
        CliException none = assertThrows(CliException.class, () -> SubIds.firstBlock(f, 0, Optional.of("root"), false, "--map-auto"));
        assertEquals("--map-auto: root has no subordinate ids in " + f, none.getMessage());
        assertEquals(ExitCodes.USAGE, none.exitCode());
        CliException missing = assertThrows(CliException.class,
                () -> SubIds.firstBlock(dir.resolve("nope"), 0, Optional.of("root"), false, "--map-auto"));
        assertTrue(missing.getMessage().startsWith("--map-auto: no " + dir.resolve("nope")), missing.getMessage());
    }
}
