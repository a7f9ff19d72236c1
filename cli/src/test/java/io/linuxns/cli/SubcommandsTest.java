package io.linuxns.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A command line gets only the subcommand it names (picocli's set-up time), and nothing else changes. */
class SubcommandsTest {

    @Test
    void everySubcommandIsKnownByItsName() {
        CommandLine all = Main.commandLine();
        assertEquals(Main.SUBCOMMANDS, List.copyOf(all.getSubcommands().keySet()));
        for (String name : Main.SUBCOMMANDS) {
            assertEquals(name, all.getSubcommands().get(name).getCommandName());
        }
    }

    @Test
    void theNamedSubcommandIsTheFirstOperand() {
        assertEquals("unshare", Main.subcommandNamed("unshare", "-u", "true"));
        assertEquals("unshare", Main.subcommandNamed("--debug", "unshare", "-u", "ls"));
        assertEquals("ls", Main.subcommandNamed("ls", "-p", "1"));
        assertNull(Main.subcommandNamed("help", "unshare"), "help needs every subcommand");
        assertNull(Main.subcommandNamed("unshar"), "an unknown name is picocli's to report");
        assertNull(Main.subcommandNamed("--help"));
        assertNull(Main.subcommandNamed());
    }

    @Test
    void aRunWithOneSubcommandBehavesAsWithAll() {
        CommandLine one = Main.commandLine("unshare");
        assertEquals(List.of("unshare"), List.copyOf(one.getSubcommands().keySet()));
        assertEquals(Main.commandLine().getSubcommands().get("unshare").getUsageMessage(),
                one.getSubcommands().get("unshare").getUsageMessage());
        StringWriter err = new StringWriter();
        one.setErr(new PrintWriter(err));
        assertEquals(ExitCodes.USAGE, one.execute("unshare", "--no-such-option", "true"));
        assertTrue(err.toString().startsWith("linuxns: unrecognized option '--no-such-option'"), err::toString);
    }

    @Test
    void helpListsEverySubcommand() {
        String usage = Main.commandLine(Main.subcommandNamed("--help")).getUsageMessage();
        for (String name : Main.SUBCOMMANDS) assertTrue(usage.contains("\n  " + name + " "), usage);
    }
}
