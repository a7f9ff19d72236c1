package io.linuxns.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link QuickUnshare} takes a command line only where it gives the command picocli's parse
 * gives, and leaves every other to picocli.
 */
class QuickUnshareTest {

    /** Command lines the quick parse takes: each must come out as from picocli. */
    private static final List<List<String>> TAKEN = List.of(
            List.of("unshare", "-u", "true"),
            List.of("unshare", "-rmu", "--pid", "id", "-u"),
            List.of("unshare", "-u", "--uts", "hostname"),
            List.of("unshare", "-r", "-c", "id"),
            List.of("unshare", "-c", "-r", "id"),
            List.of("unshare", "-rc", "id"),
            List.of("unshare", "-cr", "id"),
            List.of("unshare", "--map-current-user", "--map-root-user", "id"),
            List.of("unshare", "-f", "-m", "-i", "-n", "-p", "-U", "-C", "-T", "sh", "-c", "echo -- x"),
            List.of("unshare", "--mount", "--ipc", "--net", "--user", "--cgroup", "--time", "--fork", "true"),
            List.of("unshare", "-U", "--keep-caps", "--forward-signals", "--clear-env", "--map-auto", "--map-subids", "env"),
            List.of("unshare", "--", "-u", "x"),
            List.of("unshare", "-u", "--", "--", "x"),
            List.of("unshare", "-u", "echo", "--", "-r", "--net=/x"),
            List.of("unshare", "-u"),
            List.of("unshare", "--"),
            List.of("unshare"));

    /** Command lines it leaves to picocli: values, repeats, help, unknown options, words picocli treats apart. */
    private static final List<List<String>> LEFT = List.of(
            List.of("unshare", "-uu", "true"),
            List.of("unshare", "-f", "--fork", "true"),
            List.of("unshare", "-r", "--map-root-user", "true"),
            List.of("unshare", "--net=/run/n", "true"),
            List.of("unshare", "--uts=", "true"),
            List.of("unshare", "-S", "0", "true"),
            List.of("unshare", "-w/tmp", "true"),
            List.of("unshare", "--kill-child", "true"),
            List.of("unshare", "--mount-proc", "true"),
            List.of("unshare", "--help"),
            List.of("unshare", "-h"),
            List.of("unshare", "-V"),
            List.of("unshare", "--debug", "-u", "true"),
            List.of("--debug", "unshare", "-u", "true"),
            List.of("unshare", "-x", "true"),
            List.of("unshare", "--no-such-option", "true"),
            List.of("unshare", "--ut", "true"),
            List.of("unshare", "-", "true"),
            List.of("unshare", "", "true"),
            List.of("unshare", "@args"),
            List.of("unshare", "-u", "echo", "@args"),
            List.of("nsenter", "-t", "1", "-u", "true"),
            List.of("run", "true"),
            List.of("help", "unshare"),
            List.of());

    @Test
    void whatItTakesComesOutAsFromPicocli() throws ReflectiveOperationException {
        for (List<String> args : TAKEN) {
            UnshareCommand quick = QuickUnshare.parse(args.toArray(String[]::new));
            assertNotNull(quick, () -> "taken: " + args);
            assertEquals(state(picocli(args)), state(quick), () -> String.join(" ", args));
        }
    }

    @Test
    void everyOtherCommandLineIsPicocliS() {
        for (List<String> args : LEFT) assertNull(QuickUnshare.parse(args.toArray(String[]::new)), () -> "left: " + args);
        // picocli refuses a repeated option, which util-linux's getopt would take.
        assertThrows(CommandLine.OverwrittenOptionException.class, () -> picocli(List.of("unshare", "-uu", "true")));
    }

    /** The help lists unshare's options in the order the command declares them, in every run. */
    @Test
    void helpListsTheOptionsInTheirDeclaredOrder() {
        String usage = Main.commandLine("unshare").getSubcommands().get("unshare").getUsageMessage();
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ (?:(-\\w), )?(?:\\s*)(--[\\w-]+)").matcher(usage);
        while (m.find()) names.add(m.group(2));
        assertEquals(List.of("--mount", "--uts", "--ipc", "--net", "--pid", "--user", "--cgroup", "--time",
                "--fork", "--map-root-user", "--map-current-user", "--map-user", "--map-group", "--map-users", "--map-groups",
                "--map-auto", "--map-subids", "--setgroups", "--setuid", "--setgid", "--keep-caps", "--forward-signals",
                "--clear-env", "--whitelist-env", "--kill-child", "--mount-proc", "--propagation", "--root", "--wd",
                "--monotonic", "--boottime", "--help", "--version", "--debug"), names, usage);
    }

    private static UnshareCommand picocli(List<String> args) {
        CommandLine cl = Main.commandLine("unshare");
        cl.parseArgs(args.toArray(String[]::new));
        return cl.getSubcommands().get("unshare").getCommand();
    }

    /** Every instance field of the command (the namespaces as selected), by name. */
    private static Map<String, Object> state(UnshareCommand c) throws ReflectiveOperationException {
        Map<String, Object> state = new TreeMap<>();
        for (Field f : UnshareCommand.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            f.setAccessible(true);
            Object v = f.get(c);
            state.put(f.getName(), v instanceof NamespaceOptions n ? n.selected() : v);
        }
        return state;
    }
}
