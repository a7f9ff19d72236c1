package io.linuxns.bindings;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The committed bindings are exactly what {@code headers/regenerate.sh} makes of
 * {@code headers/}: run where a jextract is installed (it is in no package registry, so CI
 * machines usually have none and this test is skipped there).
 */
class RegenerateTest {

    @Test
    void bindingsMatchJextractOutput() throws Exception {
        String jextract = System.getenv("JEXTRACT");
        boolean found = jextract != null && Files.isExecutable(Path.of(jextract));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, "jextract"));
        }
        assumeTrue(found, "no jextract installed: cannot regenerate the bindings here");
        Process p = new ProcessBuilder("bash", "../headers/regenerate.sh", "--check").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "jextract hung");
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void generatedConstantsHaveTheKernelValues() {
        // A few values fixed by the kernel ABI: a wrong header set would show here first.
        assertEquals(0x40000000, LinuxNs.CLONE_NEWNET());
        assertEquals(0x00000080, LinuxNs.CLONE_NEWTIME());
        assertEquals(435, LinuxNs.SYS_clone3());
        assertEquals(88, clone_args.layout().byteSize());
        assertEquals(0xb701, LinuxNs.NS_GET_USERNS());
    }
}
