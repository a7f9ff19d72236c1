package io.linuxns.examples.nsprocess;

import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.net.BridgedNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs every step of {@link NsProcess} and checks what it prints, in a busybox root built here. */
class NsProcessTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private static Path rootfs;

    @BeforeAll
    static void busyboxRoot() throws Exception {
        rootfs = Files.createTempDirectory("ns-process-rootfs");
        assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip().equals("0"),
                "steps 1 and 7 need root, as in the series");
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox-static is not installed");
        for (String dir : new String[] {"bin", "proc", "tmp"}) Files.createDirectories(rootfs.resolve(dir));
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        // Step 5 installs busybox's links, which the steps after it use: run it once first.
        NsProcess.pivotRoot(rootfs, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    /**
     * Deleted here, not by {@code @TempDir}, which warns about every one of busybox's links to
     * {@code /bin/busybox}: they point outside the directory as the host sees it.
     */
    @AfterAll
    static void deleteRoot() throws IOException {
        if (rootfs == null) return;
        try (Stream<Path> all = Files.walk(rootfs)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private interface Step {
        void run(PrintStream out) throws Exception;
    }

    private static String output(Step step) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            step.run(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theStepsOfTheSeriesPrintWhatTheSeriesShows() throws Exception {
        assertEquals("1. UTS namespace\nns-process\nhost's hostname unchanged: true\n", output(NsProcess::uts));
        assertEquals("2. User namespace\n65534\n", output(NsProcess::user));
        assertEquals("3. UID and GID mappings\n0\n0\nuid_map: 0 0 1\n", output(NsProcess::mappings));
        String setup = output(NsProcess::setupBeforeExec);
        assertTrue(setup.matches("4\\. Setup before the program runs\nfailed: child step \\d+ \\(mount a tmpfs\\): ENOENT\n"), setup);
        assertEquals("5. Mount namespace and pivot_root\nbin\nproc\ntmp\n", output(out -> NsProcess.pivotRoot(rootfs, out)));
        assertEquals("6. PID namespace and /proc\npid 1\n/proc/self is 1\n", output(out -> NsProcess.pidAndProc(rootfs, out)));
        assertEquals("8. The hostname, and the whole container\nns-process\n0\npid 1\n", output(out -> NsProcess.hostname(rootfs, out)));
    }

    /**
     * Step 7 as {@link NsProcess#main} runs it, but with a scratch network namespace as the
     * "host": the bridge and the host's veth end are made there, so the machine's own network
     * never sees them, and netsetgo's names and addresses cannot clash with anything.
     */
    @Test
    void theNetworkStepPingsTheBridge() throws Exception {
        try (NamespaceExecutor host = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK))) {
            String out = host.call(() -> {
                try (BridgedNetwork net = NsProcess.netsetgo()) {
                    return output(o -> NsProcess.network(rootfs, net, o));
                }
            });
            assertEquals("7. Network\ninet 10.10.10.2/24\ndefault via 10.10.10.1 dev eth0\n1 packets received\n",
                    out.replace(" \n", "\n"));
            String left = host.call(() -> String.join(" ", io.linuxns.examples.jna.FromJna.devices()));
            assertEquals("lo", left, "the teardown leaves only lo in the scratch host namespace");
        }
    }
}
