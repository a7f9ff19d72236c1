package io.linuxns.internal.spawn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes in {@link ChildRoutine} are exactly what binutils makes of the assembly source. */
class ChildRoutineTest {

    @Test
    void x86_64BytesMatchTheAssemblySource(@TempDir Path tmp) throws Exception {
        Path source = Path.of("src/main/asm/child-x86_64.s");
        assertTrue(Files.exists(source), "run from the core module: " + source.toAbsolutePath());
        io.linuxns.Prerequisites.require(onPath("as") && onPath("objcopy"), "binutils (as, objcopy): to reassemble the child routine");
        Path obj = tmp.resolve("child.o");
        Path bin = tmp.resolve("child.bin");
        run("as", "--64", "-o", obj.toString(), source.toString());
        run("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(bin)), HexFormat.of().formatHex(ChildRoutine.X86_64),
                "ChildRoutine.X86_64 is stale: regenerate it from " + source);
        Process nm = new ProcessBuilder("nm", obj.toString()).redirectErrorStream(true).start();
        String symbols = new String(nm.getInputStream().readAllBytes());
        assertTrue(nm.waitFor(60, TimeUnit.SECONDS));
        assertEquals(ChildRoutine.ELF_ENTRY, offsetOf(symbols, "_start"), symbols);
        assertEquals(ChildRoutine.CLONE_ENTRY, offsetOf(symbols, "clone_entry"), symbols);
    }

    private static int offsetOf(String nmOutput, String symbol) {
        for (String line : nmOutput.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(symbol)) return Integer.parseInt(f[0], 16);
        }
        throw new AssertionError("no symbol " + symbol + " in\n" + nmOutput);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }
}
