package io.linuxns;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NamespacedProcessBuilder#inheritDescriptors(boolean)}: the command gets exactly the
 * JVM's descriptors that are not close-on-exec, whichever of the children's paths the spawn
 * takes, and none of the library's own.
 */
@ExtendWith(ThreadNamespaceGuard.class)
class InheritDescriptorsTest {

    /** Each path through the children: they drop descriptors at different steps. */
    enum Path_ {
        /** The clone3 child execs the command itself. */
        DIRECT(NamespacedProcessBuilder::new),
        /** clone3 makes the namespaces, and its child execs the command itself. */
        NAMESPACED_DIRECT(() -> new NamespacedProcessBuilder().unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID,
                NamespaceType.MOUNT)),
        /** The helper makes the namespace (a hostname needs the helper). */
        HELPER(() -> new NamespacedProcessBuilder().unshare(NamespaceType.UTS).hostname("helper")),
        /** The helper waits for the parent in a sync window and closes its ready pipe. */
        SYNC_WINDOW(() -> new NamespacedProcessBuilder().unshare(NamespaceType.NETWORK).loopback(true)),
        /** clone3 makes a user namespace, and its child waits for the id maps before it execs the command itself. */
        DIRECT_AFTER_MAPS(() -> new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.MOUNT).mapRootToCurrentUser()),
        /** The trampoline waits for the id maps before it execs the helper (a hostname needs the helper). */
        TRAMPOLINE_WAITS(() -> new NamespacedProcessBuilder().unshare(NamespaceType.USER, NamespaceType.UTS).mapRootToCurrentUser()
                .hostname("helper")),
        /** The command runs under an init, which closes every descriptor itself. */
        INIT(() -> new NamespacedProcessBuilder().unshare(NamespaceType.PID).init(true));

        final Supplier<NamespacedProcessBuilder> builder;

        Path_(Supplier<NamespacedProcessBuilder> builder) {
            this.builder = builder;
        }
    }

    /** Prints "N target" for each of the shell's descriptors above stderr. */
    private static final String LIST_FDS =
            "for f in /proc/self/fd/*; do n=${f##*/}; [ \"$n\" -gt 2 ] && t=$(readlink \"$f\") && echo \"$n $t\"; done; true";

    @BeforeAll
    static void needsRoot() {
        assumeTrue(TestSupport.isRoot(), "the namespaced paths need root");
    }

    @ParameterizedTest
    @EnumSource(Path_.class)
    void theCommandGetsTheJvmsDescriptorsThatAreNotCloseOnExecAndNoneOfTheLibrarys(Path_ path) throws Exception {
        Path f = Files.createTempFile("linuxns-inherit", ".txt");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw");
             Namespace held = Namespace.ofProcess(ProcessHandle.current().pid(), NamespaceType.UTS)) {
            int fd = TestSupport.fdOf(f);
            Map<Integer, String> before = jvmDescriptors();
            Spawned s = Spawned.sh(path.builder.get().inheritDescriptors(true), LIST_FDS);
            Map<Integer, String> after = jvmDescriptors();
            assertEquals(0, s.exit(), s.err());
            Map<Integer, String> seen = parse(s.out());
            assertEquals(f.toString(), seen.get(fd), s.out());
            for (Map.Entry<Integer, String> e : seen.entrySet()) {
                // Everything the command holds is one of the JVM's descriptors under its number,
                // not close-on-exec: no stdio pipe end, error pipe, sync pipe or namespace dup.
                String v = e.getValue();
                assertTrue(v.equals(before.get(e.getKey())) || v.equals(after.get(e.getKey())),
                        "fd " + e.getKey() + " of " + s.out() + " vs the JVM's " + before);
            }
            for (Map.Entry<Integer, String> e : before.entrySet()) {
                // One the JVM held all along (a jar opened meanwhile by class loading is not).
                if (!e.getValue().equals(after.get(e.getKey()))) continue;
                assertEquals(e.getValue(), seen.get(e.getKey()), "the JVM's fd " + e.getKey() + " is missing: " + s.out());
            }
            assertFalse(seen.containsValue(link(held)), "a close-on-exec descriptor reached the command: " + s.out());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void passedDescriptorsAndRedirectsStillApplyOnTop() throws Exception {
        Path f = Files.createTempFile("linuxns-inherit", ".txt");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            int fd = TestSupport.fdOf(f);
            // bash: dash redirects only descriptors 0-9.
            Spawned s = Spawned.run(new NamespacedProcessBuilder("bash", "-c", "echo nine >&9; echo " + fd + " >&" + fd + "; " + LIST_FDS)
                    .unshare(NamespaceType.UTS).hostname("helper").inheritDescriptors(true).passFd(fd, 9));
            assertEquals(0, s.exit(), s.err());
            Map<Integer, String> seen = parse(s.out());
            assertEquals(f.toString(), seen.get(9), s.out());
            assertEquals(f.toString(), seen.get(fd), s.out());
            assertEquals("nine\n" + fd + "\n", Files.readString(f));
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void aCloseOnExecDescriptorPassedUnderAnotherNumberIsNotInheritedUnderItsOwn() throws Exception {
        try (Namespace ns = Namespace.ofProcess(ProcessHandle.current().pid(), NamespaceType.UTS)) {
            Spawned s = Spawned.sh(new NamespacedProcessBuilder().unshare(NamespaceType.UTS).hostname("helper").inheritDescriptors(true).passFd(ns.fd(), 9),
                    LIST_FDS);
            Map<Integer, String> seen = parse(s.out());
            assertEquals(link(ns), seen.get(9), s.out());
            assertFalse(seen.containsKey(ns.fd()), s.out());
        }
    }

    @Test
    void byDefaultOnlyStdioAndPassedDescriptorsSurvive() throws Exception {
        Path f = Files.createTempFile("linuxns-inherit", ".txt");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            NamespacedProcessBuilder b = new NamespacedProcessBuilder().unshare(NamespaceType.UTS).hostname("helper");
            assertFalse(b.inheritDescriptors());
            Spawned s = Spawned.sh(b, LIST_FDS);
            assertEquals("", s.out());
        } finally {
            Files.delete(f);
        }
    }

    /**
     * The helper, sitting in its new namespaces in the sync window, holds none of the JVM's
     * descriptors: the trampoline marked them close-on-exec and the helper's exec closed them.
     */
    @Test
    void theHelperHoldsNoneOfTheJvmsDescriptorsInItsNamespaces() throws Exception {
        Path f = Files.createTempFile("linuxns-helper-fds", ".txt");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            int fd = TestSupport.fdOf(f);
            assertFalse(closeOnExec(fd), "the test needs a descriptor of the JVM's that is not close-on-exec");
            Map<Integer, String> helper = new TreeMap<>();
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("/bin/true").unshare(NamespaceType.UTS).parentSetup(pid -> {
                try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                    for (Path p : list.toList()) helper.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                }
            });
            assertEquals(0, b.start().waitFor());
            assertFalse(helper.isEmpty(), "the helper's descriptors were read");
            assertFalse(helper.containsValue(f.toString()), "the helper holds the JVM's file: " + helper);
            for (Map.Entry<Integer, String> e : jvmDescriptors().entrySet()) {
                assertFalse(e.getValue().equals(helper.get(e.getKey())), "the helper holds the JVM's " + e + ": " + helper);
            }
        } finally {
            Files.delete(f);
        }
    }

    /** This JVM's descriptors above stderr that are not close-on-exec, with their targets. */
    private static Map<Integer, String> jvmDescriptors() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : list.toList()) {
                int n = Integer.parseInt(p.getFileName().toString());
                if (n < 3) continue;
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // The listing's own descriptors, whatever their flags: gone before the spawn.
                    if (target.startsWith("/proc/") && target.endsWith("/fd")) continue;
                    if (!closeOnExec(n)) fds.put(n, target);
                } catch (IOException gone) {
                    // the listing's own descriptor (close-on-exec anyway)
                }
            }
        }
        return fds;
    }

    private static boolean closeOnExec(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) return (Long.parseLong(line.substring(6).trim(), 8) & 02000000) != 0;
        }
        throw new IllegalStateException("no flags in fdinfo of " + fd);
    }

    private static Map<Integer, String> parse(String out) {
        Map<Integer, String> fds = new TreeMap<>();
        for (String line : out.lines().toList()) {
            int sp = line.indexOf(' ');
            fds.put(Integer.parseInt(line.substring(0, sp)), line.substring(sp + 1));
        }
        return fds;
    }

    private static String link(Namespace ns) {
        return ns.type().procName() + ":[" + ns.inode() + "]";
    }
}
