package io.linuxns.cli;

import io.linuxns.IdMapping;
import io.linuxns.NamespaceType;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option parsing that needs no process: picocli wiring, id ranges, signals, bind specs. */
class ParsingTest {

    @Test
    void mapUsersColonIsInnerOuterCountAndCommaIsOuterInnerCount() throws CliException {
        assertEquals(new IdMapping(0, 100000, 10), IdRanges.parse("--map-users", "0:100000:10"));
        assertEquals(new IdMapping(0, 100000, 10), IdRanges.parse("--map-users", "100000,0,10"));
        assertThrows(CliException.class, () -> IdRanges.parse("--map-users", "1:2"));
        assertThrows(CliException.class, () -> IdRanges.parse("--map-users", "a:b:c"));
        assertThrows(CliException.class, () -> IdRanges.parse("--map-users", "0:0:0"));
    }

    @Test
    void signals() throws CliException {
        assertEquals(9, Signals.parse("KILL"));
        assertEquals(9, Signals.parse("SIGKILL"));
        assertEquals(15, Signals.parse("sigterm"));
        assertEquals(10, Signals.parse("10"));
        assertThrows(CliException.class, () -> Signals.parse("FOO"));
        assertThrows(CliException.class, () -> Signals.parse("65"));
    }

    @Test
    void nsenterShortOptionTakesOnlyAnAttachedFile() {
        NsenterCommand c = parse(new NsenterCommand(), "-t", "1", "-u", "hostname");
        assertEquals(Optional.empty(), c.namespaces.selected().get(NamespaceType.UTS));
        assertEquals(List.of("hostname"), c.command);
        NsenterCommand f = parse(new NsenterCommand(), "-n/run/netns/x", "--uts=/tmp/u", "ip");
        assertEquals(Optional.of(Path.of("/run/netns/x")), f.namespaces.selected().get(NamespaceType.NETWORK));
        assertEquals(Optional.of(Path.of("/tmp/u")), f.namespaces.selected().get(NamespaceType.UTS));
    }

    @Test
    void unshareShortOptionsClusterAndLongOnesTakeFiles() {
        UnshareCommand c = parse(new UnshareCommand(), "-rmu", "--net=/tmp/n", "--pid", "id", "-u");
        assertTrue(c.mapRoot);
        assertEquals(Optional.empty(), c.namespaces.selected().get(NamespaceType.MOUNT));
        assertEquals(Optional.empty(), c.namespaces.selected().get(NamespaceType.UTS));
        assertEquals(Optional.empty(), c.namespaces.selected().get(NamespaceType.PID));
        assertEquals(Optional.of(Path.of("/tmp/n")), c.namespaces.selected().get(NamespaceType.NETWORK));
        assertEquals(List.of("id", "-u"), c.command, "options after the program are the program's");
    }

    @Test
    void bindSpec() throws CliException {
        RunCommand.BindSpec b = RunCommand.BindSpec.parse("/etc:/mnt:ro");
        assertEquals(new RunCommand.BindSpec(Path.of("/etc"), Path.of("/mnt"), true), b);
        assertEquals(false, RunCommand.BindSpec.parse("/etc:/mnt").readOnly());
        assertThrows(CliException.class, () -> RunCommand.BindSpec.parse("/etc"));
        assertThrows(CliException.class, () -> RunCommand.BindSpec.parse("/etc:mnt"));
    }

    /** A clock offset the kernel cannot take is bad usage (exit 1), refused before anything starts: not an internal error (125). */
    @Test
    void clockOffsetOutOfRangeIsBadUsage() {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(ExitCodes.USAGE, cl.execute("unshare", "--monotonic=-99999999999", "true"), err::toString);
        assertTrue(err.toString().startsWith("linuxns: --monotonic: the monotonic offset -99999999999 s is out of range"), err::toString);
        err.getBuffer().setLength(0);
        assertEquals(ExitCodes.USAGE, cl.execute("unshare", "--boottime", "-9223372036854775808", "true"), err::toString);
        assertTrue(err.toString().startsWith("linuxns: --boottime: the boottime offset"), err::toString);
    }

    @Test
    void parseErrorsInUtilLinuxWords() {
        assertUsage("linuxns: invalid option -- 'x'", "unshare", "-x");
        assertUsage("linuxns: invalid option -- 'x'", "unshare", "-rx", "true");
        assertUsage("linuxns: unrecognized option '--foo'", "unshare", "--foo");
        assertUsage("linuxns: unrecognized option '--foo=bar'", "nsenter", "--foo=bar");
        assertUsage("linuxns: failed to parse pid: 'abc'", "nsenter", "-t", "abc", "true");
        assertUsage("linuxns: failed to parse pid: '0'", "nsenter", "--target=0", "true");
        assertUsage("linuxns: option requires an argument -- 't'", "nsenter", "-t");
        assertUsage("linuxns: option '--target' requires an argument", "nsenter", "--target");
    }

    private static void assertUsage(String message, String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(ExitCodes.USAGE, cl.execute(args), err::toString);
        assertEquals(message + System.lineSeparator() + "Try 'linuxns " + args[0] + " --help' for more information." + System.lineSeparator(),
                err.toString());
    }

    @Test
    void helpHasOneLinePerOptionWithShortAndLongFormsTogether() {
        for (String sub : new String[] {"run", "unshare", "nsenter", "ls"}) {
            java.io.StringWriter out = new java.io.StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setOut(new java.io.PrintWriter(out));
            assertEquals(0, cl.execute(sub, "--help"));
            String help = out.toString();
            assertTrue(help.startsWith("Usage:" + System.lineSeparator() + " linuxns " + sub + " [options]"), help);
            List<String> options = help.lines().dropWhile(l -> !l.equals("Options:")).skip(1).takeWhile(l -> !l.isEmpty()).toList();
            assertTrue(options.size() > 3, help);
            for (String line : options) assertTrue(line.matches(" (-[a-zA-Z], |    )--[a-z].*"), line);
            if (sub.equals("unshare")) {
                assertTrue(options.stream().anyMatch(l -> l.startsWith(" -m, --mount[=FILE] ")), help);
                assertTrue(options.stream().anyMatch(l -> l.startsWith(" -r, --map-root-user ")), help);
            }
        }
    }

    @Test
    void lsListColumnsNamesEveryColumnWithItsJsonType() {
        java.io.StringWriter out = new java.io.StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        assertEquals(0, cl.execute("ls", "-H"));
        List<String> lines = out.toString().lines().toList();
        assertEquals(LsCommand.Column.values().length, lines.size(), out::toString);
        assertTrue(lines.get(0).startsWith("     NS <integer> "), out::toString);
        assertTrue(lines.contains(lines.stream().filter(l -> l.startsWith("COMMAND <string>  ")).findFirst().orElse("missing COMMAND")), out::toString);
        out.getBuffer().setLength(0);
        assertEquals(0, cl.execute("ls", "--list-columns", "--raw"));
        assertTrue(out.toString().startsWith("NS <integer> the\\x20namespace's"), out::toString);
    }

    private static <T> T parse(T command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setStopAtPositional(true);
        cl.parseArgs(args);
        return command;
    }
}
