package io.linuxns.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code linuxns ls -Q}: the expressions util-linux's lsns tests and scols-filter(5) use. */
class RowFilterTest {
    private static final Map<String, String> ROW = Map.of("NS", "4026532177", "TYPE", "net", "NPROCS", "0",
            "NETNSID", "7", "NSFS", "/run/netns/x", "PID", "");

    private static boolean test(String expr) throws CliException {
        return RowFilter.parse(expr).test(name -> ROW.getOrDefault(name, ""));
    }

    @Test
    void comparisonsAsTheSuiteWritesThem() throws CliException {
        assertTrue(test("NS == 4026532177"));
        assertTrue(test("NETNSID == '7'"));
        assertTrue(test("TYPE == \"net\" and NPROCS == 0"));
        assertFalse(test("NS == 4026532178"));
        assertTrue(test("NPROCS < 2 && !(TYPE eq 'uts')"));
        assertTrue(test("TYPE == 'uts' || NSFS =~ '^/run/netns/'"));
        assertTrue(test("not PID"), "an empty cell is false");
        assertTrue(test("NS > 4K"), "size suffixes are powers of 1024");
    }

    @Test
    void holdersAreTheColumnsRead() throws CliException {
        assertEquals(Set.of("NS", "TYPE"), RowFilter.parse("ns == 1 or TYPE != 'x'").holders());
    }

    @Test
    void badSyntaxIsAUsageError() {
        CliException e = assertThrows(CliException.class, () -> RowFilter.parse("NS == (1"));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertThrows(CliException.class, () -> RowFilter.parse("NS =="));
        assertThrows(CliException.class, () -> RowFilter.parse("NS == 'open"));
    }
}
