package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import static io.linuxns.cli.Cli.linuxns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar a user gets (the module's artifact, the one {@code install} copies) is the runnable
 * one: it names its main class and version, and carries the library and picocli.
 */
class ArtifactIT {

    /** What Maven built; failsafe passes it, and a run without it cannot say what is right. */
    private static final String VERSION = System.getProperty("linuxns.version");

    @Test
    void versionIsTheProjectsNotDev() {
        assertNotNull(VERSION, "run through failsafe, which passes -Dlinuxns.version");
        Result r = linuxns("-V");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.line().startsWith("linuxns " + VERSION + " (Java "), r::toString);
    }

    @Test
    void theJarRunsAloneWithItsNativeAccessInTheManifest() throws IOException {
        try (JarFile jar = new JarFile(Cli.JAR.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.linuxns.cli.Main", main.getValue("Main-Class"));
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
            for (String cls : new String[] {"io/linuxns/Namespace.class", "io/linuxns/bindings/LinuxNs.class",
                    "picocli/CommandLine.class"}) {
                assertNotNull(jar.getEntry(cls), cls + " in " + Cli.JAR);
            }
        }
    }
}
