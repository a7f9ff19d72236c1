package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code uid(long)}, {@code gid(long)} and {@code keepCapabilities(boolean)}: the command's
 * credentials and ambient capabilities, as {@code unshare -S -G --keep-caps} give them, as root
 * and as uid 65534 ({@link CredentialsProbe} in a child JVM under setpriv); the JVM's own
 * credentials and dumpable flag stay as they were.
 */
class CredentialsTest {
    /** Every capability this kernel knows, as /proc/PID/status shows a set. */
    static final String ALL = allCapabilities();
    static final String NONE = "0000000000000000";
    static Map<String, String> root;
    static Map<String, String> nobody;

    @BeforeAll
    static void runProbes() throws Exception {
        assumeTrue(TestSupport.isRoot(), "the host cases and switching to uid 65534 need root");
        String before = jvmCredentials();
        int dumpable = dumpable();
        root = CredentialsProbe.run(true);
        assertEquals(before, jvmCredentials(), "the JVM's own credentials changed");
        assertEquals(dumpable, dumpable(), "the JVM's dumpable flag changed");

        Path dir = Unprivileged.readableTempDirectory("linuxns-credentials");
        try {
            List<String> cmd = new ArrayList<>(Unprivileged.java(dir, CredentialsProbe.class));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe hung");
            assertEquals(0, p.exitValue(), out);
            nobody = Unprivileged.keyValues(out);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    @Test
    void keepCapabilitiesMakesThemAmbient() {
        for (Map<String, String> r : List.of(root, nobody)) {
            assertEquals("0 0 - " + ALL + " " + ALL, r.get("keep-root"), r::toString);
            assertEquals("0 0 - " + ALL + " " + NONE, r.get("root"), r::toString);
            // Not uid 0 inside: exec drops every capability, unless they are ambient.
            assertEquals("65534 65534 - " + NONE + " " + NONE, r.get("unmapped"), r::toString);
            assertEquals("65534 65534 - " + ALL + " " + ALL, r.get("keep-unmapped"), r::toString);
        }
    }

    @Test
    void keepCapabilitiesInAJoinedUserNamespace() {
        // setns(2) into a user namespace grants the full set, as nsenter --keep-caps keeps it.
        assertEquals("0 0 - " + ALL + " " + ALL, nobody.get("join-keep"), nobody::toString);
        assertEquals("0 0 - " + ALL + " " + ALL, nobody.get("join-preserve-keep"), nobody::toString);
    }

    @Test
    void gidAndUidInsideAUserNamespace() {
        for (Map<String, String> r : List.of(root, nobody)) assertEquals("0 0 - " + ALL + " " + NONE, r.get("gid-0"), r::toString);
        assertEquals("1000 1001 - " + NONE + " " + NONE, root.get("userns"), root::toString);
        assertEquals("ready 101000 101001", root.get("userns-outside"), root::toString);
        // The init keeps the helper's credentials; only the command changes them.
        assertEquals("1000 1000 - " + NONE + " " + NONE, root.get("init"), root::toString);
    }

    @Test
    void onTheHostTheSupplementaryGroupsGoToo() {
        assertEquals("1000 1001 - " + NONE + " " + NONE, root.get("host"), root::toString);
        // Only the uid: the gid and groups stay root's.
        assertTrue(root.get("host-uid-only").startsWith("1000 0 "), root::toString);
    }

    @Test
    void unmappedIdsFailNamingTheCall() {
        for (Map<String, String> r : List.of(root, nobody)) {
            assertTrue(r.get("uid-unmapped").startsWith("NamespaceException") && r.get("uid-unmapped").contains("setresuid(5, 5, 5)")
                    && r.get("uid-unmapped").contains("EINVAL"), r.get("uid-unmapped"));
            assertTrue(r.get("gid-unmapped").startsWith("NamespaceException") && r.get("gid-unmapped").contains("setresgid(5, 5, 5)")
                    && r.get("gid-unmapped").contains("EINVAL"), r.get("gid-unmapped"));
        }
    }

    @Test
    void badInputIsRefusedBeforeAnySystemCall() {
        for (Map<String, String> r : List.of(root, nobody)) {
            assertTrue(r.get("keep-no-userns").startsWith("IllegalArgumentException") && r.get("keep-no-userns").contains("NamespaceType.USER"),
                    r.get("keep-no-userns"));
            assertTrue(r.get("uid-range").startsWith("IAE the uid -2 is out of range"), r.get("uid-range"));
        }
    }

    @Test
    void aUidChangeFromRootLeavesNoCapabilityToKeep() {
        assertEquals("1000 65534 - " + ALL + " " + ALL, root.get("keep-from-unmapped"), root::toString);
        String s = root.get("keep-cleared");
        assertTrue(s.startsWith("NamespaceException") && s.contains("capset") && s.contains("EPERM"), s);
    }

    private static String allCapabilities() {
        try {
            int last = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).get(0).strip());
            return String.format("%016x", (1L << (last + 1)) - 1);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jvmCredentials() throws java.io.IOException {
        return String.join("\n", Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:") || l.startsWith("Gid:") || l.startsWith("Groups:") || l.startsWith("Cap")).toList());
    }

    private static int dumpable() {
        MemoryLayout[] four = {JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG};
        return LinuxNs.prctl.makeInvoker(four).apply(LinuxNs.PR_GET_DUMPABLE(), 0L, 0L, 0L, 0L);
    }
}
