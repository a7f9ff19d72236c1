package io.linuxns.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source of {@code core/src/main/asm} assembled again with binutils ({@code as --64}, then
 * {@code objcopy -O binary -j .text}), for the tests that compare the machine code a class
 * carries with its source.
 *
 * @param object the object file, for tests that also read its symbols
 * @param text   the bytes of its {@code .text}
 */
public record Reassembled(Path object, byte[] text) {
    /**
     * @param file the source's name under {@code src/main/asm} (the tests run from the core module)
     * @param what what the source is, for the message when binutils is missing
     */
    public static Reassembled of(String file, Path tmp, String what) throws Exception {
        Path source = Path.of("src/main/asm", file);
        assertTrue(Files.exists(source), "run from the core module: " + source.toAbsolutePath());
        io.linuxns.Prerequisites.require(onPath("as") && onPath("objcopy"), "binutils (as, objcopy): to reassemble " + what);
        Path obj = tmp.resolve(file + ".o");
        Path bin = tmp.resolve(file + ".bin");
        run("as", "--64", "-o", obj.toString(), source.toString());
        run("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        return new Reassembled(obj, Files.readAllBytes(bin));
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
