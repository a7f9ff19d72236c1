package io.linuxns.internal.spawn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes in {@link ChildRoutine} are exactly what binutils makes of the assembly source. */
class ChildRoutineTest {

    @Test
    void x86_64BytesMatchTheAssemblySource(@TempDir Path tmp) throws Exception {
        io.linuxns.internal.Reassembled r = io.linuxns.internal.Reassembled.of("child-x86_64.s", tmp, "the child routine");
        assertEquals(HexFormat.of().formatHex(r.text()), HexFormat.of().formatHex(ChildRoutine.X86_64),
                "ChildRoutine.X86_64 is stale: regenerate it from src/main/asm/child-x86_64.s");
        Process nm = new ProcessBuilder("nm", r.object().toString()).redirectErrorStream(true).start();
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
}
