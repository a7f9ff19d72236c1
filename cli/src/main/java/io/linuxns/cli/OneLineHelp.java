package io.linuxns.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --help} laid out as util-linux's: a {@code Usage:} line with {@code [options]}, and one
 * line per option with its short and long forms together ({@code -m, --mount[=FILE]}), also for
 * the pairs that are two options to the parser (unshare's {@code -m} takes no file, its
 * {@code --mount} may: the short one is hidden and described as "Same as --mount.").
 */
final class OneLineHelp {
    private OneLineHelp() {}

    /** Applies the layout to every subcommand of {@code cl}. */
    static void install(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) continue;
            sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, OneLineHelp::synopsis);
            sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, OneLineHelp::options);
            sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, help -> "");
            sub.getCommandSpec().usageMessage().synopsisHeading("Usage:%n").optionListHeading("%nOptions:%n");
        }
    }

    private static String synopsis(Help help) {
        CommandSpec spec = help.commandSpec();
        String operands = "";
        if (!spec.positionalParameters().isEmpty()) {
            CommandLine.Model.PositionalParamSpec p = spec.positionalParameters().get(0);
            // A program takes arguments; ls's NAMESPACE is one word.
            operands = " [" + p.paramLabel() + (p.arity().max() > 1 ? " [ARGUMENT...]]" : "]");
        }
        return " linuxns " + spec.name() + " [options]" + operands + System.lineSeparator() + System.lineSeparator();
    }

    private static String options(Help help) {
        List<OptionSpec> all = help.commandSpec().options();
        List<String[]> rows = new ArrayList<>();
        for (OptionSpec o : all) {
            if (o.hidden()) continue;
            rows.add(new String[] {names(o, all), String.join(" ", o.description())});
        }
        int width = 0;
        for (String[] r : rows) width = Math.max(width, r[0].length());
        width = Math.min(width, 34) + 2;
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(' ').append(r[0]);
            sb.append(" ".repeat(Math.max(1, width - r[0].length()))).append(r[1].strip()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String names(OptionSpec o, List<OptionSpec> all) {
        List<String> shorts = new ArrayList<>(), longs = new ArrayList<>();
        for (OptionSpec twin : all) {
            if (twin.hidden() && String.join(" ", twin.description()).equals("Same as " + o.longestName() + ".")) {
                shorts.addAll(List.of(twin.names()));
            }
        }
        for (String n : o.names()) (n.startsWith("--") ? longs : shorts).add(n);
        String label = "";
        if (o.arity().max() > 0) {
            String l = o.paramLabel();
            label = o.arity().min() == 0 ? "[=" + l + "]" : (longs.isEmpty() ? " " + l : "=" + l);
        }
        String joined = String.join(", ", shorts);
        if (!longs.isEmpty()) joined = (shorts.isEmpty() ? "    " : joined + ", ") + String.join(", ", longs);
        return joined + label;
    }
}
