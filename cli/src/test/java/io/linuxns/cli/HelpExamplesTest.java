package io.linuxns.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples in every --help work when pasted: none is wrapped onto a second line. */
class HelpExamplesTest {

    @Test
    void everyExampleFitsOnItsLine() {
        for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
            String help = sub.getUsageMessage(CommandLine.Help.Ansi.OFF);
            int examples = help.indexOf("Examples:");
            if (examples < 0) continue;
            for (String line : help.substring(examples).lines().skip(1).toList()) {
                if (line.isBlank()) break;
                assertTrue(line.startsWith("  linuxns "), sub.getCommandName() + " --help wraps an example here:\n" + line + "\n" + help);
                assertTrue(line.chars().filter(c -> c == '\'').count() % 2 == 0,
                        sub.getCommandName() + " --help splits a quoted string:\n" + line + "\n" + help);
            }
        }
    }
}
