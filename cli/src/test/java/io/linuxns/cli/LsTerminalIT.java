package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code linuxns ls} on a terminal cuts COMMAND to the terminal's width, as lsns does (a pty made
 * by util-linux {@code script(1)}, unsized, so {@code $COLUMNS} gives the width); piped or with
 * {@code -u} it cuts nothing. The row of a process with a long command line is compared with
 * lsns's under the same pty.
 */
class LsTerminalIT {
    static final String LONG = "x".repeat(150);

    /** The output of {@code command} run on a pty {@code columns} wide, without the pty's CRs. */
    private static String onTerminal(int columns, List<String> command) {
        String line = String.join(" ", command.stream().map(a -> "'" + a + "'").toList());
        List<String> script = new ArrayList<>(List.of("env", "COLUMNS=" + columns, "script", "-qec", line, "/dev/null"));
        Result r = Cli.exec(script.toArray(String[]::new));
        assertEquals(0, r.exit(), r::toString);
        return r.out().replace("\r", "");
    }

    private static String rowOf(String table, long pid) {
        return table.lines().filter(l -> l.matches(".* " + pid + " .*|.* " + pid + "$")).findFirst().orElse("(no row for " + pid + ")\n" + table);
    }

    @Test
    void commandIsCutToTheTerminalAsLsnsCutsIt() throws Exception {
        assumeTrue(Cli.isRoot() && Cli.onPath("script") && Cli.onPath("lsns"), "needs root (a UTS namespace), script and lsns");
        Process p = new ProcessBuilder("unshare", "-u", "sh", "-c", "sleep 600; : " + LONG)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Path comm = Path.of("/proc/" + p.pid() + "/cmdline");
            while (!Files.readString(comm).contains(LONG)) Thread.sleep(10);
            long pid = p.pid();
            for (String[] options : List.of(new String[] {"-t", "uts"}, new String[] {"-t", "uts", "-o", "NS,COMMAND,PID"})) {
                List<String> ours = new ArrayList<>(Cli.command(Cli.JAR, "ls"));
                ours.addAll(List.of(options));
                List<String> theirs = new ArrayList<>(List.of("lsns"));
                theirs.addAll(List.of(options));
                String mine = rowOf(onTerminal(60, ours), pid), util = rowOf(onTerminal(60, theirs), pid);
                assertEquals(util, mine);
                assertTrue(mine.length() <= 60 && !mine.contains(LONG), mine);
            }
            // -u keeps it whole on the terminal; piped nothing is cut.
            List<String> whole = new ArrayList<>(Cli.command(Cli.JAR, "ls", "-t", "uts", "-u"));
            assertTrue(rowOf(onTerminal(60, whole), pid).endsWith(": " + LONG));
            Result piped = Cli.linuxns("ls", "-t", "uts");
            assertTrue(rowOf(piped.out(), pid).endsWith(": " + LONG), piped::toString);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
