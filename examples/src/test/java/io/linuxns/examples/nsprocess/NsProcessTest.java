package io.linuxns.examples.nsprocess;

import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.net.BridgedNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
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
        if (rootfs != null) delete(rootfs);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /**
     * The program as an ordinary user runs it: {@code main} in a JVM as uid 65534 (under
     * {@code setpriv}), on a copy of the library's and the examples' classes that it can read, with
     * a root file system it owns. Steps 1 and 7 say they need root; every other step works, with
     * root inside mapped to 65534.
     */
    @Test
    void asAnOrdinaryUserEveryStepButTheRootOnesWorks() throws Exception {
        Path dir = Files.createTempDirectory("ns-process-rootless");
        try {
            List<String> classPath = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path src = Path.of(entry);
                boolean ours = src.getFileName().toString().startsWith("linuxns-") || src.endsWith(Path.of("target", "classes"));
                if (!ours || !Files.exists(src)) continue;
                Path dst = dir.resolve("cp" + classPath.size() + (Files.isDirectory(src) ? "" : ".jar"));
                try (Stream<Path> all = Files.walk(src)) {
                    for (Path f : all.toList()) {
                        Path t = dst.resolve(src.relativize(f).toString());
                        if (Files.isDirectory(f)) Files.createDirectories(t); else Files.copy(f, t);
                    }
                }
                classPath.add(dst.toString());
            }
            Path root = dir.resolve("rootfs");
            for (String d : new String[] {"bin", "proc", "tmp"}) Files.createDirectories(root.resolve(d));
            Files.copy(BUSYBOX, root.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.toList()) Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f)
                        || Files.isExecutable(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
            assertEquals(0, new ProcessBuilder("chown", "-R", "65534:65534", root.toString()).inheritIO().start().waitFor());
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", String.join(File.pathSeparator, classPath), NsProcess.class.getName(), root.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.matches("""
                    1\\. UTS namespace: skipped, a UTS namespace alone needs root
                    2\\. User namespace
                    65534
                    3\\. UID and GID mappings
                    0
                    0
                    uid_map: 0 65534 1
                    4\\. Setup before the program runs
                    failed: child step \\d+ \\(mount a tmpfs\\): ENOENT
                    5\\. Mount namespace and pivot_root
                    bin
                    proc
                    tmp
                    6\\. PID namespace and /proc
                    pid 1
                    /proc/self is 1
                    7\\. Network: skipped, a bridge on the host needs root
                    8\\. The hostname, and the whole container
                    ns-process
                    0
                    pid 1
                    """), out);
        } finally {
            delete(dir);
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
